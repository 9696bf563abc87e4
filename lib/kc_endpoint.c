#include "kc_page.h"
#include "kc_endpoint.h"
#include "kc_crypto.h"
#include "kc_event.h"
#include "kc_id.h"
#include "kc_json.h"
#include "kc_time.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Seals secret for endpoint id into base64 text for a VARCHAR column. */
static int
seal_secret(const unsigned char key[32], const char *id, const char *secret,
	    char *out, size_t outcap)
{
	unsigned char *sealed = NULL;
	size_t n;
	int rc = -1;

	if (kc_seal(key, secret, strlen(secret), id, strlen(id), &sealed, &n) ==
		0 &&
	    kc_base64_encode(sealed, n, out, outcap) > 0)
		rc = 0;
	free(sealed);
	return rc;
}

/* Columns of ENDPOINT_COLS (kc_sql.c) read by name. */
enum {
	COL_RATE_LIMIT = 19,
	COL_MAX_IN_FLIGHT,
	COL_BREAKER_STATE,
	COL_BREAKER_FAILURES,
	COL_BREAKER_OPENED_AT,
	COL_BREAKER_UNTIL,
	COL_BREAKER_DUE, /* breaker_until has passed */
	ENDPOINT_NCOLS
};

/* The breaker as the API shows it: an open one whose cool-down has
 * passed is half-open (its next claim is the probe). */
static json_t *
breaker_json(const struct kc_rows *r, size_t i)
{
	const char *st = kc_rows_get(r, i, COL_BREAKER_STATE);
	int open = st && strcmp(st, "open") == 0;

	return json_pack(
	    "{s:s, s:I, s:o, s:o}", "state",
	    !open                                ? "closed"
	    : kc_rows_int(r, i, COL_BREAKER_DUE) ? "half_open"
						 : "open",
	    "failures", (json_int_t)kc_rows_int(r, i, COL_BREAKER_FAILURES),
	    "opened_at",
	    open ? kc_json_db_time(kc_rows_get(r, i, COL_BREAKER_OPENED_AT))
		 : json_null(),
	    "next_probe_at",
	    open ? kc_json_db_time(kc_rows_get(r, i, COL_BREAKER_UNTIL))
		 : json_null());
}

/* The API's view of a row: never the sealed secrets. */
static json_t *
endpoint_json(const struct kc_rows *r, size_t i)
{
	char c[KC_TIME_MAX], u[KC_TIME_MAX];
	json_t *types = json_loads(kc_rows_get(r, i, 4), 0, NULL);

	kc_time_from_db(kc_rows_get(r, i, 6), c, sizeof(c));
	kc_time_from_db(kc_rows_get(r, i, 7), u, sizeof(u));
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:o, s:b, s:o, s:I, s:s?, s:o, s:s, s:s, "
	    "s:{s:I, s:o, s:o, s:o, s:I, s:o}}",
	    "id", kc_rows_get(r, i, 1), "object", "webhook_endpoint", "url",
	    kc_rows_get(r, i, 2), "description", kc_rows_get(r, i, 3),
	    "event_types", types ? types : json_array(), "enabled",
	    (int)kc_rows_int(r, i, 5), "rate_limit",
	    kc_json_db_int(kc_rows_get(r, i, COL_RATE_LIMIT)), "max_in_flight",
	    (json_int_t)kc_rows_int(r, i, COL_MAX_IN_FLIGHT), "disabled_reason",
	    kc_rows_get(r, i, 17), "disabled_at",
	    kc_json_db_time(kc_rows_get(r, i, 18)), "created_at", c,
	    "updated_at", u, "health", "consecutive_failures",
	    (json_int_t)kc_rows_int(r, i, 12), "failing_since",
	    kc_json_db_time(kc_rows_get(r, i, 13)), "last_success_at",
	    kc_json_db_time(kc_rows_get(r, i, 14)), "last_failure_at",
	    kc_json_db_time(kc_rows_get(r, i, 15)), "dead_deliveries",
	    (json_int_t)kc_rows_int(r, i, 16), "breaker", breaker_json(r, i));
}

