#include "kc_deliver.h"
#include "kc_backoff.h"
#include "kc_buf.h"
#include "kc_crypto.h"
#include "kc_endpoint.h"
#include "kc_id.h"
#include "kc_limits.h"
#include "kc_log.h"
#include "kc_queue.h"
#include "kc_send.h"
#include "kc_sign.h"
#include "kc_time.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How often an idle worker looks for due deliveries. */
#define KC_DELIVER_POLL_MS 200

/* An endpoint's outcomes within one batch. */
struct ep_sum {
	long long id;
	int had_success, trailing, nfail, ndead, gone;
	long long last_success_ms, first_fail_ms, first_trailing_ms,
	    last_fail_ms;
	long long pause_ms; /* a Retry-After pauses the endpoint until then */
	long long recorded; /* outcomes written: no longer in flight */
	int opened, recovered, open; /* its breaker: what happened, and now */
};

/* One claimed delivery, from its claim until its outcome is recorded. It
 * owns copies of what it sends, since it outlives the claim's rows. */
struct item {
	int in_use;
	long long id, business_id, endpoint_id;
	unsigned attempts;
	int live;    /* the endpoint is enabled: send; else it goes dead */
	int deleted; /* not live because the endpoint was deleted */
	char owner[KC_ID_MAX]; /* the claim's lease */
	char msg_id[KC_ID_MAX];
	char sig[KC_SIGN_HEADER_MAX];
	char *url, *body;
	struct kc_send_req req;
	const char *status; /* delivered, failed, dead */
	long long ended_ms, next_ms;
	int lost; /* the lease had passed to another worker */
};

struct kc_deliverer {
	struct kc_db *db;
	const struct kc_config *cfg;
	long long only_business;
	struct kc_sender *sender;
	struct kc_actor actor;
	struct item *items; /* delivery_batch of them */
	size_t nitems;
	/* Finished, waiting to be recorded. */
	struct item **ready;
	size_t nready;
	struct ep_sum *eps;
	struct kc_send_req **done;
	long long next_claim_ms; /* monotonic; 0: claim when slots free */
	/* When each recently failing endpoint was last checked for
	 * disabling, so the check (a row lock) is not made every turn. */
	struct {
		long long id, at_ms;
	} checked[64];
};

