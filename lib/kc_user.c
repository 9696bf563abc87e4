#include "kc_user.h"
#include "kc_crypto.h"
#include "kc_id.h"
#include "kc_json.h"
#include "kc_time.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

static const char *const role_names[] = {NULL, "viewer", "admin", "owner"};

int
kc_role_parse(const char *s, enum kc_role *out)
{
	int i;

	for (i = KC_ROLE_VIEWER; s && i <= KC_ROLE_OWNER; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*out = (enum kc_role)i;
			return 0;
		}
	return -1;
}

const char *
kc_role_name(enum kc_role r)
{
	return r >= KC_ROLE_VIEWER && r <= KC_ROLE_OWNER ? role_names[r]
							 : "none";
}

int
kc_email_normalize(const char *in, char *out, size_t cap)
{
	size_t n, i, at = 0, ats = 0;
	const char *s = in ? in : "";
	int ok = 1;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= cap) {
		n = cap - 1;
		ok = 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f)
			ok = 0;
		if (c == '@') {
			ats++;
			at = i;
		}
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[n] = '\0';
	if (n < 3 || n > 254 || ats != 1 || at == 0 || at == n - 1)
		ok = 0;
	return ok ? 0 : -1;
}

static json_t *
user_json(const struct kc_rows *r, size_t i, size_t c)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id",
	    kc_rows_get(r, i, c), "object", "user", "business_id",
	    kc_rows_get(r, i, c + 1), "email", kc_rows_get(r, i, c + 2), "role",
	    kc_rows_get(r, i, c + 3), "created_at",
	    kc_json_db_time(kc_rows_get(r, i, c + 4)), "last_sign_in_at",
	    kc_json_db_time(kc_rows_get(r, i, c + 5)), "disabled_at",
	    kc_json_db_time(kc_rows_get(r, i, c + 6)));
}

static int
password_ok(const char *password)
{
	size_t n = password ? strlen(password) : 0;

	return n >= KC_PW_MIN_LEN && n <= KC_PW_MAX_LEN;
}

int
kc_user_create(struct kc_db *db, const struct kc_actor *actor,
	       long long business_id, const char *email, enum kc_role role,
	       const struct kc_pw_params *p, const char *password, char *id_out)
{
	char norm[KC_EMAIL_MAX], hash[KC_PW_HASH_MAX];
	json_t *after;
	int rc;

	if (kc_email_normalize(email, norm, sizeof(norm)) != 0 ||
	    role == KC_ROLE_NONE || !password_ok(password))
		return KC_INVALID;
	/* Hashed before the transaction: it takes tens of milliseconds. */
	if (kc_password_hash(p, password, strlen(password), hash,
			     sizeof(hash)) != 0 ||
	    kc_id_new("usr", id_out, KC_ID_MAX) != 0)
		return -1;
	if (kc_db_begin(db) != 0)
		return -1;
	if (kc_db_exec(db, KC_SQL_USER_INSERT,
		       KC_ARGS(kc_p_str(id_out), kc_p_int(business_id),
			       kc_p_str(norm), kc_p_str(kc_role_name(role)),
			       kc_p_str(hash)),
		       NULL, NULL) != 0) {
		rc = kc_db_errno(db) == KC_ER_DUP_ENTRY ? KC_CONFLICT : -1;
		kc_db_rollback(db);
		return rc;
	}
	after =
	    json_pack("{s:s, s:s}", "email", norm, "role", kc_role_name(role));
	rc = kc_audit_write(db, business_id, actor, "user.created", "user",
			    id_out, NULL, after);
	json_decref(after);
	if (rc != 0) {
		kc_db_rollback(db);
		return -1;
	}
	return kc_db_end(db);
}

int
kc_user_list(struct kc_db *db, long long business_id, json_t **out)
{
	struct kc_rows *r;
	json_t *u;
	size_t i;
	int rc;

	rc = business_id ? kc_db_query(db, KC_SQL_USER_LIST,
				       KC_ARGS(kc_p_int(business_id)), &r)
			 : kc_db_query(db, KC_SQL_USER_LIST_ALL, NULL, 0, &r);
	if (rc != 0)
		return -1;
	*out = json_array();
	for (i = 0; i < r->nrows; i++)
		if ((u = user_json(r, i, 0)) != NULL)
			json_array_append_new(*out, u);
	kc_rows_free(r);
	return 0;
}

/* The row of a user named by id or email: internal id (0), business (1),
 * then what user_json shows from column 2. */
