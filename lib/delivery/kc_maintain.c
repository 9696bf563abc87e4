#include "kc_maintain.h"
#include "kc_buf.h"
#include "kc_endpoint.h"
#include "kc_log.h"
#include "kc_session.h"
#include "kc_queue.h"
#include "kc_record.h"

#include <stdio.h>

/* Runs one batched DELETE until it removes less than a batch. */
static int
purge(struct kc_db *db, enum kc_sql id, long long age, long long *count)
{
	unsigned long long n;

	do {
		if (age >= 0 ? kc_db_exec(db, id,
					  KC_ARGS(kc_p_int(age),
						  kc_p_int(KC_MAINTAIN_BATCH)),
					  &n, NULL) != 0
			     : kc_db_exec(db, id,
					  KC_ARGS(kc_p_int(KC_MAINTAIN_BATCH)),
					  &n, NULL) != 0)
			return -1;
		*count += (long long)n;
	} while (n == KC_MAINTAIN_BATCH);
	return 0;
}

/* Old events whose deliveries are all finished go with their deliveries
 * and attempts, a batch of events per transaction. The events are picked
 * FOR UPDATE inside it, so a replay of one of their deliveries (which
 * needs the event row) waits for the purge or sees the event gone. */
static int
purge_events(struct kc_db *db, long long age, long long *count)
{
	struct kc_rows *r = NULL;
	struct kc_buf ids;
	size_t n;
	unsigned long long gone;
	int bad;

	kc_buf_init(&ids, 64 * 1024);
	do {
		gone = 0;
		if (kc_db_begin(db) != 0)
			goto fail;
		if (kc_db_query(db, KC_SQL_PURGE_EVENTS_PICK,
				KC_ARGS(kc_p_int(age), kc_p_int(500)), &r) != 0)
			goto rollback;
		n = r->nrows;
		kc_buf_reset(&ids);
		bad = kc_rows_ids_json(r, &ids) != 0;
		kc_rows_free(r);
		r = NULL;
		if (bad)
			goto rollback;
		if (n > 0 && (kc_db_exec(db, KC_SQL_PURGE_EVENT_ATTEMPTS,
					 KC_ARGS(kc_p_strn(ids.data, ids.len)),
					 NULL, NULL) != 0 ||
			      kc_db_exec(db, KC_SQL_PURGE_EVENT_DELIVERIES,
					 KC_ARGS(kc_p_strn(ids.data, ids.len)),
					 NULL, NULL) != 0 ||
			      kc_db_exec(db, KC_SQL_PURGE_EVENTS,
					 KC_ARGS(kc_p_strn(ids.data, ids.len)),
					 &gone, NULL) != 0))
			goto rollback;
		if (kc_db_commit(db) != 0)
			goto rollback;
		*count += (long long)gone;
	} while (n == 500);
	kc_buf_free(&ids);
	return 0;
rollback:
	kc_db_rollback(db);
fail:
	kc_rows_free(r);
	kc_buf_free(&ids);
	return -1;
}

/* Finished outbound actions (blocked, failed, ended, or left accepted or
 * sent by the carrier) created before the retention, a business and kind
 * at a time so that each DELETE reads one range of its index. */
static int
purge_outbound(struct kc_db *db, long long age, long long *count)
{
	static const char *const kinds[] = {"call", "message"};
	struct kc_rows *biz;
	unsigned long long n;
	size_t i, k;
	int rc = 0;

	if (kc_db_query(db, KC_SQL_OUTBOUND_PURGE_BUSINESSES, NULL, 0, &biz) !=
	    0)
		return -1;
	for (i = 0; i < biz->nrows && rc == 0; i++)
		for (k = 0; k < 2 && rc == 0; k++)
			do {
				if (kc_db_exec(
					db, KC_SQL_OUTBOUND_PURGE,
					KC_ARGS(
					    kc_p_int(kc_rows_int(biz, i, 0)),
					    kc_p_str(kinds[k]), kc_p_int(age),
					    kc_p_int(KC_MAINTAIN_BATCH)),
					&n, NULL) != 0) {
					rc = -1;
					break;
				}
				*count += (long long)n;
			} while (n == KC_MAINTAIN_BATCH);
	kc_rows_free(biz);
	return rc;
}

