#include "kc_session.h"
#include "kc_addr.h"
#include "kc_crypto.h"
#include "kc_log.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
token_valid(const char *t)
{
	size_t i;

	if (t == NULL || strlen(t) != KC_SESSION_TOKEN_LEN)
		return 0;
	for (i = 0; t[i]; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') ||
		      (t[i] >= 'a' && t[i] <= 'z') ||
		      (t[i] >= '0' && t[i] <= '9') || t[i] == '-' ||
		      t[i] == '_'))
			return 0;
	return 1;
}

void
kc_session_csrf(const char *token, char *out)
{
	static const char label[] = "kaicalls dashboard csrf v1";
	unsigned char mac[KC_SHA256_LEN];

	if (kc_hmac_sha256(token, strlen(token), label, sizeof(label) - 1,
			   mac) != 0 ||
	    kc_base64url_encode(mac, sizeof(mac), out, KC_CSRF_MAX) == 0)
		out[0] = '\0'; /* matches no form: every POST is refused */
	OPENSSL_cleanse(mac, sizeof(mac));
}

/* The throttle's key of a client address: its counting key (an IPv6 /64,
 * IPv4 unmapped), hashed, so the table holds no address. */
static void
address_key(const char *client_addr, char *client, size_t cap, char *out)
{
	char buf[KC_ADDR_CLIENT_MAX + 16];

	/* Not an address (a web server that says something else): itself. */
	if (kc_addr_client_key(client_addr, client, cap) != 0)
		snprintf(client, cap, "%s", client_addr ? client_addr : "");
	snprintf(buf, sizeof(buf), "address:%s", client);
	kc_sha256_hex(buf, strlen(buf), out);
}

/* The throttle's key of one account from one client. */
static void
pair_key(const char *norm, const char *client, char *out)
{
	char buf[KC_EMAIL_MAX + KC_ADDR_CLIENT_MAX + 16];

	snprintf(buf, sizeof(buf), "pair:%s\n%s", norm, client);
	kc_sha256_hex(buf, strlen(buf), out);
}

/* Counts an attempt in scope (of account, for a pair row); *over is set
 * when that makes more than max in the window, with the seconds left of
 * it in *left. */
static int
throttle_hit(struct kc_db *db, const char *scope, const char *key,
	     const char *account, long long window, long long max, int *over,
	     long long *left)
{
	struct kc_rows *r;

	if (kc_db_exec(db, KC_SQL_THROTTLE_HIT,
		       KC_ARGS(kc_p_str(scope), kc_p_str(key),
			       kc_p_str(account), kc_p_int(window),
			       kc_p_int(window)),
		       NULL, NULL) != 0 ||
	    kc_db_query(
		db, KC_SQL_THROTTLE_GET,
		KC_ARGS(kc_p_int(window), kc_p_str(scope), kc_p_str(key)),
		&r) != 0)
		return -1;
	if (r->nrows && kc_rows_int(r, 0, 0) > max) {
		*over = 1;
		if (kc_rows_int(r, 0, 1) + 1 > *left)
			*left = kc_rows_int(r, 0, 1) + 1;
	}
	kc_rows_free(r);
	return 0;
}