static int
lookup(struct kc_db *db, const char *id_or_email, struct kc_rows **r)
{
	char norm[KC_EMAIL_MAX];
	struct kc_rows *e;
	const char *id = id_or_email;
	int rc;

	*r = NULL;
	if (id == NULL)
		return KC_NOTFOUND;
	if (!kc_id_valid("usr", id)) {
		if (kc_email_normalize(id, norm, sizeof(norm)) != 0)
			return KC_NOTFOUND;
		if (kc_db_query(db, KC_SQL_USER_BY_EMAIL,
				KC_ARGS(kc_p_str(norm)), &e) != 0)
			return -1;
		if (e->nrows == 0) {
			kc_rows_free(e);
			return KC_NOTFOUND;
		}
		rc = kc_db_query(db, KC_SQL_USER_BY_PUBLIC,
				 KC_ARGS(kc_p_str(kc_rows_get(e, 0, 1))), r);
		kc_rows_free(e);
	} else {
		rc = kc_db_query(db, KC_SQL_USER_BY_PUBLIC,
				 KC_ARGS(kc_p_str(id)), r);
	}
	if (rc != 0)
		return -1;
	if ((*r)->nrows == 0) {
		kc_rows_free(*r);
		*r = NULL;
		return KC_NOTFOUND;
	}
	return 0;
}

int
kc_user_find(struct kc_db *db, const char *id_or_email, json_t **out)
{
	struct kc_rows *r;
	int rc;

	if ((rc = lookup(db, id_or_email, &r)) != 0)
		return rc;
	*out = user_json(r, 0, 2);
	kc_rows_free(r);
	return *out ? 0 : -1;
}

int
kc_user_disable(struct kc_db *db, const struct kc_actor *actor,
		const char *id_or_email)
{
	unsigned long long n = 0;
	struct kc_rows *r;
	long long id;
	int rc;

	if ((rc = lookup(db, id_or_email, &r)) != 0)
		return rc;
	id = kc_rows_int(r, 0, 0);
	rc = -1;
	if (kc_db_begin(db) != 0)
		goto out;
	if (kc_db_exec(db, KC_SQL_USER_DISABLE, KC_ARGS(kc_p_int(id)), &n,
		       NULL) != 0)
		goto fail;
	if (n == 0) {
		rc = KC_INVALID;
		goto fail;
	}
	if (kc_db_exec(db, KC_SQL_SESSION_END_USER, KC_ARGS(kc_p_int(id)), NULL,
		       NULL) != 0 ||
	    kc_audit_write(db, kc_rows_int(r, 0, 1), actor, "user.disabled",
			   "user", kc_rows_get(r, 0, 2), NULL, NULL) != 0)
		goto fail;
	rc = kc_db_end(db);
	goto out;
fail:
	kc_db_rollback(db);
out:
	kc_rows_free(r);
	return rc;
}

void
kc_user_throttle_account(const char *norm_email, char out[65])
{
	char buf[KC_EMAIL_MAX + 16];

	snprintf(buf, sizeof(buf), "account:%s", norm_email ? norm_email : "");
	kc_sha256_hex(buf, strlen(buf), out);
}

int
kc_user_set_password(struct kc_db *db, const struct kc_actor *actor,
		     const char *id_or_email, const struct kc_pw_params *p,
		     const char *password)
{
	char hash[KC_PW_HASH_MAX], account[65];
	struct kc_rows *r;
	long long id;
	int rc;

	if (!password_ok(password))
		return KC_INVALID;
	if ((rc = lookup(db, id_or_email, &r)) != 0)
		return rc;
	id = kc_rows_int(r, 0, 0);
	/* Column 4: the email, as stored (normalized). */
	kc_user_throttle_account(kc_rows_get(r, 0, 4), account);
	rc = -1;
	if (kc_password_hash(p, password, strlen(password), hash,
			     sizeof(hash)) != 0 ||
	    kc_db_begin(db) != 0)
		goto out;
	/* Whoever knew the old password is signed out with it. */
	if (kc_db_exec(db, KC_SQL_USER_SET_PASSWORD,
		       KC_ARGS(kc_p_str(hash), kc_p_int(id)), NULL,
		       NULL) != 0 ||
	    kc_db_exec(db, KC_SQL_SESSION_END_USER, KC_ARGS(kc_p_int(id)), NULL,
		       NULL) != 0 ||
	    kc_db_exec(db, KC_SQL_THROTTLE_CLEAR_ACCOUNT,
		       KC_ARGS(kc_p_str(account)), NULL, NULL) != 0 ||
	    kc_audit_write(db, kc_rows_int(r, 0, 1), actor,
			   "user.password_reset", "user", kc_rows_get(r, 0, 2),
			   NULL, NULL) != 0) {
		kc_db_rollback(db);
		goto out;
	}
	rc = kc_db_end(db);
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	kc_rows_free(r);
	return rc;
}
