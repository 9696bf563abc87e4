#include "kc_apikey.h"
#include "kc_agent.h"
#include "kc_crypto.h"
#include "kc_log.h"
#include "kc_scope.h"
#include "kc_time.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
kc_key_format_valid(const char *key)
{
	size_t i, pl = sizeof(KC_KEY_PREFIX) - 1;

	if (key == NULL || strncmp(key, KC_KEY_PREFIX, pl) != 0 ||
	    strlen(key) != pl + KC_KEY_RANDLEN)
		return 0;
	for (i = pl; key[i]; i++)
		if (!((key[i] >= '0' && key[i] <= '9') ||
		      (key[i] >= 'A' && key[i] <= 'Z') ||
		      (key[i] >= 'a' && key[i] <= 'z')))
			return 0;
	return 1;
}

static enum kc_auth_result authenticate_hash(struct kc_db *db, const char *hash,
					     struct kc_auth *out);

/* The six limit columns from col on (kc_sql.c's KEY_LIMITS): per hour and
 * burst for read, write and ingest. A value the table's checks should have
 * kept out counts as the node's. */
static void
limits_from_row(const struct kc_rows *r, size_t row, size_t col,
		struct kc_key_limits *out)
{
	int k;

	memset(out, 0, sizeof(*out));
	for (k = KC_RL_READ; k < KC_RL__MAX; k++, col += 2) {
		long long ph = kc_rows_int(r, row, col),
			  b = kc_rows_int(r, row, col + 1);

		if (kc_rows_get(r, row, col) == NULL ||
		    kc_rows_get(r, row, col + 1) == NULL || ph < 0 ||
		    (unsigned long long)ph > KC_RL_PER_HOUR_MAX || b < 0 ||
		    b > KC_RL_BURST_MAX || (ph > 0 && b == 0))
			continue;
		out->own[k] = 1;
		out->p[k].per_hour = (uint64_t)ph;
		out->p[k].burst = (uint32_t)b;
	}
}

/* {"read": "50/s burst 100" or "off", or null for the node's, ...}. */
static json_t *
limits_json(const struct kc_key_limits *l)
{
	char text[KC_RL_POLICY_MAX];
	json_t *o = json_object();
	int k;

	for (k = KC_RL_READ; o && k < KC_RL__MAX; k++) {
		json_t *v = json_null();

		if (l->own[k] &&
		    kc_rl_policy_format(&l->p[k], text, sizeof(text)) == 0)
			v = json_string(text);
		json_object_set_new(o, kc_rl_kind_name((enum kc_rl_kind)k), v);
	}
	return o;
}

/* The six parameters of lim for KC_SQL_KEY_INSERT and KEY_SET_LIMITS:
 * NULLs for the node's. */
static void
limits_params(const struct kc_key_limits *lim, struct kc_param *p)
{
	int k;

	for (k = KC_RL_READ; k < KC_RL__MAX; k++, p += 2) {
		if (lim && lim->own[k]) {
			p[0] = kc_p_int((long long)lim->p[k].per_hour);
			p[1] = kc_p_int((long long)lim->p[k].burst);
		} else {
			p[0] = kc_p_str(NULL);
			p[1] = kc_p_str(NULL);
		}
	}
}