static int
fetch_with(struct kc_db *db, enum kc_sql sql, long long business_id,
	   const char *public_id, struct kc_rows **r)
{
	if (kc_db_query(db, sql,
			KC_ARGS(kc_p_int(business_id), kc_p_str(public_id)),
			r) != 0)
		return -1;
	if ((*r)->nrows == 0) {
		kc_rows_free(*r);
		*r = NULL;
		return KC_NOTFOUND;
	}
	return 0;
}

static int
fetch(struct kc_db *db, long long business_id, const char *public_id,
      struct kc_rows **r)
{
	return fetch_with(db, KC_SQL_ENDPOINT_GET, business_id, public_id, r);
}

void
kc_endpoint_input_init(struct kc_endpoint_input *in)
{
	memset(in, 0, sizeof(*in));
	in->enabled = -1;
	in->rate_limit = -1;
}

static const struct kc_field limit_fields[] = {
    {"rate_limit", KC_F_INT, 0, 0, 1, KC_ENDPOINT_RATE_LIMIT_MAX, NULL, 1},
    {"max_in_flight", KC_F_INT, 0, 0, 1, KC_ENDPOINT_MAX_IN_FLIGHT_MAX, NULL,
     0},
};

int
kc_endpoint_limits_read(const json_t *body, struct kc_endpoint_input *in,
			struct kc_verr *e)
{
	const json_t *rate = json_object_get(body, "rate_limit");
	const json_t *max = json_object_get(body, "max_in_flight");
	json_t *sub = json_object();
	int rc;

	/* Only the limits: the caller's own table checks the rest. */
	if (sub == NULL ||
	    (rate && json_object_set(sub, "rate_limit", (json_t *)rate) != 0) ||
	    (max &&
	     json_object_set(sub, "max_in_flight", (json_t *)max) != 0)) {
		json_decref(sub);
		return kc_verr_set(e, 500, "internal", "", "out of memory");
	}
	rc = kc_json_check(sub, "", limit_fields,
			   sizeof(limit_fields) / sizeof(limit_fields[0]), e);
	json_decref(sub);
	if (rc != 0)
		return -1;
	if (rate)
		in->rate_limit =
		    json_is_null(rate) ? 0 : json_integer_value(rate);
	if (max)
		in->max_in_flight = json_integer_value(max);
	return 0;
}

/* Form text as a JSON value: digits only (at most 9, which no range
 * here reaches), else a string, which the check refuses by its type. */
static json_t *
text_value(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
		return json_string(s);
	return json_integer(strtoll(s, NULL, 10));
}

int
kc_endpoint_limits_text(const char *rate, const char *max_in_flight,
			struct kc_endpoint_input *in, struct kc_verr *e)
{
	json_t *body = json_object();
	int rc = -1;

	if (body == NULL ||
	    (rate && json_object_set_new(body, "rate_limit",
					 *rate ? text_value(rate)
					       : json_null()) != 0) ||
	    (max_in_flight &&
	     json_object_set_new(body, "max_in_flight",
				 text_value(max_in_flight)) != 0))
		rc = kc_verr_set(e, 500, "internal", "", "out of memory");
	else
		rc = kc_endpoint_limits_read(body, in, e);
	json_decref(body);
	return rc;
}

int
kc_endpoint_get(struct kc_db *db, long long business_id, const char *public_id,
		json_t **out)
{
	return kc_page_one(db, KC_SQL_ENDPOINT_GET, business_id, public_id,
			   endpoint_json, out);
}