/* Endpoints past the failing limit that no delivery has looked at since
 * (a worker disables the ones it sees fail). */
static int
sweep_endpoints(struct kc_db *db, const struct kc_config *cfg,
		const struct kc_actor *actor, long long *count)
{
	struct kc_rows *r;
	char reason[96];
	size_t i;
	int rc = 0, one;

	if (kc_db_query(db, KC_SQL_ENDPOINT_FAILING,
			KC_ARGS(kc_p_int(cfg->endpoint_disable_after)),
			&r) != 0)
		return -1;
	snprintf(reason, sizeof(reason), "failing for more than %lld seconds",
		 cfg->endpoint_disable_after);
	for (i = 0; i < r->nrows && rc == 0; i++) {
		if (kc_db_begin(db) != 0) {
			rc = -1;
			break;
		}
		one = kc_endpoint_auto_disable(db, kc_rows_int(r, i, 0), reason,
					       cfg->endpoint_disable_after,
					       actor, 0);
		if (one < 0 || kc_db_commit(db) != 0) {
			kc_db_rollback(db);
			rc = -1;
		} else if (one == 0)
			(*count)++;
	}
	kc_rows_free(r);
	return rc;
}

/* The metric counter rows of connections that have ended go into shard 0,
 * a shard per transaction. Each row is locked, added and deleted by its
 * key: a connection that reuses the id (after a server restart) and
 * writes meanwhile waits for the lock, then starts a row of its own. */
static int
fold_metric_shards(struct kc_db *db, long long *count)
{
	struct kc_rows *dead = NULL, *r = NULL;
	size_t i, j;
	int rc = -1;

	if (kc_db_query(db, KC_SQL_METRIC_DEAD_SHARDS, NULL, 0, &dead) != 0)
		return -1;
	for (i = 0; i < dead->nrows; i++) {
		long long shard = kc_rows_int(dead, i, 0);

		if (kc_db_begin(db) != 0)
			goto out;
		if (kc_db_query(db, KC_SQL_METRIC_SHARD_LOCK,
				KC_ARGS(kc_p_int(shard)), &r) != 0)
			goto rollback;
		for (j = 0; j < r->nrows; j++)
			if (kc_db_exec(db, KC_SQL_METRIC_ARCHIVE_ADD,
				       KC_ARGS(kc_p_str(kc_rows_get(r, j, 0)),
					       kc_p_str(kc_rows_get(r, j, 1)),
					       kc_p_int(kc_rows_int(r, j, 2))),
				       NULL, NULL) != 0 ||
			    kc_db_exec(db, KC_SQL_METRIC_ROW_DELETE,
				       KC_ARGS(kc_p_str(kc_rows_get(r, j, 0)),
					       kc_p_str(kc_rows_get(r, j, 1)),
					       kc_p_int(shard)),
				       NULL, NULL) != 0)
				goto rollback;
		kc_rows_free(r);
		r = NULL;
		if (kc_db_commit(db) != 0)
			goto rollback;
		(*count)++;
	}
	rc = 0;
	goto out;
rollback:
	kc_db_rollback(db);
out:
	kc_rows_free(r);
	kc_rows_free(dead);
	return rc;
}

/* Queue rows per transaction of the repair. */
#define KC_MAINTAIN_QUEUES 500

/* One batch of queue rows after endpoint *after, locked (those a worker
 * holds are skipped: it writes them itself), set right. *n: rows looked
 * at, 0 at the end. */
