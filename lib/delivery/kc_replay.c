#include "kc_replay.h"
#include "kc_delivery.h"
#include "kc_endpoint.h"
#include "kc_event.h"
#include "kc_id.h"
#include "kc_json.h"
#include "kc_page.h"
#include "kc_time.h"

#include <string.h>

const char *const kc_replay_filters[] = {"dead", "failed", "all", NULL};

static json_t *
replay_json(const struct kc_rows *r, size_t i)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:I, s:I, s:I, s:o, "
	    "s:o, s:o}",
	    "id", kc_rows_get(r, i, 0), "object", "replay", "endpoint_id",
	    kc_rows_get(r, i, 1), "filter", kc_rows_get(r, i, 2), "since",
	    kc_json_db_time(kc_rows_get(r, i, 3)), "until",
	    kc_json_db_time(kc_rows_get(r, i, 4)), "status",
	    kc_rows_get(r, i, 5), "total", kc_json_db_int(kc_rows_get(r, i, 6)),
	    "done", (json_int_t)kc_rows_int(r, i, 7), "delivered",
	    (json_int_t)kc_rows_int(r, i, 11), "dead",
	    (json_int_t)kc_rows_int(r, i, 12), "created_at",
	    kc_json_db_time(kc_rows_get(r, i, 8)), "started_at",
	    kc_json_db_time(kc_rows_get(r, i, 9)), "completed_at",
	    kc_json_db_time(kc_rows_get(r, i, 10)));
}

int
kc_replay_get(struct kc_db *db, long long business_id, const char *public_id,
	      json_t **out)
{
	return kc_page_one(db, KC_SQL_REPLAY_GET, business_id, public_id,
			   replay_json, out);
}

int
kc_replay_create(struct kc_db *db, long long business_id, const char *endpoint,
		 const char *filter, const char *since, const char *until,
		 const struct kc_actor *actor, json_t **out)
{
	char id[KC_ID_MAX];
	json_t *ep = NULL, *r = NULL;
	long long eid;
	int rc;

	if (kc_db_begin(db) != 0)
		return -1;
	if ((rc = kc_endpoint_id(db, business_id, endpoint, &eid)) != 0 ||
	    (rc = kc_endpoint_get(db, business_id, endpoint, &ep)) != 0)
		goto fail;
	if (!json_is_true(json_object_get(ep, "enabled"))) {
		rc = KC_CONFLICT;
		goto fail;
	}
	rc = -1;
	if (kc_id_new("rpl", id, sizeof(id)) != 0 ||
	    kc_db_exec(db, KC_SQL_REPLAY_INSERT,
		       KC_ARGS(kc_p_str(id), kc_p_int(business_id),
			       kc_p_int(eid), kc_p_str(filter), kc_p_str(since),
			       kc_p_str(until)),
		       NULL, NULL) != 0 ||
	    kc_replay_get(db, business_id, id, &r) != 0 ||
	    kc_audit_write(db, business_id, actor, "replay.created", "replay",
			   id, NULL, r) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	json_decref(ep);
	*out = r;
	return 0;
fail:
	kc_db_rollback(db);
	json_decref(ep);
	json_decref(r);
	return rc;
}

int
kc_replay_step(struct kc_db *db, int batch, int *worked)
{
	struct kc_rows *q = NULL, *src = NULL, *cnt = NULL;
	long long rid, biz, ep, cursor, upto, total;
	const char *filter, *since, *until, *state;
	size_t i;
	int queued, done = 0;

	*worked = 0;
	if (kc_db_begin(db) != 0)
		return -1;
	if (kc_db_query(db, KC_SQL_REPLAY_NEXT, NULL, 0, &q) != 0)
		goto fail;
	if (q->nrows == 0) {
		kc_rows_free(q);
		return kc_db_end(db);
	}
	*worked = 1;
	rid = kc_rows_int(q, 0, 0);
	biz = kc_rows_int(q, 0, 1);
	ep = kc_rows_int(q, 0, 2);
	filter = kc_rows_get(q, 0, 3);
	since = kc_rows_get(q, 0, 4);
	until = kc_rows_get(q, 0, 5);
	cursor = kc_rows_int(q, 0, 6);
	upto = kc_rows_int(q, 0, 7);
#define MATCH_ARGS(from)                                                       \
	kc_p_int(biz), kc_p_int(ep), kc_p_int(from), kc_p_int(upto),           \
	    kc_p_str(filter), kc_p_str(filter), kc_p_str(since),               \
	    kc_p_str(since), kc_p_str(until), kc_p_str(until)
	if (kc_rows_get(q, 0, 8) == NULL) {
		/* First step: how many there are, for progress. */
		if (kc_db_query(db, KC_SQL_REPLAY_COUNT, KC_ARGS(MATCH_ARGS(0)),
				&cnt) != 0)
			goto fail;
		total = kc_rows_int(cnt, 0, 0);
	} else
		total = kc_rows_int(q, 0, 8);
	if (kc_db_query(db, KC_SQL_REPLAY_SOURCES,
			KC_ARGS(MATCH_ARGS(cursor), kc_p_int(batch)),
			&src) != 0)
		goto fail;
#undef MATCH_ARGS
	for (i = 0; i < src->nrows; i++) {
		if (kc_delivery_requeue(db, biz, kc_rows_int(src, i, 0),
					kc_rows_get(src, i, 1),
					kc_rows_int(src, i, 2), ep, rid, NULL,
					NULL, &queued) != 0)
			goto fail;
		done += queued;
		cursor = kc_rows_int(src, i, 0);
	}
	/* One wake-up for the batch; an open breaker probes now. */
	if (done > 0 && (kc_endpoint_probe_now(db, biz, ep) != 0 ||
			 kc_event_wake(db, biz, ep) != 0))
		goto fail;
	state = (int)src->nrows < batch ? "completed" : "running";
	if (kc_db_exec(db, KC_SQL_REPLAY_PROGRESS,
		       KC_ARGS(kc_p_str(state), kc_p_int(total), kc_p_int(done),
			       kc_p_int(cursor), kc_p_str(state),
			       kc_p_int(rid)),
		       NULL, NULL) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	kc_rows_free(q);
	kc_rows_free(src);
	kc_rows_free(cnt);
	return 0;
fail:
	kc_db_rollback(db);
	kc_rows_free(q);
	kc_rows_free(src);
	kc_rows_free(cnt);
	return -1;
}