int
kc_deliverer_new(struct kc_db *db, const struct kc_config *cfg,
		 long long only_business, struct kc_deliverer **out)
{
	struct kc_deliverer *d;
	size_t n = (size_t)cfg->delivery_batch;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -1;
	d->db = db;
	d->cfg = cfg;
	d->only_business = only_business;
	d->actor.type = "system";
	d->actor.id = "delivery-engine";
	d->nitems = n;
	d->items = calloc(n, sizeof(*d->items));
	d->ready = calloc(n, sizeof(*d->ready));
	d->eps = calloc(n, sizeof(*d->eps));
	d->done = calloc(n, sizeof(*d->done));
	if (d->items == NULL || d->ready == NULL || d->eps == NULL ||
	    d->done == NULL || kc_sender_new(cfg, &d->sender) != 0) {
		kc_deliverer_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

void
kc_deliverer_free(struct kc_deliverer *d)
{
	size_t i;

	if (d == NULL)
		return;
	/* Anything still in flight is abandoned here; its lease brings it
	 * back to another run. */
	kc_sender_free(d->sender);
	for (i = 0; d->items && i < d->nitems; i++) {
		free(d->items[i].url);
		free(d->items[i].body);
	}
	free(d->items);
	free(d->ready);
	free(d->eps);
	free(d->done);
	free(d);
}

size_t
kc_deliverer_in_flight(const struct kc_deliverer *d)
{
	return kc_sender_active(d->sender) + d->nready;
}

size_t
kc_deliverer_unrecorded(const struct kc_deliverer *d)
{
	return d->nready;
}

static struct item *
item_take(struct kc_deliverer *d)
{
	size_t i;

	for (i = 0; i < d->nitems; i++)
		if (!d->items[i].in_use) {
			memset(&d->items[i], 0, sizeof(d->items[i]));
			d->items[i].in_use = 1;
			d->items[i].req.retry_after = -1;
			return &d->items[i];
		}
	return NULL;
}

static void
item_release(struct item *it)
{
	free(it->url);
	free(it->body);
	memset(it, 0, sizeof(*it));
}

static double
unit_random(void)
{
	uint32_t v;

	if (kc_random_bytes(&v, sizeof(v)) != 0)
		return 0.5;
	return (double)v / 4294967296.0;
}

/* Claims up to limit (kc_queue.c: a fair share per endpoint, within its
 * limits): the deliveries are leased to owner and committed before any
 * sending, so a slow receiver never holds a database lock. ids gets
 * "[1,2,...]"; *more says whether more may be due already. */
static int
claim(struct kc_deliverer *d, const char *owner, long long limit,
      struct kc_buf *ids, int *n, int *more)
{
	struct kc_claim c = {0};
	long long t0 = kc_time_mono_ms();

	c.only_business = d->only_business;
	c.room = limit;
	c.owner = owner;
	c.lease = d->cfg->delivery_lease;
	c.ids = ids;
	*n = 0;
	*more = 0;
	if (kc_queue_claim(d->db, &c) != 0)
		return -1;
	*n = (int)c.claimed;
	*more = c.more;
	if (c.endpoints > 0)
		kc_debug("claimed %lld of %lld from %zu endpoints in %lld ms",
			 c.claimed, limit, c.endpoints, kc_time_mono_ms() - t0);
	return 0;
}

/* Signs one claimed row into its request, copying what it sends. The
 * endpoint's secrets are opened for this one signature and wiped. */
static int
prepare(struct kc_deliverer *d, const struct kc_rows *r, size_t i,
	struct item *it, long long now)
{
	char cur[80], prev[80];
	const char *ep = kc_rows_get(r, i, 5);
	size_t body_len = r->len[i * r->ncols + 12];
	int has_prev = 0, rc = -1;

	it->id = kc_rows_int(r, i, 0);
	it->business_id = kc_rows_int(r, i, 2);
	it->attempts = (unsigned)kc_rows_int(r, i, 3);
	it->endpoint_id = kc_rows_int(r, i, 4);
	it->live = (int)kc_rows_int(r, i, 7);
	it->deleted = (int)kc_rows_int(r, i, 13);
	snprintf(it->msg_id, sizeof(it->msg_id), "%s", kc_rows_get(r, i, 11));
	if (!it->live)
		return 0;
	if ((it->url = strdup(kc_rows_get(r, i, 6))) == NULL ||
	    (it->body = malloc(body_len + 1)) == NULL)
		return -1;
	memcpy(it->body, kc_rows_get(r, i, 12), body_len + 1);
	if (kc_endpoint_unseal(d->cfg->master_key, ep, kc_rows_get(r, i, 8),
			       cur) != 0)
		goto out;
	if (kc_rows_int(r, i, 10) &&
	    kc_endpoint_unseal(d->cfg->master_key, ep, kc_rows_get(r, i, 9),
			       prev) == 0)
		has_prev = 1;
	if (kc_sign_header(cur, has_prev ? prev : NULL, it->msg_id, now,
			   it->body, body_len, it->sig, sizeof(it->sig)) != 0)
		goto out;
	it->req.url = it->url;
	it->req.msg_id = it->msg_id;
	it->req.signature = it->sig;
	it->req.timestamp = now;
	it->req.body = it->body;
	it->req.body_len = body_len;
	rc = 0;
out:
	OPENSSL_cleanse(cur, sizeof(cur));
	OPENSSL_cleanse(prev, sizeof(prev));
	return rc;
}

static struct ep_sum *
ep_find(struct ep_sum *eps, size_t *neps, long long id)
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
	const struct ep_sum *x = a, *y = b;

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
static long long
retry_after_ms(const struct kc_deliverer *d, const struct kc_send_req *q)
{
	long long delay = q->retry_after;

	if (q->ok || delay < 0)
		return -1;
	if (delay > d->cfg->retry_after_max)
		delay = d->cfg->retry_after_max;
	if (delay < 1)
		delay = 1;
	return delay * 1000;
}

/* What one outcome means for its delivery: its new status and, for a
 * retry, when. Decided once per batch, before the writes, so a retried
 * write records the same decision. */
static void
decide(const struct kc_deliverer *d, struct item *it)
{
	const struct kc_send_req *q = &it->req;
	long long delay = -1;
	unsigned tries = it->attempts + 1;

	it->next_ms = 0;
	if (!it->live) {
		it->status = "dead";
		it->ended_ms = kc_time_now_ms();
		return;
	}
	it->ended_ms = q->started_ms + q->duration_ms;
	if (q->ok) {
		it->status = "delivered";
		return;
	}
	if (q->status != 410 && tries <= d->cfg->delivery_schedule_len) {
		if (q->retry_after >= 0) {
			delay = retry_after_ms(d, q);
		} else {
			delay =
			    kc_backoff_delay_ms(d->cfg->delivery_schedule,
						d->cfg->delivery_schedule_len,
						tries, unit_random());
		}
	}
	if (delay >= 0) {
		it->status = "failed";
		it->next_ms = it->ended_ms + delay;
	} else
		it->status = "dead";
}

/* Why a delivery failed, as recorded; NULL when it was delivered. */
static const char *
error_of(const struct item *it)
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
exec_json(struct kc_deliverer *d, enum kc_sql id, const json_t *v,
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
record_all(struct kc_deliverer *d, struct item **its, size_t n)
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
		const struct item *it = its[i];
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
summarize(const struct kc_deliverer *d, struct item **its, size_t n,
	  struct ep_sum *eps, size_t *neps)
{
	long long pause;
	size_t i;

	for (i = 0; i < n; i++) {
		struct ep_sum *e;

		if (its[i]->lost)
			continue;
		e = ep_find(eps, neps, its[i]->endpoint_id);
		e->recorded++;
		if (strcmp(its[i]->status, "dead") == 0)
			e->ndead++;
		if (!its[i]->live)
			continue;
		/* A 429 or 503 that says when: the whole endpoint waits. */
		if ((pause = retry_after_ms(d, &its[i]->req)) >= 0 &&
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
		struct ep_sum *e;

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
	const struct item *x = *(struct item *const *)a,
			  *y = *(struct item *const *)b;

	if (x->endpoint_id != y->endpoint_id)
		return (x->endpoint_id > y->endpoint_id) -
		       (x->endpoint_id < y->endpoint_id);
	return (x->ended_ms > y->ended_ms) - (x->ended_ms < y->ended_ms);
}

/* The endpoint's breaker, locked, taken through its outcomes of this
 * batch (its[] sorted by item_cmp). */
static int
run_breaker(struct kc_deliverer *d, struct ep_sum *e, struct item **its,
	    size_t n, struct kc_breaker *b)
{
	struct kc_rows *r;
	size_t i;
	int t;

	memset(b, 0, sizeof(*b));
	if (kc_db_query(d->db, KC_SQL_ENDPOINT_BREAKER_LOCK,
			KC_ARGS(kc_p_int(e->id)), &r) != 0)
		return -1;
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
				     its[i]->ended_ms, d->cfg);
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
update_health(struct kc_deliverer *d, struct ep_sum *eps, size_t neps,
	      struct item **its, size_t n)
{
	char t1[KC_TIME_MAX], t2[KC_TIME_MAX], t3[KC_TIME_MAX], t4[KC_TIME_MAX],
	    t5[KC_TIME_MAX], t6[KC_TIME_MAX];
	struct kc_breaker b;
	size_t i;

	qsort(eps, neps, sizeof(eps[0]), ep_cmp);
	for (i = 0; i < neps; i++) {
		struct ep_sum *e = &eps[i];

		if (run_breaker(d, e, its, n, &b) != 0 ||
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
				kc_p_int(e->id)),
			NULL, NULL) != 0)
			return -1;
	}
	for (i = 0; i < neps; i++)
		if (kc_queue_recorded(d->db, eps[i].id, eps[i].pause_ms,
				      eps[i].recorded) != 0)
			return -1;
	return 0;
}

/* The batch's outcomes in one transaction. A deadlock or a lock wait
 * timeout (another transaction touched an endpoint row) is retried: every
 * write is guarded by the lease, so running them again is safe. */
static int
record_batch(struct kc_deliverer *d, struct item **its, size_t n,
	     struct ep_sum *eps, size_t *neps)
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

/* 1 if the endpoint was checked for disabling in the last 10 s; else
 * notes that it is being checked now. */
static int
checked_lately(struct kc_deliverer *d, long long id)
{
	long long now = kc_time_mono_ms();
	size_t i, oldest = 0, n = sizeof(d->checked) / sizeof(d->checked[0]);

	for (i = 0; i < n; i++) {
		if (d->checked[i].id == id) {
			if (now - d->checked[i].at_ms < 10000)
				return 1;
			d->checked[i].at_ms = now;
			return 0;
		}
		if (d->checked[i].at_ms < d->checked[oldest].at_ms)
			oldest = i;
	}
	d->checked[oldest].id = id;
	d->checked[oldest].at_ms = now;
	return 0;
}

/* After the batch committed: each endpoint that answered 410 or has been
 * failing too long is disabled in its own small transaction, so the
 * audit row and the endpoint.disabled event (whose inserts lock the
 * business's rows) never share one with a batch. */
static void
disable_failing(struct kc_deliverer *d, const struct ep_sum *eps, size_t neps,
		struct kc_deliver_stats *st)
{
	char reason[160];
	size_t i;
	int rc;

	for (i = 0; i < neps; i++) {
		if (eps[i].nfail == 0 ||
		    (!eps[i].gone && checked_lately(d, eps[i].id)))
			continue;
		kc_sender_pump(d->sender);
		if (eps[i].gone)
			snprintf(reason, sizeof(reason),
				 "the receiver answered 410 Gone");
		else
			snprintf(reason, sizeof(reason),
				 "failing for more than %lld seconds",
				 d->cfg->endpoint_disable_after);
		if (kc_db_begin(d->db) != 0)
			return;
		rc = kc_endpoint_auto_disable(d->db, eps[i].id, reason,
					      d->cfg->endpoint_disable_after,
					      &d->actor, eps[i].gone);
		if (rc < 0 || kc_db_commit(d->db) != 0) {
			/* The next failure, or kcctl maintain, tries again. */
			kc_db_rollback(d->db);
			kc_warn("could not disable endpoint %lld", eps[i].id);
			continue;
		}
		if (rc == 0) {
			kc_info("endpoint %lld disabled: %s", eps[i].id,
				reason);
			st->disabled++;
		}
	}
}

/* After the batch committed, in a small transaction each (their inserts
 * lock the business's rows, like disable_failing's): the breaker's
 * transitions as events to the business's other endpoints. In the order
 * that leaves the last one saying how the breaker stands. */
static void
breaker_events(struct kc_deliverer *d, const struct ep_sum *eps, size_t neps)
{
	size_t i, k;
	int opened;

	for (i = 0; i < neps; i++) {
		for (k = 0; k < 2; k++) {
			opened = (k == 0) != eps[i].open;
			if (!(opened ? eps[i].opened : eps[i].recovered))
				continue;
			kc_sender_pump(d->sender);
			if (kc_db_begin(d->db) != 0)
				return;
			if (kc_endpoint_breaker_event(d->db, eps[i].id,
						      opened) < 0 ||
			    kc_db_commit(d->db) != 0) {
				kc_db_rollback(d->db);
				kc_warn("could not tell of endpoint %lld's "
					"circuit breaker",
					eps[i].id);
				continue;
			}
			kc_info("endpoint %lld: circuit breaker %s", eps[i].id,
				opened ? "opened" : "closed");
		}
	}
}

static void
count(struct item **its, size_t n, struct kc_deliver_stats *st)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (its[i]->lost)
			continue;
		if (strcmp(its[i]->status, "delivered") == 0)
			st->delivered++;
		else if (strcmp(its[i]->status, "failed") == 0)
			st->retrying++;
		else
			st->dead++;
	}
}

/* Claims as many due deliveries as there are free slots, signs them and
 * starts them; those that cannot go (endpoint disabled, cannot sign) are
 * finished at once. */
static int
refill(struct kc_deliverer *d, long long now, int *claimed)
{
	char owner[KC_ID_MAX];
	struct kc_buf ids;
	struct kc_rows *r = NULL;
	size_t i, room = kc_sender_free_slots(d->sender);
	int n, more, rc = -1;

	*claimed = 0;
	/* Items in use are those in flight and those finished but not yet
	 * recorded: only the rest can take a claim. */
	room = room > d->nready ? room - d->nready : 0;
	if (room == 0)
		return 0;
	kc_buf_init(&ids, 64 * 1024);
	if (kc_id_new("w", owner, sizeof(owner)) != 0 ||
	    claim(d, owner, (long long)room, &ids, &n, &more) != 0)
		goto out;
	/* Unless more is due already, the next look waits the idle poll
	 * (or an outcome, which may free an endpoint's place). */
	d->next_claim_ms = more ? 0 : kc_time_mono_ms() + KC_DELIVER_POLL_MS;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (kc_db_query(d->db, KC_SQL_DELIVERY_CLAIMED,
			KC_ARGS(kc_p_strn(ids.data, ids.len), kc_p_str(owner)),
			&r) != 0)
		goto out;
	for (i = 0; i < r->nrows; i++) {
		struct item *it = item_take(d);

		if (it == NULL)
			break; /* cannot happen: room counted free items */
		(*claimed)++;
		snprintf(it->owner, sizeof(it->owner), "%s", owner);
		if (prepare(d, r, i, it, now) != 0) {
			/* Cannot sign (a master key that changed?): tried
			 * and failed, visibly, rather than skipped. */
			it->req.started_ms = kc_time_now_ms();
			it->req.not_sent = 1;
			snprintf(it->req.error, sizeof(it->req.error),
				 "could not sign: the endpoint secret does "
				 "not open with this master_key");
			d->ready[d->nready++] = it;
			continue;
		}
		if (!it->live || kc_sender_start(d->sender, &it->req) != 0)
			d->ready[d->nready++] = it;
	}
	rc = 0;
out:
	kc_rows_free(r);
	kc_buf_free(&ids);
	return rc;
}

/* The item a finished request belongs to. */
static struct item *
item_of(struct kc_send_req *req)
{
	return (struct item *)(void *)((char *)req -
				       offsetof(struct item, req));
}

int
kc_deliverer_step(struct kc_deliverer *d, struct kc_deliver_stats *st,
		  int claim_more, int *claimed, int *finished)
{
	size_t i, n, neps = 0;
	long long t0 = kc_time_mono_ms();
	int rc = 0;

	*claimed = 0;
	*finished = 0;
	/* Refill when a quarter of the slots are free (or all are): a slot
	 * freed by a slow receiver's answer is filled without waiting for
	 * the others, and claims stay large enough to be cheap. */
	if (claim_more && kc_time_mono_ms() >= d->next_claim_ms &&
	    (kc_sender_active(d->sender) == 0 ||
	     kc_sender_free_slots(d->sender) * 4 >= d->nitems)) {
		if (refill(d, kc_time_now_ms() / 1000, claimed) != 0)
			rc = -1;
		st->claimed += *claimed;
	}
	/* A libcurl failure still leaves what is ready to be recorded. */
	if (kc_sender_wait(d->sender, d->nready ? 0 : 20, d->done, d->nitems,
			   &n) != 0) {
		rc = -1;
		n = 0;
	}
	for (i = 0; i < n; i++)
		d->ready[d->nready++] = item_of(d->done[i]);
	if (d->nready == 0)
		return rc;
	/* Decided once: outcomes kept through an outage are recorded with
	 * the decision made when they came back. */
	for (i = 0; i < d->nready; i++)
		if (d->ready[i]->status == NULL)
			decide(d, d->ready[i]);
	if (record_batch(d, d->ready, d->nready, d->eps, &neps) != 0) {
		/* While the database is away the outcomes wait for it (each
		 * write is guarded by its lease, so a late one is safe);
		 * otherwise they are dropped and their leases bring them
		 * back. */
		if (kc_db_unavailable(d->db))
			return -1;
		for (i = 0; i < d->nready; i++)
			item_release(d->ready[i]);
		d->nready = 0;
		return -1;
	}
	count(d->ready, d->nready, st);
	*finished = (int)d->nready;
	/* Their endpoints' queues are due again: places came free. Claimed
	 * at once when a quarter of what was out came back (or all of it);
	 * for fewer, a claim and its commit would buy a place or two, and
	 * the next turn or the idle poll comes soon enough. */
	if (d->nready * 4 >= d->nready + kc_sender_active(d->sender) ||
	    kc_sender_active(d->sender) == 0)
		d->next_claim_ms = 0;
	kc_debug("recorded %zu outcomes in %lld ms (%zu in flight)", d->nready,
		 kc_time_mono_ms() - t0, kc_sender_active(d->sender));
	for (i = 0; i < d->nready; i++)
		item_release(d->ready[i]);
	d->nready = 0;
	breaker_events(d, d->eps, neps);
	disable_failing(d, d->eps, neps, st);
	return rc;
}

int
kc_deliverer_any_due(struct kc_deliverer *d, int *due)
{
	return kc_queue_any_due(d->db, d->only_business, due);
}