int
kc_endpoint_create(struct kc_db *db, const unsigned char key[32],
		   const struct kc_actor *actor, long long business_id,
		   const struct kc_endpoint_input *in, json_t **out)
{
	char id[KC_ID_MAX], secret[80], sealed[256], *types = NULL;
	unsigned long long eid;
	json_t *ep = NULL;

	if (kc_id_new("ep", id, sizeof(id)) != 0 ||
	    kc_webhook_secret_new(secret, sizeof(secret)) != 0 ||
	    seal_secret(key, id, secret, sealed, sizeof(sealed)) != 0 ||
	    (types = json_dumps(in->event_types, JSON_COMPACT)) == NULL)
		goto fail_early;
	if (kc_db_begin(db) != 0)
		goto fail_early;
	if (kc_db_exec(db, KC_SQL_ENDPOINT_INSERT,
		       KC_ARGS(kc_p_str(id), kc_p_int(business_id),
			       kc_p_str(in->url),
			       kc_p_str(in->description ? in->description : ""),
			       kc_p_str(types), kc_p_int(in->enabled != 0),
			       kc_p_str(sealed),
			       in->rate_limit > 0 ? kc_p_int(in->rate_limit)
						  : kc_p_str(NULL),
			       kc_p_int(in->max_in_flight > 0
					    ? in->max_in_flight
					    : KC_ENDPOINT_MAX_IN_FLIGHT)),
		       NULL, &eid) != 0 ||
	    kc_db_exec(db, KC_SQL_QUEUE_INSERT,
		       KC_ARGS(kc_p_int((long long)eid), kc_p_int(business_id)),
		       NULL, NULL) != 0 ||
	    kc_endpoint_get(db, business_id, id, &ep) != 0 ||
	    kc_audit_write(db, business_id, actor, "webhook_endpoint.created",
			   "webhook_endpoint", id, NULL, ep) != 0 ||
	    /* The answer is whole before the commit: an endpoint whose
	     * secret nobody was shown would be of no use. */
	    json_object_set_new(ep, "secret", json_string(secret)) != 0 ||
	    kc_db_commit(db) != 0) {
		kc_db_rollback(db);
		goto fail_early;
	}
	*out = ep;
	OPENSSL_cleanse(secret, sizeof(secret));
	free(types);
	return 0;
fail_early:
	OPENSSL_cleanse(secret, sizeof(secret));
	json_decref(ep);
	free(types);
	return -1;
}

int
kc_endpoint_list(struct kc_db *db, long long business_id,
		 const char *starting_after, int limit, json_t **out)
{
	static const struct kc_page_query q = {
	    KC_SQL_ENDPOINT_CURSOR, KC_SQL_ENDPOINT_LIST, 0, endpoint_json};

	return kc_page_list(db, &q, business_id, starting_after, limit, out);
}

/* Turning an endpoint off records why; turning it back on clears its
 * failure streak, so it is not disabled again at its first failure. */
static int
set_enabled(struct kc_db *db, const struct kc_actor *actor,
	    long long business_id, long long id, int was, int now)
{
	if (now == 1 && !was)
		return kc_db_exec(db, KC_SQL_ENDPOINT_REENABLE,
				  KC_ARGS(kc_p_int(business_id), kc_p_int(id)),
				  NULL, NULL);
	if (now == 0 && was)
		return kc_db_exec(
		    db, KC_SQL_ENDPOINT_SET_DISABLED,
		    KC_ARGS(kc_p_str(strcmp(actor->type, "user") == 0
					 ? "disabled in the "
					   "dashboard"
					 : "disabled through the "
					   "API"),
			    kc_p_int(business_id), kc_p_int(id)),
		    NULL, NULL);
	return 0;
}