static int
repair_queue_batch(struct kc_db *db, long long *after, size_t *n,
		   long long *count)
{
	struct kc_rows *r = NULL, *q = NULL;
	struct kc_buf ids, set;
	unsigned long long changed = 0;
	size_t i;
	int rc = -1;

	*n = 0;
	kc_buf_init(&ids, 64 * 1024);
	kc_buf_init(&set, 256 * 1024);
	if (kc_db_begin(db) != 0)
		goto out;
	if (kc_db_query(db, KC_SQL_REPAIR_QUEUES_LOCK,
			KC_ARGS(kc_p_int(*after), kc_p_int(KC_MAINTAIN_QUEUES)),
			&r) != 0 ||
	    kc_rows_ids_json(r, &ids) != 0)
		goto rollback;
	if ((*n = r->nrows) == 0) {
		rc = kc_db_commit(db);
		goto out;
	}
	*after = kc_rows_int(r, r->nrows - 1, 0);
	if (kc_db_query(db, KC_SQL_REPAIR_QUEUES_READ,
			KC_ARGS(kc_p_strn(ids.data, ids.len)), &q) != 0 ||
	    kc_buf_putc(&set, '[') != 0)
		goto rollback;
	for (i = 0; i < q->nrows; i++) {
		const char *owed = kc_rows_get(q, i, 1);

		if (kc_buf_printf(&set, "%s[%lld,%s%s%s,%lld]", i ? "," : "",
				  kc_rows_int(q, i, 0), owed ? "\"" : "",
				  owed ? owed : "null", owed ? "\"" : "",
				  kc_rows_int(q, i, 2)) != 0)
			goto rollback;
	}
	if (kc_buf_putc(&set, ']') != 0 ||
	    kc_db_exec(db, KC_SQL_REPAIR_QUEUES_SET,
		       KC_ARGS(kc_p_strn(set.data, set.len)), &changed,
		       NULL) != 0 ||
	    kc_db_commit(db) != 0)
		goto rollback;
	*count += (long long)changed;
	rc = 0;
	goto out;
rollback:
	kc_db_rollback(db);
out:
	kc_rows_free(r);
	kc_rows_free(q);
	kc_buf_free(&ids);
	kc_buf_free(&set);
	return rc;
}

/* The delivery queues as the deliveries say they should be. A queue row
 * can be missing (an endpoint written by hand, or by a binary older than
 * migration 011 during a rolling upgrade), say nothing is owed while
 * something is (011's snapshot beside such a binary), or count deliveries
 * in flight that are not (an outcome recorded while its queue row stayed
 * locked, a crash): the workers would never look at those endpoints
 * again, or take them for full. And wake-ups that no worker consumes
 * (every worker limited to other businesses) are turned into due queues
 * here, so that the table does not grow for ever. */
static int
repair_queues(struct kc_db *db, struct kc_maintain_stats *st)
{
	unsigned long long made = 0;
	long long after = 0, taken;
	size_t n, rounds;

	if (kc_db_exec(db, KC_SQL_REPAIR_QUEUES_MISSING, NULL, 0, &made,
		       NULL) != 0)
		return -1;
	st->queues_repaired += (long long)made;
	do {
		if (repair_queue_batch(db, &after, &n, &st->queues_repaired) !=
		    0)
			return -1;
	} while (n == KC_MAINTAIN_QUEUES);
	/* A bounded number of rounds: ingest may be adding as fast. */
	for (rounds = 0; rounds < 100; rounds++) {
		if (kc_queue_take_wakeups(db, 0, &taken) != 0)
			return -1;
		st->wakeups += taken;
		if (taken == 0)
			break;
	}
	return 0;
}

int
kc_maintain_run(struct kc_db *db, const struct kc_config *cfg,
		const struct kc_actor *actor, struct kc_maintain_stats *st)
{
	struct kc_recorder rec = {db, cfg, NULL};

	if (sweep_endpoints(db, cfg, actor, &st->endpoints_disabled) != 0 ||
	    purge(db, KC_SQL_PURGE_ATTEMPTS, cfg->attempts_retention,
		  &st->attempts) != 0 ||
	    purge_events(db, cfg->events_retention, &st->events) != 0 ||
	    purge(db, KC_SQL_PURGE_IDEMPOTENCY, -1, &st->idempotency_keys) !=
		0 ||
	    fold_metric_shards(db, &st->metric_shards) != 0 ||
	    purge_outbound(db, cfg->outbound_retention,
			   &st->outbound_actions) != 0 ||
	    purge(db, KC_SQL_CARRIER_CALLBACKS_PURGE,
		  cfg->carrier_callbacks_retention,
		  &st->carrier_callbacks) != 0 ||
	    kc_session_purge(db, cfg, KC_MAINTAIN_BATCH, &st->sessions,
			     &st->signin_throttle) != 0 ||
	    repair_queues(db, st) != 0 ||
	    kc_record_untold_breakers(&rec, &st->breaker_events) != 0)
		return -1;
	return 0;
}
