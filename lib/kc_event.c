#include "kc_page.h"
#include "kc_event.h"
#include "kc_event_types.h"
#include "kc_id.h"
#include "kc_json.h"
#include "kc_time.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int
add_delivery(struct kc_db *db, long long business_id, long long event,
	     long long endpoint, const char *now)
{
	char id[KC_ID_MAX];

	if (kc_id_new("dlv", id, sizeof(id)) != 0)
		return -1;
	return kc_db_exec(db, KC_SQL_DELIVERY_INSERT,
			  KC_ARGS(kc_p_str(id), kc_p_int(business_id),
				  kc_p_int(event), kc_p_int(endpoint),
				  kc_p_str(now), kc_p_str(now), kc_p_str(now)),
			  NULL, NULL);
}

static int
wake(struct kc_db *db, long long business_id, long long endpoint_id,
     int release)
{
	/* Insert only, whatever the queue says: reading the queue row (even
	 * shared) would make every ingest wait for a worker holding it, and
	 * a transaction that emits several events would lock queue rows out
	 * of order. The wake-up commits with the delivery, so the worker
	 * that takes it sees the delivery too (kc_queue.c). */
	return kc_db_exec(db, KC_SQL_WAKEUP_INSERT,
			  KC_ARGS(kc_p_int(endpoint_id), kc_p_int(business_id),
				  kc_p_int(release)),
			  NULL, NULL);
}

int
kc_event_wake(struct kc_db *db, long long business_id, long long endpoint_id)
{
	return wake(db, business_id, endpoint_id, 0);
}

int
kc_event_wake_release(struct kc_db *db, long long business_id,
		      long long endpoint_id)
{
	return wake(db, business_id, endpoint_id, 1);
}

/* The endpoints of the business that take type, in id order, without
 * except (0: none); or only_endpoint alone. */
static int
targets_of(struct kc_db *db, long long business_id, const char *type,
	   long long only_endpoint, long long except, long long **out,
	   size_t *n)
{
	struct kc_rows *targets = NULL;
	json_t *types;
	size_t i;
	int match;

	*n = 0;
	if (only_endpoint) {
		if ((*out = malloc(sizeof(**out))) == NULL)
			return -1;
		(*out)[(*n)++] = only_endpoint;
		return 0;
	}
	if (kc_db_query(db, KC_SQL_EVENT_TARGETS,
			KC_ARGS(kc_p_int(business_id)), &targets) != 0)
		return -1;
	if ((*out = calloc(targets->nrows + 1, sizeof(**out))) == NULL) {
		kc_rows_free(targets);
		return -1;
	}
	for (i = 0; i < targets->nrows; i++) {
		if (kc_rows_int(targets, i, 0) == except)
			continue;
		types = json_loads(kc_rows_get(targets, i, 1), 0, NULL);
		match = types && kc_event_filter_matches(types, type);
		json_decref(types);
		if (match)
			(*out)[(*n)++] = kc_rows_int(targets, i, 0);
	}
	kc_rows_free(targets);
	return 0;
}

static int
emit(struct kc_db *db, long long business_id, const char *business_public_id,
     const char *type, const json_t *data, long long only_endpoint,
     long long except, json_t **event, int *ndeliveries)
{
	char id[KC_ID_MAX], now_db[KC_TIME_MAX], now[KC_TIME_MAX], *text = NULL;
	long long *to = NULL;
	unsigned long long eid;
	json_t *env = NULL;
	size_t i, n = 0;
	int rc = -1;

	if (kc_id_new("evt", id, sizeof(id)) != 0 ||
	    kc_time_now(now_db, sizeof(now_db), now, sizeof(now)) != 0)
		return -1;
	env = json_pack("{s:s, s:s, s:s, s:s, s:O}", "id", id, "type", type,
			"created_at", now, "business_id", business_public_id,
			"data", data);
	/* The stored text is what is signed and sent, byte for byte. */
	if (env == NULL ||
	    (text = json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
		NULL)
		goto out;
	if (kc_db_exec(db, KC_SQL_EVENT_INSERT,
		       KC_ARGS(kc_p_str(id), kc_p_int(business_id),
			       kc_p_str(type), kc_p_str(text),
			       kc_p_str(now_db)),
		       NULL, &eid) != 0 ||
	    targets_of(db, business_id, type, only_endpoint, except, &to, &n) !=
		0)
		goto out;
	for (i = 0; i < n; i++)
		if (add_delivery(db, business_id, (long long)eid, to[i],
				 now_db) != 0)
			goto out;
	/* A wake-up per delivery: inserts only, no queue row is locked. */
	for (i = 0; i < n; i++)
		if (kc_event_wake(db, business_id, to[i]) != 0)
			goto out;
	if (ndeliveries)
		*ndeliveries = (int)n;
	if (event) {
		*event = env;
		env = NULL;
	}
	rc = 0;
out:
	free(to);
	json_decref(env);
	free(text);
	return rc;
}

int
kc_event_emit(struct kc_db *db, long long business_id,
	      const char *business_public_id, const char *type,
	      const json_t *data, long long only_endpoint, json_t **event,
	      int *ndeliveries)
{
	return emit(db, business_id, business_public_id, type, data,
		    only_endpoint, 0, event, ndeliveries);
}

int
kc_event_emit_others(struct kc_db *db, long long business_id,
		     const char *business_public_id, const char *type,
		     const json_t *data, long long except)
{
	return emit(db, business_id, business_public_id, type, data, 0, except,
		    NULL, NULL);
}

static json_t *
stored_event(const struct kc_rows *r, size_t i)
{
	return json_loads(kc_rows_get(r, i, 1), 0, NULL);
}

int
kc_event_get(struct kc_db *db, long long business_id, const char *public_id,
	     json_t **out)
{
	return kc_page_one(db, KC_SQL_EVENT_GET, business_id, public_id,
			   stored_event, out);
}

int
kc_event_list(struct kc_db *db, long long business_id, const char *type,
	      const char *since, const char *starting_after, int limit,
	      json_t **out)
{
	static const enum kc_sql shape[] = {KC_SQL_EVENT_LIST,
					    KC_SQL_EVENT_LIST_TYPE};
	static const struct kc_page_recent q = {
	    KC_SQL_EVENT_CURSOR, KC_PAGE_SHAPES(shape), stored_event};
	const struct kc_param f[] = {kc_p_str(type)};

	return kc_page_recent(db, &q, business_id, f, since, NULL,
			      starting_after, limit, out);
}