int
kc_endpoint_update(struct kc_db *db, const struct kc_actor *actor,
		   long long business_id, const char *public_id,
		   const struct kc_endpoint_input *in, json_t **out)
{
	struct kc_rows *r = NULL;
	json_t *before = NULL, *after = NULL;
	char *types = NULL;
	long long rate;
	int rc;

	if (kc_db_begin(db) != 0)
		return -1;
	/* Locked: a worker disabling it meanwhile must not be undone by
	 * writing back the enabled flag read here. */
	if ((rc = fetch_with(db, KC_SQL_ENDPOINT_LOCK, business_id, public_id,
			     &r)) != 0)
		goto fail;
	rc = -1;
	before = endpoint_json(r, 0);
	types = in->event_types ? json_dumps(in->event_types, JSON_COMPACT)
				: strdup(kc_rows_get(r, 0, 4));
	if (before == NULL || types == NULL)
		goto fail;
	rate = in->rate_limit < 0   ? kc_rows_int(r, 0, COL_RATE_LIMIT)
	       : in->rate_limit > 0 ? in->rate_limit
				    : 0;
	if (kc_db_exec(
		db, KC_SQL_ENDPOINT_UPDATE,
		KC_ARGS(kc_p_str(in->url ? in->url : kc_rows_get(r, 0, 2)),
			kc_p_str(in->description ? in->description
						 : kc_rows_get(r, 0, 3)),
			kc_p_str(types),
			kc_p_int(in->enabled >= 0 ? in->enabled != 0
						  : kc_rows_int(r, 0, 5)),
			rate > 0 ? kc_p_int(rate) : kc_p_str(NULL),
			kc_p_int(in->max_in_flight > 0
				     ? in->max_in_flight
				     : kc_rows_int(r, 0, COL_MAX_IN_FLIGHT)),
			kc_p_int(business_id), kc_p_int(kc_rows_int(r, 0, 0))),
		NULL, NULL) != 0 ||
	    set_enabled(db, actor, business_id, kc_rows_int(r, 0, 0),
			kc_rows_int(r, 0, 5) != 0, in->enabled) != 0 ||
	    /* Another URL: a receiver the breaker knows nothing of. */
	    (in->url && strcmp(in->url, kc_rows_get(r, 0, 2)) != 0 &&
	     kc_db_exec(
		 db, KC_SQL_ENDPOINT_BREAKER_RESET,
		 KC_ARGS(kc_p_int(business_id), kc_p_int(kc_rows_int(r, 0, 0))),
		 NULL, NULL) != 0) ||
	    /* New limits, or enabled again: the worker looks at it now
	     * rather than when it would have under the old settings. */
	    kc_event_wake_release(db, business_id, kc_rows_int(r, 0, 0)) != 0 ||
	    kc_endpoint_get(db, business_id, public_id, &after) != 0 ||
	    kc_audit_write(db, business_id, actor, "webhook_endpoint.updated",
			   "webhook_endpoint", public_id, before, after) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	*out = after;
	json_decref(before);
	kc_rows_free(r);
	free(types);
	return 0;
fail:
	kc_db_rollback(db);
	json_decref(before);
	json_decref(after);
	kc_rows_free(r);
	free(types);
	return rc;
}

int
kc_endpoint_delete(struct kc_db *db, const struct kc_actor *actor,
		   long long business_id, const char *public_id)
{
	struct kc_rows *r = NULL;
	json_t *before = NULL;
	int rc;

	if (kc_db_begin(db) != 0)
		return -1;
	if ((rc = fetch(db, business_id, public_id, &r)) != 0)
		goto fail;
	rc = -1;
	before = endpoint_json(r, 0);
	if (kc_db_exec(
		db, KC_SQL_ENDPOINT_DELETE,
		KC_ARGS(kc_p_int(business_id), kc_p_int(kc_rows_int(r, 0, 0))),
		NULL, NULL) != 0 ||
	    kc_audit_write(db, business_id, actor, "webhook_endpoint.deleted",
			   "webhook_endpoint", public_id, before, NULL) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	json_decref(before);
	kc_rows_free(r);
	return 0;
fail:
	kc_db_rollback(db);
	json_decref(before);
	kc_rows_free(r);
	return rc;
}

int
kc_endpoint_rotate(struct kc_db *db, const unsigned char key[32],
		   const struct kc_actor *actor, long long business_id,
		   const char *public_id, long long grace, json_t **out)
{
	struct kc_rows *r = NULL;
	char secret[80], sealed[256], until[KC_TIME_MAX];
	json_t *ep = NULL, *note = NULL;
	int rc;

	if (kc_webhook_secret_new(secret, sizeof(secret)) != 0 ||
	    seal_secret(key, public_id, secret, sealed, sizeof(sealed)) != 0 ||
	    kc_db_begin(db) != 0) {
		OPENSSL_cleanse(secret, sizeof(secret));
		return -1;
	}
	if ((rc = fetch(db, business_id, public_id, &r)) != 0)
		goto fail;
	rc = -1;
	if (kc_db_exec(db, KC_SQL_ENDPOINT_ROTATE,
		       KC_ARGS(kc_p_int(grace), kc_p_str(sealed),
			       kc_p_int(business_id),
			       kc_p_int(kc_rows_int(r, 0, 0))),
		       NULL, NULL) != 0)
		goto fail;
	kc_rows_free(r);
	if ((rc = fetch(db, business_id, public_id, &r)) != 0) {
		rc = -1;
		goto fail;
	}
	rc = -1;
	kc_time_from_db(kc_rows_get(r, 0, 10), until, sizeof(until));
	note = json_pack("{s:s}", "previous_secret_expires_at", until);
	if (note == NULL ||
	    kc_audit_write(db, business_id, actor,
			   "webhook_endpoint.secret_rotated",
			   "webhook_endpoint", public_id, NULL, note) != 0)
		goto fail;
	/* The answer is built before the commit: a secret that changed
	 * without anyone being shown the new one would stop every delivery
	 * from verifying once the grace ends. */
	if ((ep = endpoint_json(r, 0)) == NULL ||
	    json_object_set_new(ep, "secret", json_string(secret)) != 0 ||
	    json_object_set_new(ep, "previous_secret_expires_at",
				json_string(until)) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	*out = ep;
	OPENSSL_cleanse(secret, sizeof(secret));
	json_decref(note);
	kc_rows_free(r);
	return 0;
fail:
	kc_db_rollback(db);
	OPENSSL_cleanse(secret, sizeof(secret));
	json_decref(ep);
	json_decref(note);
	kc_rows_free(r);
	return rc;
}

int
kc_endpoint_id(struct kc_db *db, long long business_id, const char *public_id,
	       long long *id)
{
	return kc_page_id(db, KC_SQL_ENDPOINT_ID, business_id, public_id, id);
}

/* Base64 text from the column back to the secret it seals. */
int
kc_endpoint_unseal(const unsigned char key[32], const char *id,
		   const char *text, char *out)
{
	unsigned char sealed[256], *plain = NULL;
	size_t n, plen;
	int rc = -1;

	if (text &&
	    kc_base64_decode(text, strlen(text), sealed, sizeof(sealed), &n) ==
		0 &&
	    kc_unseal(key, sealed, n, id, strlen(id), &plain, &plen) == 0 &&
	    plen < 80) {
		memcpy(out, plain, plen);
		out[plen] = '\0';
		rc = 0;
	}
	if (plain) {
		OPENSSL_cleanse(plain, plen);
		free(plain);
	}
	return rc;
}

int
kc_endpoint_secrets(struct kc_db *db, const unsigned char key[32],
		    long long business_id, const char *public_id, char *current,
		    char *previous, int *has_previous)
{
	struct kc_rows *r;
	int rc;

	if ((rc = fetch(db, business_id, public_id, &r)) != 0)
		return rc;
	rc = kc_endpoint_unseal(key, public_id, kc_rows_get(r, 0, 8), current);
	*has_previous = 0;
	if (rc == 0 && kc_rows_int(r, 0, 11) &&
	    kc_endpoint_unseal(key, public_id, kc_rows_get(r, 0, 9),
			       previous) == 0)
		*has_previous = 1;
	kc_rows_free(r);
	return rc;
}

/* endpoint_json plus the tries of the last 24 hours and a receiver's
 * pause (the columns after ENDPOINT_COLS). */
static json_t *
endpoint_view_json(const struct kc_rows *r, size_t i)
{
	json_t *ep = endpoint_json(r, i), *health;
	long long n = kc_rows_int(r, i, ENDPOINT_NCOLS),
		  ok = kc_rows_int(r, i, ENDPOINT_NCOLS + 1);

	if (ep == NULL)
		return NULL;
	health = json_object_get(ep, "health");
	json_object_set_new(health, "attempts_24h", json_integer(n));
	/* null, not 100 %, when nothing was tried: no news is not health. */
	json_object_set_new(health, "success_rate_24h",
			    n ? json_real((double)ok / (double)n)
			      : json_null());
	json_object_set_new(
	    health, "paused_until",
	    kc_json_db_time(kc_rows_get(r, i, ENDPOINT_NCOLS + 2)));
	return ep;
}

int
kc_endpoint_view(struct kc_db *db, long long business_id, const char *public_id,
		 json_t **out)
{
	return kc_page_one(db, KC_SQL_ENDPOINT_VIEW, business_id, public_id,
			   endpoint_view_json, out);
}

int
kc_endpoint_auto_disable(struct kc_db *db, long long id, const char *reason,
			 long long disable_after, const struct kc_actor *actor,
			 int force)
{
	struct kc_rows *r = NULL, *b = NULL;
	json_t *before = NULL, *after = NULL, *data = NULL;
	long long business_id;
	const char *pub;
	int rc = -1;

	/* The endpoint row alone is locked: the business row is read without
	 * a lock, since every insert of the business's rows takes a shared
	 * lock on it through its foreign key. */
	if (kc_db_query(db, KC_SQL_ENDPOINT_FOR_DISABLE,
			KC_ARGS(kc_p_int(disable_after), kc_p_int(id)),
			&r) != 0)
		return -1;
	if (r->nrows == 0 || (!force && kc_rows_int(r, 0, 4) != 1)) {
		kc_rows_free(r);
		return KC_NOTFOUND;
	}
	business_id = kc_rows_int(r, 0, 0);
	pub = kc_rows_get(r, 0, 1);
	if (kc_db_query(db, KC_SQL_BUSINESS_BY_ID,
			KC_ARGS(kc_p_int(business_id)), &b) != 0 ||
	    b->nrows == 0)
		goto out;
	if (kc_endpoint_get(db, business_id, pub, &before) != 0 ||
	    kc_db_exec(
		db, KC_SQL_ENDPOINT_SET_DISABLED,
		KC_ARGS(kc_p_str(reason), kc_p_int(business_id), kc_p_int(id)),
		NULL, NULL) != 0 ||
	    kc_endpoint_get(db, business_id, pub, &after) != 0 ||
	    kc_audit_write(db, business_id, actor, "webhook_endpoint.disabled",
			   "webhook_endpoint", pub, before, after) != 0)
		goto out;
	data = json_pack("{s:s, s:s, s:s, s:I, s:o}", "endpoint_id", pub, "url",
			 json_string_value(json_object_get(after, "url")),
			 "reason", reason, "consecutive_failures",
			 (json_int_t)kc_rows_int(r, 0, 2), "failing_since",
			 kc_json_db_time(kc_rows_get(r, 0, 3)));
	/* Now disabled, the endpoint itself is not among the targets. */
	if (data == NULL ||
	    kc_event_emit(db, business_id, kc_rows_get(b, 0, 1),
			  "endpoint.disabled", data, 0, NULL, NULL) != 0)
		goto out;
	rc = 0;
out:
	json_decref(before);
	json_decref(after);
	json_decref(data);
	kc_rows_free(r);
	kc_rows_free(b);
	return rc;
}

int
kc_endpoint_send_test(struct kc_db *db, long long business_id,
		      const char *business_public_id, const char *public_id,
		      json_t **event)
{
	json_t *data;
	long long ep;
	int rc;

	*event = NULL;
	if (kc_db_begin(db) != 0)
		return -1;
	if ((rc = kc_endpoint_id(db, business_id, public_id, &ep)) != 0) {
		kc_db_rollback(db);
		return rc;
	}
	data = json_pack("{s:s, s:s}", "endpoint_id", public_id, "message",
			 "This is a test event from KaiCalls.");
	rc = kc_event_emit(db, business_id, business_public_id, "webhook.test",
			   data, ep, event, NULL);
	json_decref(data);
	if (rc != 0 || kc_db_commit(db) != 0) {
		kc_db_rollback(db);
		json_decref(*event);
		*event = NULL;
		return -1;
	}
	return 0;
}

int
kc_endpoint_breaker_event(struct kc_db *db, long long id, int opened)
{
	char now[KC_TIME_MAX];
	struct kc_rows *r = NULL, *b = NULL;
	json_t *data = NULL;
	long long business_id;
	int rc = -1;

	if (kc_db_query(db, KC_SQL_ENDPOINT_BREAKER_INFO, KC_ARGS(kc_p_int(id)),
			&r) != 0)
		return -1;
	if (r->nrows == 0) {
		kc_rows_free(r);
		return KC_NOTFOUND;
	}
	business_id = kc_rows_int(r, 0, 0);
	if (kc_db_query(db, KC_SQL_BUSINESS_BY_ID,
			KC_ARGS(kc_p_int(business_id)), &b) != 0 ||
	    b->nrows == 0 || kc_time_now(NULL, 0, now, sizeof(now)) != 0)
		goto out;
	if (opened)
		data = json_pack(
		    "{s:s, s:s, s:I, s:o, s:o}", "endpoint_id",
		    kc_rows_get(r, 0, 1), "url", kc_rows_get(r, 0, 2),
		    "consecutive_failures", (json_int_t)kc_rows_int(r, 0, 3),
		    "opened_at", kc_json_db_time(kc_rows_get(r, 0, 4)),
		    "next_probe_at", kc_json_db_time(kc_rows_get(r, 0, 5)));
	else
		data = json_pack(
		    "{s:s, s:s, s:o, s:s}", "endpoint_id", kc_rows_get(r, 0, 1),
		    "url", kc_rows_get(r, 0, 2), "opened_at",
		    kc_json_db_time(kc_rows_get(r, 0, 4)), "recovered_at", now);
	/* To the others: the endpoint itself is either not taking
	 * deliveries (open) or just showed that it takes them. */
	if (data == NULL ||
	    kc_event_emit_others(db, business_id, kc_rows_get(b, 0, 1),
				 opened ? "endpoint.circuit_opened"
					: "endpoint.recovered",
				 data, id) != 0)
		goto out;
	rc = 0;
out:
	json_decref(data);
	kc_rows_free(r);
	kc_rows_free(b);
	return rc;
}

int
kc_endpoint_probe_now(struct kc_db *db, long long business_id, long long id)
{
	/* The queue's hold (until the old probe time) ends with it. */
	if (kc_db_exec(db, KC_SQL_ENDPOINT_PROBE_NOW,
		       KC_ARGS(kc_p_int(business_id), kc_p_int(id)), NULL,
		       NULL) != 0)
		return -1;
	return kc_event_wake_release(db, business_id, id);
}

int
kc_endpoint_try_now(struct kc_db *db, const struct kc_actor *actor,
		    long long business_id, const char *public_id)
{
	json_t *before = NULL, *after = NULL;
	unsigned long long n = 0;
	long long id;
	int rc;

	if (kc_db_begin(db) != 0)
		return -1;
	if ((rc = kc_endpoint_id(db, business_id, public_id, &id)) != 0 ||
	    (rc = kc_endpoint_get(db, business_id, public_id, &before)) != 0)
		goto fail;
	rc = -1;
	if (kc_db_exec(db, KC_SQL_ENDPOINT_PROBE_NOW,
		       KC_ARGS(kc_p_int(business_id), kc_p_int(id)), &n,
		       NULL) != 0)
		goto fail;
	if (n == 0) {
		rc = KC_CONFLICT;
		goto fail;
	}
	/* A release: the queue's hold (the old probe time) ends with it. */
	if (kc_event_wake_release(db, business_id, id) != 0 ||
	    kc_endpoint_get(db, business_id, public_id, &after) != 0 ||
	    kc_audit_write(db, business_id, actor,
			   "webhook_endpoint.probe_requested",
			   "webhook_endpoint", public_id, before, after) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	json_decref(before);
	json_decref(after);
	return 0;
fail:
	kc_db_rollback(db);
	json_decref(before);
	json_decref(after);
	return rc;
}