enum kc_auth_result
kc_key_authenticate(struct kc_db *db, const char *key, struct kc_auth *out)
{
	char hash[65];

	if (!kc_key_format_valid(key))
		return KC_AUTH_MALFORMED;
	kc_sha256_hex(key, strlen(key), hash);
	return authenticate_hash(db, hash, out);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum kc_auth_result
kc_key_authenticate_cached(struct kc_db *db, struct kc_auth_cache *cache,
			   const char *key, struct kc_auth *out)
{
	enum kc_auth_result res;
	unsigned slot;
	long long now;
	char hash[65], two[3];

	if (cache == NULL || cache->ttl_ms <= 0)
		return kc_key_authenticate(db, key, out);
	if (!kc_key_format_valid(key))
		return KC_AUTH_MALFORMED;
	kc_sha256_hex(key, strlen(key), hash);
	/* The hash is uniform: its first two hex digits pick the slot. */
	two[0] = hash[0];
	two[1] = hash[1];
	two[2] = '\0';
	slot = (unsigned)(strtoul(two, NULL, 16) % KC_AUTH_CACHE_SLOTS);
	now = now_ms();
	if (cache->slot[slot].until_ms > now &&
	    kc_ct_equal(cache->slot[slot].hash, hash, 64)) {
		*out = cache->slot[slot].auth;
		return KC_AUTH_OK;
	}
	res = authenticate_hash(db, hash, out);
	if (res == KC_AUTH_OK) {
		memcpy(cache->slot[slot].hash, hash, sizeof(hash));
		cache->slot[slot].auth = *out;
		cache->slot[slot].until_ms = now + cache->ttl_ms;
	} else if (kc_ct_equal(cache->slot[slot].hash, hash, 64)) {
		cache->slot[slot].until_ms = 0;
	}
	return res;
}

static enum kc_auth_result
authenticate_hash(struct kc_db *db, const char *hash, struct kc_auth *out)
{
	struct kc_rows *r;
	const char *stored;
	enum kc_auth_result res = KC_AUTH_UNKNOWN;

	if (kc_db_query(db, KC_SQL_KEY_AUTH, KC_ARGS(kc_p_str(hash)), &r) != 0)
		return KC_AUTH_ERROR;
	if (r->nrows == 0)
		goto out;
	stored = kc_rows_get(r, 0, 5);
	if (stored == NULL || strlen(stored) != 64 ||
	    !kc_ct_equal(stored, hash, 64))
		goto out;
	if (kc_rows_int(r, 0, 6)) {
		res = KC_AUTH_REVOKED;
		goto out;
	}
	if (kc_rows_int(r, 0, 7)) {
		res = KC_AUTH_EXPIRED;
		goto out;
	}
	if (kc_scope_parse(kc_rows_get(r, 0, 4), &out->scopes, NULL, 0) != 0)
		out->scopes = 0; /* a key whose scopes we cannot read may do
				    nothing */
	out->key_id = kc_rows_int(r, 0, 0);
	snprintf(out->key_public_id, sizeof(out->key_public_id), "%s",
		 kc_rows_get(r, 0, 1));
	out->business_id = kc_rows_int(r, 0, 2);
	snprintf(out->business_public_id, sizeof(out->business_public_id), "%s",
		 kc_rows_get(r, 0, 3));
	limits_from_row(r, 0, 9, &out->limits);
	res = KC_AUTH_OK;
	if (kc_rows_int(r, 0, 8) &&
	    kc_db_exec(db, KC_SQL_KEY_TOUCH, KC_ARGS(kc_p_int(out->key_id)),
		       NULL, NULL) != 0)
		kc_warn("could not record last use of %s", out->key_public_id);
out:
	kc_rows_free(r);
	return res;
}

static int
insert_key(struct kc_db *db, long long business_id, const char *name,
	   const char *scopes, const struct kc_key_limits *lim, char *id_out,
	   char *key_out, unsigned long long *rowid)
{
	char hash[65], hint[24];
	size_t pl = sizeof(KC_KEY_PREFIX) - 1;
	struct kc_param p[12];

	memcpy(key_out, KC_KEY_PREFIX, pl);
	if (kc_rand_base62(key_out + pl, KC_KEY_RANDLEN) != 0 ||
	    kc_id_new("key", id_out, KC_ID_MAX) != 0)
		return -1;
	kc_sha256_hex(key_out, strlen(key_out), hash);
	/* A hint lets people tell keys apart without storing the secret:
	 * the last four characters, as Stripe shows them. */
	snprintf(hint, sizeof(hint), "%s...%s", KC_KEY_PREFIX,
		 key_out + strlen(key_out) - 4);
	p[0] = kc_p_str(id_out);
	p[1] = kc_p_int(business_id);
	p[2] = kc_p_str(name);
	p[3] = kc_p_str(hash);
	p[4] = kc_p_str(hint);
	p[5] = kc_p_str(scopes);
	limits_params(lim, p + 6);
	return kc_db_exec(db, KC_SQL_KEY_INSERT, p, 12, NULL, rowid);
}

/* A key as kcctl shows it, from a KEY_LIST or KEY_BY_PUBLIC row whose
 * limit columns start at lim_col. */
static json_t *
key_json(const struct kc_rows *r, size_t i, size_t lim_col)
{
	struct kc_key_limits lim;
	char c[KC_TIME_MAX], u[KC_TIME_MAX], e[KC_TIME_MAX], v[KC_TIME_MAX];
	const char *scopes = kc_rows_get(r, i, 3);
	json_t *sc = json_array();
	const char *p = scopes;
	size_t n;

	while (p && *p) {
		n = strcspn(p, ",");
		json_array_append_new(sc, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	c[0] = u[0] = e[0] = v[0] = '\0';
	kc_time_from_db(kc_rows_get(r, i, 4), c, sizeof(c));
	kc_time_from_db(kc_rows_get(r, i, 5), u, sizeof(u));
	kc_time_from_db(kc_rows_get(r, i, 6), e, sizeof(e));
	kc_time_from_db(kc_rows_get(r, i, 7), v, sizeof(v));
	limits_from_row(r, i, lim_col, &lim);
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s?, s:s?, "
			 "s:s?}",
			 "id", kc_rows_get(r, i, 0), "object", "api_key",
			 "name", kc_rows_get(r, i, 1), "hint",
			 kc_rows_get(r, i, 2), "scopes", sc, "rate_limits",
			 limits_json(&lim), "created_at", c, "last_used_at",
			 u[0] ? u : NULL, "expires_at", e[0] ? e : NULL,
			 "revoked_at", v[0] ? v : NULL);
}

int
kc_key_create(struct kc_db *db, const struct kc_actor *actor,
	      long long business_id, const char *name, uint32_t scopes,
	      const struct kc_key_limits *limits, char *id_out, char *key_out)
{
	struct kc_key_limits none;
	char list[512];
	json_t *after;
	int rc;

	if (kc_scope_format(scopes, list, sizeof(list)) != 0 ||
	    kc_db_begin(db) != 0)
		return -1;
	if (limits == NULL) {
		memset(&none, 0, sizeof(none));
		limits = &none;
	}
	if (insert_key(db, business_id, name, list, limits, id_out, key_out,
		       NULL)) {
		kc_db_rollback(db);
		return -1;
	}
	after = json_pack("{s:s, s:s, s:o}", "name", name, "scopes", list,
			  "rate_limits", limits_json(limits));
	rc = kc_audit_write(db, business_id, actor, "api_key.created",
			    "api_key", id_out, NULL, after);
	json_decref(after);
	if (rc != 0) {
		kc_db_rollback(db);
		return -1;
	}
	return kc_db_end(db);
}

int
kc_key_list(struct kc_db *db, long long business_id, json_t **out)
{
	struct kc_rows *r;
	size_t i;

	if (kc_db_query(db, KC_SQL_KEY_LIST, KC_ARGS(kc_p_int(business_id)),
			&r) != 0)
		return -1;
	*out = json_array();
	for (i = 0; i < r->nrows; i++)
		json_array_append_new(*out, key_json(r, i, 8));
	kc_rows_free(r);
	return 0;
}

/* A key by public id: of the business, or of any when business_id is 0
 * (the operator's kcctl). */
static int
find_key(struct kc_db *db, long long business_id, const char *public_id,
	 struct kc_rows **r)
{
	if ((business_id
		 ? kc_db_query(
		       db, KC_SQL_KEY_BY_PUBLIC_BUSINESS,
		       KC_ARGS(kc_p_str(public_id), kc_p_int(business_id)), r)
		 : kc_db_query(db, KC_SQL_KEY_BY_PUBLIC,
			       KC_ARGS(kc_p_str(public_id)), r)) != 0)
		return -1;
	if ((*r)->nrows == 0) {
		kc_rows_free(*r);
		*r = NULL;
		return KC_NOTFOUND;
	}
	return 0;
}

int
kc_key_get(struct kc_db *db, const char *public_id, json_t **out)
{
	struct kc_rows *r;
	int rc;

	if ((rc = find_key(db, 0, public_id, &r)) != 0)
		return rc;
	*out = key_json(r, 0, 11);
	kc_rows_free(r);
	return 0;
}

int
kc_key_set_limits(struct kc_db *db, const struct kc_actor *actor,
		  const char *public_id, unsigned which,
		  const struct kc_key_limits *lim, json_t **out)
{
	struct kc_key_limits before, after;
	struct kc_rows *r = NULL;
	struct kc_param p[7];
	json_t *b, *a;
	int k, rc;

	*out = NULL;
	if (kc_db_begin(db) != 0)
		return -1;
	if ((rc = find_key(db, 0, public_id, &r)) != 0)
		goto fail;
	rc = -1;
	limits_from_row(r, 0, 11, &before);
	after = before;
	for (k = KC_RL_READ; k < KC_RL__MAX; k++)
		if (which & (1u << k)) {
			after.own[k] = lim->own[k];
			after.p[k] = lim->own[k] ? lim->p[k]
						 : (struct kc_rl_policy){0, 0};
		}
	limits_params(&after, p);
	p[6] = kc_p_int(kc_rows_int(r, 0, 8));
	if (kc_db_exec(db, KC_SQL_KEY_SET_LIMITS, p, 7, NULL, NULL) != 0)
		goto fail;
	b = json_pack("{s:o}", "rate_limits", limits_json(&before));
	a = json_pack("{s:o}", "rate_limits", limits_json(&after));
	rc = kc_audit_write(db, kc_rows_int(r, 0, 9), actor,
			    "api_key.limits_changed", "api_key", public_id, b,
			    a);
	json_decref(b);
	json_decref(a);
	if (rc != 0 || kc_db_commit(db) != 0) {
		rc = -1;
		goto fail;
	}
	kc_rows_free(r);
	return kc_key_get(db, public_id, out);
fail:
	kc_db_rollback(db);
	kc_rows_free(r);
	return rc;
}

int
kc_key_revoke(struct kc_db *db, const struct kc_actor *actor,
	      long long business_id, const char *public_id, json_t **out)
{
	struct kc_rows *r = NULL;
	unsigned long long n = 0;
	int rc;

	if (kc_db_begin(db) != 0)
		return -1;
	if ((rc = find_key(db, business_id, public_id, &r)) != 0)
		goto fail;
	rc = -1;
	if (kc_db_exec(db, KC_SQL_KEY_REVOKE,
		       KC_ARGS(kc_p_int(kc_rows_int(r, 0, 8))), &n, NULL) != 0)
		goto fail;
	if (n == 0) {
		rc = KC_INVALID;
		goto fail;
	}
	if (kc_audit_write(db, kc_rows_int(r, 0, 9), actor, "api_key.revoked",
			   "api_key", public_id, NULL, NULL) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	kc_rows_free(r);
	return kc_key_get(db, public_id, out);
fail:
	kc_db_rollback(db);
	kc_rows_free(r);
	return rc;
}

int
kc_key_rotate(struct kc_db *db, const struct kc_actor *actor,
	      long long business_id, const char *public_id, long long grace,
	      json_t **out)
{
	struct kc_rows *r = NULL, *o = NULL;
	struct kc_key_limits lim;
	char id[KC_ID_MAX], key[KC_KEY_MAX], ts[KC_TIME_MAX];
	unsigned long long rowid;
	long long business;
	json_t *after;
	int rc;

	*out = NULL;
	if (kc_db_begin(db) != 0)
		return -1;
	if ((rc = find_key(db, business_id, public_id, &r)) != 0)
		goto fail;
	rc = KC_INVALID;
	if (kc_rows_get(r, 0, 7) != NULL)
		goto fail; /* revoked keys stay revoked */
	rc = -1;
	business = kc_rows_int(r, 0, 9);
	/* The new key replaces the old one: its limits go with it. */
	limits_from_row(r, 0, 11, &lim);
	if (insert_key(db, business, kc_rows_get(r, 0, 1), kc_rows_get(r, 0, 3),
		       &lim, id, key, &rowid) != 0)
		goto fail;
	if (kc_db_exec(db, KC_SQL_KEY_EXPIRE,
		       KC_ARGS(kc_p_int(grace), kc_p_int((long long)rowid),
			       kc_p_int(kc_rows_int(r, 0, 8))),
		       NULL, NULL) != 0)
		goto fail;
	if (find_key(db, business, public_id, &o) != 0)
		goto fail;
	kc_time_from_db(kc_rows_get(o, 0, 6), ts, sizeof(ts));
	after =
	    json_pack("{s:s, s:s}", "new_key_id", id, "old_key_expires_at", ts);
	rc = kc_audit_write(db, business, actor, "api_key.rotated", "api_key",
			    public_id, NULL, after);
	json_decref(after);
	/* Built before the commit: a new key nobody was shown is lost. */
	if (rc == 0)
		*out = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "key", key,
				 "rotated_from", public_id,
				 "old_key_expires_at", ts);
	if (rc != 0 || *out == NULL || kc_db_commit(db) != 0) {
		json_decref(*out);
		*out = NULL;
		rc = -1;
		goto fail;
	}
	OPENSSL_cleanse(key, sizeof(key));
	kc_rows_free(r);
	kc_rows_free(o);
	return 0;
fail:
	OPENSSL_cleanse(key, sizeof(key));
	kc_db_rollback(db);
	kc_rows_free(r);
	kc_rows_free(o);
	return rc;
}
