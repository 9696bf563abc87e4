#include "kc_record.h"
#include "kc_endpoint.h"
#include "kc_limits.h"
#include "kc_log.h"
#include "kc_queue.h"
#include "kc_time.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static struct kc_ep_sum *
ep_find(struct kc_ep_sum *eps, size_t *neps, long long id)
{
	size_t i;

	for (i = 0; i < *neps; i++)
		if (eps[i].id == id)
			return &eps[i];
	memset(&eps[*neps], 0, sizeof(eps[0]));
	eps[*neps].id = id;
	return &eps[(*neps)++];
}

static int
ep_cmp(const void *a, const void *b)
{
	const struct kc_ep_sum *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static struct kc_param
p_time(long long ms, char *buf, size_t cap)
{
	if (ms <= 0 || kc_time_db_at(ms, buf, cap) != 0)
		return kc_p_str(NULL);
	return kc_p_str(buf);
}

/* The receiver's Retry-After in ms, as we honour it: capped, and never
 * sooner than a second, whatever the cap. -1 when it gave none. */
long long
kc_record_retry_after_ms(const struct kc_config *cfg,
			 const struct kc_send_req *q)
{
	long long delay = q->retry_after;

	if (q->ok || delay < 0)
		return -1;
	if (delay > cfg->retry_after_max)
		delay = cfg->retry_after_max;
	if (delay < 1)
		delay = 1;
	return delay * 1000;
}

/* Why a delivery failed, as recorded; NULL when it was delivered. */
static const char *
error_of(const struct kc_outcome *it)
{
	if (!it->live && it->deleted)
		return "endpoint deleted: not sent";
	if (!it->live)
		return "endpoint disabled: not sent (replay it once the "
		       "endpoint is enabled again)";
	return it->req.ok ? NULL : it->req.error;
}

/* A time member, or JSON null for none. */
static json_t *
j_time(long long ms)
{
	char t[KC_TIME_MAX];

	if (ms <= 0 || kc_time_db_at(ms, t, sizeof(t)) != 0)
		return json_null();
	return json_string(t);
}

/* The answer's kept bytes as a JSON string. They are UTF-8 already
 * (kc_send.c); should the JSON library still refuse them, as ASCII. */
static json_t *
j_snippet(const struct kc_send_req *q)
{
	json_t *v = json_stringn(q->snippet, q->snippet_len);
	char *a;
	size_t i;

	if (v != NULL || (a = malloc(q->snippet_len + 1)) == NULL)
		return v;
	for (i = 0; i < q->snippet_len; i++)
		a[i] =
		    (unsigned char)q->snippet[i] < 0x80 ? q->snippet[i] : '?';
	v = json_stringn(a, q->snippet_len);
	free(a);
	return v;
}

/* Runs statement id with the JSON text of v (borrowed). */
static int
exec_json(struct kc_recorder *d, enum kc_sql id, const json_t *v,
	  struct kc_rows **rows)
{
	char *text = json_dumps(v, JSON_COMPACT);
	int rc = -1;

	if (text != NULL)
		rc = rows
			 ? kc_db_query(d->db, id, KC_ARGS(kc_p_str(text)), rows)
			 : kc_db_exec(d->db, id, KC_ARGS(kc_p_str(text)), NULL,
				      NULL);
	free(text);
	return rc;
}

/* Writes the batch's outcomes: each delivery's new state and, if it was
 * tried, the attempt, three statements for the whole batch. Only while
 * the lease is still ours: a worker that outlived its lease records
 * nothing for that delivery (it->lost), since it is another worker's now
 * and will be tried, and recorded, again. The rows are locked first, so
 * what was read of their lease still holds when they are written. */
static int
record_all(struct kc_recorder *d, struct kc_outcome **its, size_t n)
{
	json_t *ids = json_array(), *res = json_array(), *att = json_array();
	struct kc_rows *r = NULL;
	size_t i, k, nres = 0, natt = 0;
	int rc = -1;

	if (ids == NULL || res == NULL || att == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		its[i]->lost = 1;
		if (json_array_append_new(ids, json_pack("{s:I, s:s}", "id",
							 (json_int_t)its[i]->id,
							 "o", its[i]->owner)) !=
		    0)
			goto out;
	}
	if (exec_json(d, KC_SQL_DELIVERY_RECORD_LOCK, ids, &r) != 0)
		goto out;
	for (k = 0; k < r->nrows; k++)
		for (i = 0; i < n; i++)
			if (its[i]->id == kc_rows_int(r, k, 0))
				its[i]->lost = !kc_rows_int(r, k, 1);
	kc_sender_pump(d->sender);
	for (i = 0; i < n; i++) {
		const struct kc_outcome *it = its[i];
		const struct kc_send_req *q = &it->req;
		long long tries = it->attempts + (it->live ? 1 : 0);
		const char *error = error_of(it);

		if (it->lost)
			continue;
		if (json_array_append_new(
			res, json_pack(
				 "{s:I, s:s, s:s, s:I, s:o, s:o, s:o, s:s?, "
				 "s:o}",
				 "id", (json_int_t)it->id, "o", it->owner, "st",
				 it->status, "n", (json_int_t)tries, "nx",
				 j_time(it->next_ms), "sa",
				 j_time(it->live ? q->started_ms : 0), "c",
				 it->live && q->status ? json_integer(q->status)
						       : json_null(),
				 "e", error, "da",
				 j_time(q->ok ? it->ended_ms : 0))) != 0)
			goto out;
		nres++;
		if (!it->live)
			continue;
		if (json_array_append_new(
			att,
			json_pack(
			    "{s:I, s:I, s:I, s:I, s:o, s:I, s:o, s:s?, "
			    "s:i, s:o}",
			    "d", (json_int_t)it->id, "b",
			    (json_int_t)it->business_id, "ep",
			    (json_int_t)it->endpoint_id, "n", (json_int_t)tries,
			    "sa", j_time(q->started_ms), "ms",
			    (json_int_t)q->duration_ms, "c",
			    q->status ? json_integer(q->status) : json_null(),
			    "e", error, "ok", q->ok, "s", j_snippet(q))) != 0)
			goto out;
		natt++;
	}
	if (nres > 0 && exec_json(d, KC_SQL_DELIVERY_RESULT, res, NULL) != 0)
		goto out;
	kc_sender_pump(d->sender);
	if (natt > 0 && exec_json(d, KC_SQL_ATTEMPT_INSERT, att, NULL) != 0)
		goto out;
	rc = 0;
out:
	json_decref(ids);
	json_decref(res);
	json_decref(att);
	kc_rows_free(r);
	return rc;
}

static void
summarize(const struct kc_recorder *d, struct kc_outcome **its, size_t n,
	  struct kc_ep_sum *eps, size_t *neps)
{
	long long pause;
	size_t i;

	for (i = 0; i < n; i++) {
		struct kc_ep_sum *e;

		if (its[i]->lost)
			continue;
		e = ep_find(eps, neps, its[i]->endpoint_id);
		e->recorded++;
		if (strcmp(its[i]->status, "dead") == 0)
			e->ndead++;
		if (!its[i]->live)
			continue;
		/* A 429 or 503 that says when: the whole endpoint waits. */
		if ((pause = kc_record_retry_after_ms(d->cfg, &its[i]->req)) >=
			0 &&
		    its[i]->ended_ms + pause > e->pause_ms)
			e->pause_ms = its[i]->ended_ms + pause;
		if (its[i]->req.ok) {
			e->had_success = 1;
			if (its[i]->ended_ms > e->last_success_ms)
				e->last_success_ms = its[i]->ended_ms;
			continue;
		}
		e->nfail++;
		if (its[i]->req.status == 410)
			e->gone = 1;
		if (e->first_fail_ms == 0 ||
		    its[i]->ended_ms < e->first_fail_ms)
			e->first_fail_ms = its[i]->ended_ms;
		if (its[i]->ended_ms > e->last_fail_ms)
			e->last_fail_ms = its[i]->ended_ms;
	}
	/* The streak an endpoint is left with: the failures after its last
	 * success in this batch. */
	for (i = 0; i < n; i++) {
		struct kc_ep_sum *e;

		if (its[i]->lost || !its[i]->live || its[i]->req.ok)
			continue;
		e = ep_find(eps, neps, its[i]->endpoint_id);
		if (!e->had_success || its[i]->ended_ms < e->last_success_ms)
			continue;
		e->trailing++;
		if (e->first_trailing_ms == 0 ||
		    its[i]->ended_ms < e->first_trailing_ms)
			e->first_trailing_ms = its[i]->ended_ms;
	}
}

/* Outcomes by endpoint, then in the order they ended: the breaker takes
 * them one after another. */
static int
item_cmp(const void *a, const void *b)
{
	const struct kc_outcome *x = *(struct kc_outcome *const *)a,
				*y = *(struct kc_outcome *const *)b;

	if (x->endpoint_id != y->endpoint_id)
		return (x->endpoint_id > y->endpoint_id) -
		       (x->endpoint_id < y->endpoint_id);
	return (x->ended_ms > y->ended_ms) - (x->ended_ms < y->ended_ms);
}

/* The endpoint's breaker, locked, taken through its outcomes of this
 * batch (its[] sorted by item_cmp). 1: the row stayed locked by another
 * transaction, nothing to write. */
static int
run_breaker(struct kc_recorder *d, struct kc_ep_sum *e, struct kc_outcome **its,
	    size_t n, struct kc_breaker *b)
{
	struct kc_rows *r;
	size_t i;
	int t;

	memset(b, 0, sizeof(*b));
	if (kc_db_query(d->db, KC_SQL_ENDPOINT_BREAKER_LOCK,
			KC_ARGS(kc_p_int(e->id)), &r) != 0) {
		/* Held for more than a second (a transaction that does not
		 * end): the outcomes are recorded without this endpoint's
		 * health rather than not at all. */
		if (kc_db_errno(d->db) != KC_ER_LOCK_WAIT_TIMEOUT)
			return -1;
		kc_warn("endpoint %lld is locked: its health misses a batch",
			e->id);
		return 1;
	}
	if (r->nrows == 1) {
		b->open = (int)kc_rows_int(r, 0, 0);
		b->failures = kc_rows_int(r, 0, 1);
		b->opens = kc_rows_int(r, 0, 2);
		b->opened_ms = kc_rows_int(r, 0, 3);
		b->until_ms = kc_rows_int(r, 0, 4);
	}
	kc_rows_free(r);
	e->opened = e->recovered = 0;
	for (i = 0; i < n; i++) {
		if (its[i]->endpoint_id != e->id || its[i]->lost ||
		    !its[i]->live)
			continue;
		t = kc_breaker_apply(b, kc_breaker_verdict(&its[i]->req),
				     its[i]->probe, its[i]->ended_ms, d->cfg);
		if (t == KC_BREAKER_OPENED)
			e->opened = 1;
		else if (t == KC_BREAKER_RECOVERED)
			e->recovered = 1;
	}
	e->open = b->open;
	return 0;
}

/* Health and breaker per endpoint, then their queues, each in id order:
 * the order every transaction locks endpoint and queue rows in
 * (kc_queue.c), so none waits on another in a circle. Disabling and the
 * breaker's events come after the commit (disable_failing). */
static int
update_health(struct kc_recorder *d, struct kc_ep_sum *eps, size_t neps,
	      struct kc_outcome **its, size_t n)
{
	char t1[KC_TIME_MAX], t2[KC_TIME_MAX], t3[KC_TIME_MAX], t4[KC_TIME_MAX],
	    t5[KC_TIME_MAX], t6[KC_TIME_MAX];
	struct kc_breaker b;
	size_t i;
	int rc;

	qsort(eps, neps, sizeof(eps[0]), ep_cmp);
	for (i = 0; i < neps; i++) {
		struct kc_ep_sum *e = &eps[i];

		if ((rc = run_breaker(d, e, its, n, &b)) == 1)
			continue;
		if (rc != 0 ||
		    kc_db_exec(
			d->db, KC_SQL_ENDPOINT_HEALTH,
			KC_ARGS(kc_p_int(e->had_success), kc_p_int(e->trailing),
				kc_p_int(e->nfail), kc_p_int(e->had_success),
				p_time(e->first_trailing_ms, t1, sizeof(t1)),
				p_time(e->first_fail_ms, t2, sizeof(t2)),
				p_time(e->last_success_ms, t3, sizeof(t3)),
				p_time(e->last_fail_ms, t4, sizeof(t4)),
				kc_p_int(e->ndead),
				kc_p_str(b.open ? "open" : "closed"),
				kc_p_int(b.failures), kc_p_int(b.opens),
				p_time(b.opened_ms, t5, sizeof(t5)),
				p_time(b.open ? b.until_ms : 0, t6, sizeof(t6)),
				/* Told after the commit (or, should
				 * the worker die first, later). */
				kc_p_str(!e->opened && !e->recovered ? NULL
					 : b.open                    ? "opened"
						  : "recovered"),
				kc_p_int(e->id)),
			NULL, NULL) != 0)
			return -1;
	}
	for (i = 0; i < neps; i++) {
		if (kc_queue_recorded(d->db, eps[i].id, eps[i].pause_ms,
				      eps[i].recorded) == 0)
			continue;
		/* Held for more than a second: its count of deliveries in
		 * flight stays high until a claim counts them (or kcctl
		 * maintain repairs it), and it is looked at when its lease
		 * would have ended. */
		if (kc_db_errno(d->db) != KC_ER_LOCK_WAIT_TIMEOUT)
			return -1;
		kc_warn("endpoint %lld's queue is locked: left as it is",
			eps[i].id);
	}
	return 0;
}

/* The batch's outcomes in one transaction. A deadlock or a lock wait
 * timeout (another transaction touched an endpoint row) is retried: every
 * write is guarded by the lease, so running them again is safe. */
int
kc_record_batch(struct kc_recorder *d, struct kc_outcome **its, size_t n,
		struct kc_ep_sum *eps, size_t *neps)
{
	unsigned err;
	int round;

	qsort(its, n, sizeof(its[0]), item_cmp);
	for (round = 0; round < 3; round++) {
		*neps = 0;
		if (kc_db_begin(d->db) != 0)
			return -1;
		/* The transfers still out must not stand still while the
		 * database works (record_all moves them along): their time
		 * limit is running. */
		if (record_all(d, its, n) != 0)
			goto again;
		summarize(d, its, n, eps, neps);
		if (update_health(d, eps, *neps, its, n) == 0 &&
		    kc_db_commit(d->db) == 0)
			return 0;
	again:
		err = kc_db_errno(d->db);
		kc_db_rollback(d->db);
		if (err != KC_ER_LOCK_DEADLOCK &&
		    err != KC_ER_LOCK_WAIT_TIMEOUT)
			return -1;
		kc_info("recording a batch met a lock conflict (%u); again",
			err);
	}
	return -1;
}

/* The endpoint's untold breaker transition as an event to the business's
 * other endpoints, in a small transaction (its inserts lock the
 * business's rows, like disable_failing's) that also marks it told. 1 if
 * there was one. */
static int
tell_breaker(struct kc_recorder *d, long long id)
{
	struct kc_rows *r = NULL;
	int opened, rc;

	if (d->sender)
		kc_sender_pump(d->sender);
	if (kc_db_begin(d->db) != 0)
		return -1;
	if (kc_db_query(d->db, KC_SQL_ENDPOINT_BREAKER_PENDING_LOCK,
			KC_ARGS(kc_p_int(id)), &r) != 0)
		goto fail;
	if (r->nrows == 0) {
		kc_rows_free(r);
		return kc_db_commit(d->db) == 0 ? 0 : -1;
	}
	opened = strcmp(kc_rows_get(r, 0, 0), "opened") == 0;
	kc_rows_free(r);
	/* A deleted endpoint tells nothing (KC_NOTFOUND), and is done. */
	if ((rc = kc_endpoint_breaker_event(d->db, id, opened)) < 0 &&
	    rc != KC_NOTFOUND)
		goto fail;
	if (kc_db_exec(d->db, KC_SQL_ENDPOINT_BREAKER_TOLD,
		       KC_ARGS(kc_p_int(id)), NULL, NULL) != 0 ||
	    kc_db_commit(d->db) != 0)
		goto fail;
	kc_info("endpoint %lld: circuit breaker %s", id,
		opened ? "opened" : "closed");
	return 1;
fail:
	kc_db_rollback(d->db);
	kc_warn("could not tell of endpoint %lld's circuit breaker", id);
	return -1;
}

/* After the batch committed: the breakers it changed, told. Should the
 * worker die first, the transition stays marked for
 * kc_record_untold_breakers. */
void
kc_record_breaker_events(struct kc_recorder *d, const struct kc_ep_sum *eps,
			 size_t neps)
{
	size_t i;

	for (i = 0; i < neps; i++)
		if (eps[i].opened || eps[i].recovered)
			(void)tell_breaker(d, eps[i].id);
}

int
kc_record_untold_breakers(struct kc_recorder *d, long long *told)
{
	struct kc_rows *r;
	size_t i;
	int rc = 0, one;

	if (kc_db_query(d->db, KC_SQL_ENDPOINT_BREAKER_UNTOLD, NULL, 0, &r) !=
	    0)
		return -1;
	for (i = 0; i < r->nrows; i++) {
		if ((one = tell_breaker(d, kc_rows_int(r, i, 0))) < 0)
			rc = -1;
		else
			*told += one;
	}
	kc_rows_free(r);
	return rc;
}
