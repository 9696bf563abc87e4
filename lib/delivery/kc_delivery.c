#include "kc_delivery.h"
#include "kc_endpoint.h"
#include "kc_event.h"
#include "kc_id.h"
#include "kc_json.h"
#include "kc_page.h"
#include "kc_time.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

const char *const kc_delivery_statuses[] = {"pending", "in_flight", "delivered",
					    "failed",  "dead",      NULL};

static json_t *
delivery_json(const struct kc_rows *r, size_t i)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:s?, s:o, "
	    "s:s?, s:s?, s:o, s:o}",
	    "id", kc_rows_get(r, i, 0), "object", "delivery", "status",
	    kc_rows_get(r, i, 1), "event_id", kc_rows_get(r, i, 6),
	    "event_type", kc_rows_get(r, i, 7), "endpoint_id",
	    kc_rows_get(r, i, 8), "attempts", (json_int_t)kc_rows_int(r, i, 2),
	    "next_attempt_at", kc_json_db_time(kc_rows_get(r, i, 3)),
	    "last_attempt_at", kc_json_db_time(kc_rows_get(r, i, 9)),
	    "last_status_code", kc_json_db_int(kc_rows_get(r, i, 10)),
	    "last_error", kc_rows_get(r, i, 11), "delivered_at",
	    kc_json_db_time(kc_rows_get(r, i, 12)), "replay_of",
	    kc_rows_get(r, i, 13), "replayed_by", kc_rows_get(r, i, 14),
	    "created_at", kc_json_db_time(kc_rows_get(r, i, 4)), "updated_at",
	    kc_json_db_time(kc_rows_get(r, i, 5)));
}

int
kc_delivery_list(struct kc_db *db, long long business_id,
		 const struct kc_delivery_filter *f, const char *starting_after,
		 int limit, json_t **out)
{
	/* By the filters given: bit 0 status, 1 endpoint, 2 event, 3 the
	 * event's type. */
	static const enum kc_sql shape[] = {
	    KC_SQL_DELIVERY_LIST,
	    KC_SQL_DELIVERY_LIST_STATUS,
	    KC_SQL_DELIVERY_LIST_ENDPOINT,
	    KC_SQL_DELIVERY_LIST_ENDPOINT_STATUS,
	    KC_SQL_DELIVERY_LIST_EVENT,
	    KC_SQL_DELIVERY_LIST_EVENT_STATUS,
	    KC_SQL_DELIVERY_LIST_EVENT_ENDPOINT,
	    KC_SQL_DELIVERY_LIST_EVENT_ENDPOINT_STATUS,
	    KC_SQL_DELIVERY_LIST_TYPE,
	    KC_SQL_DELIVERY_LIST_TYPE_STATUS,
	    KC_SQL_DELIVERY_LIST_TYPE_ENDPOINT,
	    KC_SQL_DELIVERY_LIST_TYPE_ENDPOINT_STATUS,
	    KC_SQL_DELIVERY_LIST_TYPE_EVENT,
	    KC_SQL_DELIVERY_LIST_TYPE_EVENT_STATUS,
	    KC_SQL_DELIVERY_LIST_TYPE_EVENT_ENDPOINT,
	    KC_SQL_DELIVERY_LIST_TYPE_EVENT_ENDPOINT_STATUS,
	};
	static const struct kc_page_recent q = {
	    KC_SQL_DELIVERY_CURSOR, KC_PAGE_SHAPES(shape), delivery_json};
	struct kc_param fl[4] = {kc_p_str(f->status), kc_p_str(NULL),
				 kc_p_str(NULL), kc_p_str(f->type)};
	long long endpoint = 0, event = 0;

	/* Resolved first, so the list reads one index. One that names
	 * nothing of the business stays 0, which no row has: an empty page
	 * (after the cursor is checked, as for any filter). */
	if ((f->endpoint && kc_page_id(db, KC_SQL_ENDPOINT_ID_ANY, business_id,
				       f->endpoint, &endpoint) < 0) ||
	    (f->event && kc_page_id(db, KC_SQL_EVENT_CURSOR, business_id,
				    f->event, &event) < 0))
		return -1;
	if (f->endpoint)
		fl[1] = kc_p_int(endpoint);
	if (f->event)
		fl[2] = kc_p_int(event);
	return kc_page_recent(db, &q, business_id, fl, f->since, f->until,
			      starting_after, limit, out);
}

static json_t *
attempt_json(const struct kc_rows *r, size_t i)
{
	return json_pack("{s:I, s:o, s:I, s:o, s:b, s:s?, s:s?}", "attempt",
			 (json_int_t)kc_rows_int(r, i, 0), "started_at",
			 kc_json_db_time(kc_rows_get(r, i, 1)), "duration_ms",
			 (json_int_t)kc_rows_int(r, i, 2), "status_code",
			 kc_json_db_int(kc_rows_get(r, i, 3)), "ok",
			 (int)kc_rows_int(r, i, 5), "error",
			 kc_rows_get(r, i, 4), "response_body",
			 kc_rows_get(r, i, 6));
}