static int
new_session(struct kc_db *db, const struct kc_config *cfg, long long user_id,
	    long long business_id, const char *client_addr, char *token)
{
	unsigned char raw[32];
	char hash[65];
	int rc;

	if (kc_random_bytes(raw, sizeof(raw)) != 0 ||
	    kc_base64url_encode(raw, sizeof(raw), token,
				KC_SESSION_TOKEN_MAX) != KC_SESSION_TOKEN_LEN) {
		OPENSSL_cleanse(raw, sizeof(raw));
		return -1;
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	kc_sha256_hex(token, strlen(token), hash);
	rc = kc_db_exec(
	    db, KC_SQL_SESSION_INSERT,
	    KC_ARGS(kc_p_str(hash), kc_p_int(user_id), kc_p_int(business_id),
		    kc_p_int(cfg->session_lifetime), kc_p_str(client_addr)),
	    NULL, NULL);
	return rc;
}

/* A correct password: this account's count from this client starts
 * again (the address keeps its count: else anyone with a login of their
 * own could sign in between guesses at others' and never reach it), the
 * hash is made again if the configuration asks more now, the browser's
 * previous session ends and a new one starts. */
static enum kc_signin_result
signed_in(struct kc_db *db, const struct kc_config *cfg, struct kc_rows *u,
	  const char *password, size_t n, const char *pair, const char *account,
	  const char *client_addr, const char *old_token, char *token_out,
	  struct kc_session *s)
{
	char old_hash[65];
	long long uid = kc_rows_int(u, 0, 0), bid = kc_rows_int(u, 0, 2);
	char hash[KC_PW_HASH_MAX];
	struct kc_actor actor = {"user", kc_rows_get(u, 0, 1), NULL};
	enum kc_session_result sr;

	if (kc_db_exec(db, KC_SQL_THROTTLE_CLEAR,
		       KC_ARGS(kc_p_str("pair"), kc_p_str(pair)), NULL,
		       NULL) != 0 ||
	    kc_db_exec(db, KC_SQL_THROTTLE_CLEAR,
		       KC_ARGS(kc_p_str("account"), kc_p_str(account)), NULL,
		       NULL) != 0)
		return KC_SIGNIN_ERROR;
	if (kc_password_needs_rehash(kc_rows_get(u, 0, 4), &cfg->password)) {
		if (kc_password_hash(&cfg->password, password, n, hash,
				     sizeof(hash)) != 0 ||
		    kc_db_exec(db, KC_SQL_USER_SET_PASSWORD,
			       KC_ARGS(kc_p_str(hash), kc_p_int(uid)), NULL,
			       NULL) != 0)
			kc_warn("could not rehash the password of %s",
				actor.id);
		OPENSSL_cleanse(hash, sizeof(hash));
	}
	if (kc_db_begin(db) != 0)
		return KC_SIGNIN_ERROR;
	if (token_valid(old_token))
		kc_sha256_hex(old_token, strlen(old_token), old_hash);
	if ((token_valid(old_token) &&
	     kc_db_exec(db, KC_SQL_SESSION_END_TOKEN,
			KC_ARGS(kc_p_str(old_hash)), NULL, NULL) != 0) ||
	    new_session(db, cfg, uid, bid, client_addr, token_out) != 0 ||
	    kc_db_exec(db, KC_SQL_USER_SIGNED_IN, KC_ARGS(kc_p_int(uid)), NULL,
		       NULL) != 0 ||
	    kc_db_exec(db, KC_SQL_SESSION_PURGE_USER, KC_ARGS(kc_p_int(uid)),
		       NULL, NULL) != 0 ||
	    kc_audit_write(db, bid, &actor, "user.signed_in", "user", actor.id,
			   NULL, NULL) != 0 ||
	    kc_db_commit(db) != 0) {
		kc_db_rollback(db);
		OPENSSL_cleanse(token_out, KC_SESSION_TOKEN_MAX);
		return KC_SIGNIN_ERROR;
	}
	/* Old throttle rows go a few at a time, by whoever signs in. */
	if (kc_db_exec(db, KC_SQL_THROTTLE_PURGE,
		       KC_ARGS(kc_p_int(cfg->signin_window), kc_p_int(1000)),
		       NULL, NULL) != 0)
		kc_warn("could not purge old sign-in throttle rows");
	sr = kc_session_check(db, cfg, token_out, s);
	return sr == KC_SESSION_OK ? KC_SIGNIN_OK : KC_SIGNIN_ERROR;
}

enum kc_signin_result
kc_signin(struct kc_db *db, const struct kc_config *cfg, const char *email,
	  const char *password, size_t n, const char *client_addr,
	  const char *old_token, char *token_out, struct kc_session *s,
	  long long *retry_after)
{
	char norm[KC_EMAIL_MAX], account[65], address[65], pair[65];
	char client[KC_ADDR_CLIENT_MAX];
	char dummy[KC_PW_HASH_MAX];
	enum kc_signin_result res = KC_SIGNIN_REFUSED;
	struct kc_rows *u = NULL;
	int over = 0, valid, v;

	*retry_after = 0;
	valid = kc_email_normalize(email, norm, sizeof(norm)) == 0;
	if (!valid)
		norm[0] = '\0';
	kc_user_throttle_account(norm, account);
	address_key(client_addr, client, sizeof(client), address);
	pair_key(norm, client, pair);
	/* Every attempt is counted before the password is looked at, in one
	 * statement each: concurrent attempts from many processes cannot
	 * all slip under the limit. The account is counted only together
	 * with the client: failures from elsewhere, anyone's, cannot lock
	 * its owner out. A right password clears its pair's count. */
	if (throttle_hit(db, "pair", pair, account, cfg->signin_window,
			 cfg->signin_max_account, &over, retry_after) != 0 ||
	    /* And the account from everywhere, far higher: guesses spread
	     * over many clients (a botnet, an IPv6 /48 of /64s) still end;
	     * a stranger must fail KC_SIGNIN_ACCOUNT_FACTOR times as often
	     * as from one client to hold the owner up for a window. */
	    throttle_hit(db, "account", account, account, cfg->signin_window,
			 cfg->signin_max_account * KC_SIGNIN_ACCOUNT_FACTOR,
			 &over, retry_after) != 0 ||
	    throttle_hit(db, "address", address, NULL, cfg->signin_window,
			 cfg->signin_max_address, &over, retry_after) != 0)
		return KC_SIGNIN_ERROR;
	if (over)
		return KC_SIGNIN_THROTTLED;
	if (valid && kc_db_query(db, KC_SQL_USER_BY_EMAIL,
				 KC_ARGS(kc_p_str(norm)), &u) != 0)
		return KC_SIGNIN_ERROR;
	if (u == NULL || u->nrows == 0 || n > KC_PW_MAX_LEN) {
		/* As long as a check of a real user's password takes. */
		if (n <= KC_PW_MAX_LEN)
			(void)kc_password_hash(&cfg->password, password, n,
					       dummy, sizeof(dummy));
		goto out;
	}
	v = kc_password_verify(kc_rows_get(u, 0, 4), password, n);
	if (v < 0) {
		kc_err("the password hash of %s cannot be read",
		       kc_rows_get(u, 0, 1));
		res = KC_SIGNIN_ERROR;
		goto out;
	}
	/* A disabled user's right password is refused like a wrong one. */
	if (v != 0 || kc_rows_int(u, 0, 5))
		goto out;
	res = signed_in(db, cfg, u, password, n, pair, account, client_addr,
			old_token, token_out, s);
out:
	kc_rows_free(u);
	return res;
}

enum kc_session_result
kc_session_check(struct kc_db *db, const struct kc_config *cfg,
		 const char *token, struct kc_session *out)
{
	enum kc_session_result res = KC_SESSION_NONE;
	long long touch_after = cfg->session_idle / 30;
	struct kc_rows *r;
	char hash[65];
	const char *stored;

	if (!token_valid(token))
		return KC_SESSION_NONE;
	if (touch_after > 60)
		touch_after = 60;
	kc_sha256_hex(token, strlen(token), hash);
	if (kc_db_query(db, KC_SQL_SESSION_AUTH,
			KC_ARGS(kc_p_int(cfg->session_idle),
				kc_p_int(touch_after), kc_p_str(hash)),
			&r) != 0)
		return KC_SESSION_ERROR;
	if (r->nrows == 0)
		goto out;
	stored = kc_rows_get(r, 0, 1);
	if (stored == NULL || strlen(stored) != 64 ||
	    !kc_ct_equal(stored, hash, 64))
		goto out;
	if (!kc_rows_int(r, 0, 10)) {
		res = KC_SESSION_EXPIRED;
		goto out;
	}
	memset(out, 0, sizeof(*out));
	out->id = kc_rows_int(r, 0, 0);
	out->user_id = kc_rows_int(r, 0, 2);
	snprintf(out->user_public_id, sizeof(out->user_public_id), "%s",
		 kc_rows_get(r, 0, 3));
	snprintf(out->email, sizeof(out->email), "%s", kc_rows_get(r, 0, 4));
	if (kc_role_parse(kc_rows_get(r, 0, 5), &out->role) != 0)
		out->role = KC_ROLE_NONE; /* may do nothing */
	out->business_id = kc_rows_int(r, 0, 6);
	snprintf(out->business_public_id, sizeof(out->business_public_id), "%s",
		 kc_rows_get(r, 0, 7));
	snprintf(out->business_name, sizeof(out->business_name), "%s",
		 kc_rows_get(r, 0, 8));
	snprintf(out->timezone, sizeof(out->timezone), "%s",
		 kc_rows_get(r, 0, 9));
	kc_session_csrf(token, out->csrf);
	res = KC_SESSION_OK;
	if (kc_rows_int(r, 0, 11) &&
	    kc_db_exec(db, KC_SQL_SESSION_TOUCH, KC_ARGS(kc_p_int(out->id)),
		       NULL, NULL) != 0)
		kc_warn("could not record the activity of a session");
out:
	kc_rows_free(r);
	return res;
}

int
kc_session_end(struct kc_db *db, const struct kc_session *s, int everywhere,
	       const char *request_id)
{
	struct kc_actor actor = {"user", s->user_public_id, request_id};

	if (kc_db_begin(db) != 0)
		return -1;
	if ((everywhere
		 ? kc_db_exec(db, KC_SQL_SESSION_END_USER,
			      KC_ARGS(kc_p_int(s->user_id)), NULL, NULL)
		 : kc_db_exec(db, KC_SQL_SESSION_END, KC_ARGS(kc_p_int(s->id)),
			      NULL, NULL)) != 0 ||
	    kc_audit_write(db, s->business_id, &actor,
			   everywhere ? "user.signed_out_everywhere"
				      : "user.signed_out",
			   "user", s->user_public_id, NULL, NULL) != 0) {
		kc_db_rollback(db);
		return -1;
	}
	return kc_db_end(db);
}

/* The associated data of a session's sealed flash: its row. */
static void
flash_aad(const struct kc_session *s, char *aad, size_t cap)
{
	snprintf(aad, cap, "kaicalls session flash %lld", s->id);
}

int
kc_session_flash_put(struct kc_db *db, const unsigned char key[32],
		     const struct kc_session *s, const char *what,
		     const char *id, const char *secret)
{
	unsigned char *sealed = NULL;
	char aad[64], *plain = NULL, *b64 = NULL;
	size_t n, cap;
	json_t *v;
	int rc = -1;

	if ((v = json_pack("{s:s, s:s, s:s}", "what", what, "id", id, "secret",
			   secret)) == NULL)
		return -1;
	plain = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	flash_aad(s, aad, sizeof(aad));
	if (plain == NULL || kc_seal(key, plain, strlen(plain), aad,
				     strlen(aad), &sealed, &n) != 0)
		goto out;
	cap = 4 * ((n + 2) / 3) + 1;
	if ((b64 = malloc(cap)) == NULL ||
	    kc_base64_encode(sealed, n, b64, cap) == 0)
		goto out;
	rc = kc_db_exec(db, KC_SQL_SESSION_FLASH_SET,
			KC_ARGS(kc_p_str(b64), kc_p_int(s->id)), NULL, NULL);
out:
	if (plain)
		OPENSSL_clear_free(plain, strlen(plain));
	free(sealed);
	free(b64);
	return rc;
}

int
kc_session_flash_take(struct kc_db *db, const unsigned char key[32],
		      const struct kc_session *s, const char *id, char *what,
		      size_t wcap, char *out, size_t cap)
{
	unsigned char *blob = NULL, *plain = NULL;
	const char *b64, *w, *i, *sec;
	struct kc_rows *r = NULL;
	size_t n, len, plen = 0;
	char aad[64];
	json_t *v = NULL;
	int rc = KC_NOTFOUND, open = 1;

	if (kc_db_begin(db) != 0)
		return -1;
	if (kc_db_query(db, KC_SQL_SESSION_FLASH_GET, KC_ARGS(kc_p_int(s->id)),
			&r) != 0) {
		rc = -1;
		goto out;
	}
	if (r->nrows == 0 || (b64 = kc_rows_get(r, 0, 0)) == NULL)
		goto out;
	n = strlen(b64);
	flash_aad(s, aad, sizeof(aad));
	if ((blob = malloc(n / 4 * 3 + 3)) == NULL ||
	    kc_base64_decode(b64, n, blob, n / 4 * 3 + 3, &len) != 0 ||
	    kc_unseal(key, blob, len, aad, strlen(aad), &plain, &plen) != 0 ||
	    (v = json_loadb((const char *)plain, plen, 0, NULL)) == NULL)
		goto out;
	w = json_string_value(json_object_get(v, "what"));
	i = json_string_value(json_object_get(v, "id"));
	sec = json_string_value(json_object_get(v, "secret"));
	/* Another object's page (a link from anywhere can name any id)
	 * leaves the secret for the page it was made for. */
	if (w == NULL || i == NULL || sec == NULL || strcmp(i, id) != 0 ||
	    strlen(sec) >= cap || strlen(w) >= wcap)
		goto out;
	/* Shown at most once: cleared before it is handed out. */
	if (kc_db_exec(db, KC_SQL_SESSION_FLASH_SET,
		       KC_ARGS(kc_p_str(NULL), kc_p_int(s->id)), NULL,
		       NULL) != 0 ||
	    kc_db_commit(db) != 0) {
		rc = -1;
		goto out;
	}
	open = 0;
	snprintf(out, cap, "%s", sec);
	snprintf(what, wcap, "%s", w);
	rc = 0;
out:
	if (open)
		kc_db_rollback(db);
	json_decref(v);
	if (plain)
		OPENSSL_clear_free(plain, plen);
	free(blob);
	kc_rows_free(r);
	return rc;
}

/* Runs a batched DELETE of rows older than age seconds until it takes
 * less than a batch. */
static int
purge(struct kc_db *db, enum kc_sql sql, long long age, long long batch,
      long long *count)
{
	unsigned long long n;

	do {
		if (kc_db_exec(db, sql, KC_ARGS(kc_p_int(age), kc_p_int(batch)),
			       &n, NULL) != 0)
			return -1;
		*count += (long long)n;
	} while (n == (unsigned long long)batch);
	return 0;
}

int
kc_session_purge(struct kc_db *db, const struct kc_config *cfg, long long batch,
		 long long *sessions, long long *throttle)
{
	if (purge(db, KC_SQL_SESSION_PURGE, cfg->session_idle + 86400, batch,
		  sessions) != 0 ||
	    purge(db, KC_SQL_THROTTLE_PURGE, cfg->signin_window, batch,
		  throttle) != 0)
		return -1;
	return 0;
}
