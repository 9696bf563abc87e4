/* Business-scoped API keys: "kc_live_" and 32 base62 characters (about 190
 * bits from the OS CSPRNG). Only the SHA-256 is stored; a key is shown once,
 * when created. */
#ifndef KC_APIKEY_H
#define KC_APIKEY_H

#include "kc_audit.h"
#include "kc_db.h"
#include "kc_id.h"
#include "kc_ratelimit.h"

#include <jansson.h>
#include <stdint.h>

#define KC_KEY_PREFIX  "kc_live_"
#define KC_KEY_RANDLEN 32
#define KC_KEY_MAX     48

/* A key's own rate limits, by kind (enum kc_rl_kind): where own[k] is 0,
 * the node's setting for that kind applies (rate_limit_<kind>). */
struct kc_key_limits {
	unsigned char own[KC_RL__MAX];
	struct kc_rl_policy p[KC_RL__MAX];
};

struct kc_auth {
	long long key_id;
	char key_public_id[KC_ID_MAX];
	long long business_id;
	char business_public_id[KC_ID_MAX];
	uint32_t scopes;
	/* Read with the key, so they come from the auth cache too: a change
	 * takes effect within auth_cache_ms, like a revocation. */
	struct kc_key_limits limits;
};

enum kc_auth_result {
	KC_AUTH_OK,
	KC_AUTH_MALFORMED, /* not shaped like one of our keys */
	KC_AUTH_UNKNOWN,
	KC_AUTH_REVOKED,
	KC_AUTH_EXPIRED,
	KC_AUTH_ERROR, /* the database failed: not the caller's fault */
};

/* 1 if key has our prefix, length and alphabet. */
int kc_key_format_valid(const char *key);
/* Resolves a presented key to its business and scopes. Records last use
 * at most once a minute per key, so reads do not turn into writes. */
enum kc_auth_result kc_key_authenticate(struct kc_db *db, const char *key,
					struct kc_auth *out);

/* A small per-process cache of successful authentications, so the hot
 * path does not pay a database round trip for the key on every request.
 * Revocation and expiry therefore take effect within ttl_ms (default
 * 1000 ms, the config's auth_cache_ms; 0 turns the cache off). */
#define KC_AUTH_CACHE_SLOTS 64
struct kc_auth_cache {
	long long ttl_ms;
	struct {
		char hash[65];
		long long until_ms; /* CLOCK_MONOTONIC */
		struct kc_auth auth;
	} slot[KC_AUTH_CACHE_SLOTS];
};

/* kc_key_authenticate through the cache (which may be NULL). */
enum kc_auth_result kc_key_authenticate_cached(struct kc_db *db,
					       struct kc_auth_cache *cache,
					       const char *key,
					       struct kc_auth *out);

/* Creates a key with limits (NULL: the node's for every kind); key_out
 * (KC_KEY_MAX) receives the secret. */
int kc_key_create(struct kc_db *db, const struct kc_actor *actor,
		  long long business_id, const char *name, uint32_t scopes,
		  const struct kc_key_limits *limits, char *id_out,
		  char *key_out);
/* The business's keys (never a hash or a secret). */
int kc_key_list(struct kc_db *db, long long business_id, json_t **out);
/* One key by public id, as kc_key_list shows it; KC_NOTFOUND. */
int kc_key_get(struct kc_db *db, const char *public_id, json_t **out);
/* Sets the kinds in which (bits 1 << kind) to what lim says of them (its
 * own limit, or back to the node's), audited; *out as kc_key_get shows
 * the key after. KC_NOTFOUND. */
int kc_key_set_limits(struct kc_db *db, const struct kc_actor *actor,
		      const char *public_id, unsigned which,
		      const struct kc_key_limits *lim, json_t **out);
/* Revokes now. KC_NOTFOUND (also for a key of another business than
 * business_id; 0: any, for the operator), or KC_INVALID if already
 * revoked. */
int kc_key_revoke(struct kc_db *db, const struct kc_actor *actor,
		  long long business_id, const char *public_id, json_t **out);
/* A new key with the same business, name, scopes and limits; the old one keeps
 * working for grace seconds. *out: {"id","key","rotated_from",
 * "old_key_expires_at"}. KC_NOTFOUND (business_id as for revoke), or
 * KC_INVALID if revoked. */
int kc_key_rotate(struct kc_db *db, const struct kc_actor *actor,
		  long long business_id, const char *public_id, long long grace,
		  json_t **out);

#endif