int
kc_delivery_get(struct kc_db *db, long long business_id, const char *public_id,
		json_t **out)
{
	struct kc_rows *a = NULL;
	json_t *d = NULL, *list = NULL, *item;
	size_t i;
	int rc;

	if ((rc = kc_page_one(db, KC_SQL_DELIVERY_GET, business_id, public_id,
			      delivery_json, &d)) != 0)
		return rc;
	rc = -1;
	if (kc_db_query(db, KC_SQL_ATTEMPT_LIST,
			KC_ARGS(kc_p_int(business_id), kc_p_int(business_id),
				kc_p_str(public_id)),
			&a) != 0 ||
	    (list = json_array()) == NULL)
		goto out;
	for (i = 0; i < a->nrows; i++) {
		if ((item = attempt_json(a, i)) == NULL ||
		    json_array_append_new(list, item) != 0)
			goto out;
	}
	json_object_set_new(d, "attempt_log", list);
	list = NULL;
	*out = d;
	d = NULL;
	rc = 0;
out:
	json_decref(list);
	json_decref(d);
	kc_rows_free(a);
	return rc;
}

int
kc_delivery_requeue(struct kc_db *db, long long business_id, long long source,
		    const char *status, long long event, long long endpoint,
		    long long replay_id, const char *source_public,
		    char *new_public, int *queued)
{
	unsigned long long nid, n = 0;
	char id[KC_ID_MAX];

	*queued = 0;
	if (strcmp(status, "failed") == 0) {
		/* Its retry is already owed: bring it forward. */
		if (kc_db_exec(db, KC_SQL_DELIVERY_RETRY_NOW,
			       KC_ARGS(replay_id ? kc_p_int(replay_id)
						 : kc_p_str(NULL),
				       kc_p_int(business_id), kc_p_int(source)),
			       &n, NULL) != 0)
			return -1;
		*queued = n > 0;
		if (new_public)
			snprintf(new_public, KC_ID_MAX, "%s", source_public);
		return 0;
	}
	if (strcmp(status, "delivered") != 0 && strcmp(status, "dead") != 0)
		return 0;
	if (kc_id_new("dlv", id, sizeof(id)) != 0 ||
	    kc_db_exec(
		db, KC_SQL_DELIVERY_REPLAY_INSERT,
		KC_ARGS(kc_p_str(id), kc_p_int(business_id), kc_p_int(event),
			kc_p_int(endpoint), kc_p_int(source),
			replay_id ? kc_p_int(replay_id) : kc_p_str(NULL)),
		NULL, &nid) != 0 ||
	    kc_db_exec(db, KC_SQL_DELIVERY_SUPERSEDE,
		       KC_ARGS(kc_p_int((long long)nid), kc_p_int(business_id),
			       kc_p_int(source)),
		       NULL, NULL) != 0)
		return -1;
	*queued = 1;
	if (new_public)
		snprintf(new_public, KC_ID_MAX, "%s", id);
	return 0;
}

int
kc_delivery_replay(struct kc_db *db, long long business_id,
		   const char *public_id, const struct kc_actor *actor,
		   json_t **out, const char **why, char *superseded)
{
	struct kc_rows *r = NULL;
	char next[KC_ID_MAX];
	const char *status;
	json_t *after = NULL;
	int rc = -1, queued;

	*why = NULL;
	if (kc_db_begin(db) != 0)
		return -1;
	if (kc_db_query(db, KC_SQL_DELIVERY_FOR_REPLAY,
			KC_ARGS(kc_p_int(business_id), kc_p_str(public_id)),
			&r) != 0)
		goto fail;
	if (r->nrows == 0) {
		rc = KC_NOTFOUND;
		goto fail;
	}
	status = kc_rows_get(r, 0, 1);
	/* Replayed already: the newer delivery is the one to look at (and
	 * to replay, once it has finished). */
	if (kc_rows_get(r, 0, 5) != NULL) {
		snprintf(superseded, KC_ID_MAX, "%s", kc_rows_get(r, 0, 5));
		*why = "already_replayed";
		rc = KC_CONFLICT;
		goto fail;
	}
	if (!kc_rows_int(r, 0, 4)) {
		*why = kc_rows_int(r, 0, 6) ? "endpoint_deleted"
					    : "endpoint_disabled";
		rc = KC_CONFLICT;
		goto fail;
	}
	if (kc_delivery_requeue(db, business_id, kc_rows_int(r, 0, 0), status,
				kc_rows_int(r, 0, 2), kc_rows_int(r, 0, 3), 0,
				public_id, next, &queued) != 0)
		goto fail;
	if (!queued) {
		*why = "delivery_in_progress";
		rc = KC_CONFLICT;
		goto fail;
	}
	if (kc_endpoint_probe_now(db, business_id, kc_rows_int(r, 0, 3)) != 0 ||
	    kc_event_wake(db, business_id, kc_rows_int(r, 0, 3)) != 0 ||
	    kc_delivery_get(db, business_id, next, &after) != 0 ||
	    kc_audit_write(db, business_id, actor, "delivery.replayed",
			   "delivery", public_id, NULL, after) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	kc_rows_free(r);
	*out = after;
	return 0;
fail:
	kc_db_rollback(db);
	json_decref(after);
	kc_rows_free(r);
	return rc;
}
