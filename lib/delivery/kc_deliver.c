#include "kc_deliver.h"
#include "kc_backoff.h"
#include "kc_buf.h"
#include "kc_crypto.h"
#include "kc_endpoint.h"
#include "kc_id.h"
#include "kc_log.h"
#include "kc_queue.h"
#include "kc_record.h"
#include "kc_send.h"
#include "kc_sign.h"
#include "kc_time.h"

#include <openssl/crypto.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How often an idle worker looks for due deliveries. */
#define KC_DELIVER_POLL_MS 200

struct kc_deliverer {
	struct kc_db *db;
	struct kc_recorder rec;
	const struct kc_config *cfg;
	long long only_business;
	struct kc_sender *sender;
	struct kc_actor actor;
	struct kc_outcome *items; /* delivery_batch of them */
	size_t nitems;
	/* Finished, waiting to be recorded. */
	struct kc_outcome **ready;
	size_t nready;
	struct kc_ep_sum *eps;
	struct kc_send_req **done;
	struct kc_claim_held *held; /* slots per business, for a claim */
	long long next_claim_ms;    /* monotonic; 0: claim when slots free */
	int told;                   /* a killed worker's breaker events sent */
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
	d->rec.db = db;
	d->rec.cfg = cfg;
	d->only_business = only_business;
	d->actor.type = "system";
	d->actor.id = "delivery-engine";
	d->nitems = n;
	d->items = calloc(n, sizeof(*d->items));
	d->ready = calloc(n, sizeof(*d->ready));
	d->eps = calloc(n, sizeof(*d->eps));
	d->done = calloc(n, sizeof(*d->done));
	d->held = calloc(n, sizeof(*d->held));
	if (d->items == NULL || d->ready == NULL || d->eps == NULL ||
	    d->done == NULL || d->held == NULL ||
	    kc_sender_new(cfg, &d->sender) != 0) {
		kc_deliverer_free(d);
		return -1;
	}
	d->rec.sender = d->sender;
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
	free(d->held);
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

static struct kc_outcome *
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
item_release(struct kc_outcome *it)
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

/* The items in use (in flight, or finished and not yet recorded) per
 * business, into d->held; returns how many businesses. */
static size_t
held_by_business(struct kc_deliverer *d)
{
	size_t i, k, n = 0;

	for (i = 0; i < d->nitems; i++) {
		if (!d->items[i].in_use)
			continue;
		for (k = 0; k < n; k++)
			if (d->held[k].business == d->items[i].business_id)
				break;
		if (k == n) {
			d->held[n].business = d->items[i].business_id;
			d->held[n++].n = 0;
		}
		d->held[k].n++;
	}
	return n;
}

static void
pump(void *sender)
{
	kc_sender_pump(sender);
}

/* Claims up to limit (kc_queue.c: a fair share per endpoint, within its
 * limits): the deliveries are leased to owner and committed before any
 * sending, so a slow receiver never holds a database lock. ids gets
 * "[1,2,...]"; *more says whether more may be due already. */
static int
claim(struct kc_deliverer *d, const char *owner, long long limit,
      struct kc_buf *ids, int *n, int *more, struct kc_claim *c_out)
{
	struct kc_claim c = {0};
	long long t0 = kc_time_mono_ms();

	c.only_business = d->only_business;
	c.room = limit;
	c.owner = owner;
	c.lease = d->cfg->delivery_lease;
	c.ids = ids;
	c.pump = pump;
	c.pump_ctx = d->sender;
	/* A worker for every business gives one business three quarters of
	 * its slots at most: a business whose receivers hang, however many
	 * due deliveries and endpoints it has, leaves the rest to the
	 * others' deliveries. A worker for one business gives it all. */
	if (d->only_business == 0) {
		c.biz_cap = (long long)d->nitems - (long long)d->nitems / 4;
		c.held = d->held;
		c.nheld = held_by_business(d);
	}
	*n = 0;
	*more = 0;
	if (kc_queue_claim(d->db, &c) != 0)
		return -1;
	*n = (int)c.claimed;
	*more = c.more;
	*c_out = c;
	if (c.endpoints > 0)
		kc_debug("claimed %lld of %lld from %zu endpoints in %lld ms",
			 c.claimed, limit, c.endpoints, kc_time_mono_ms() - t0);
	return 0;
}

/* Signs one claimed row into its request, copying what it sends. The
 * endpoint's secrets are opened for this one signature and wiped. */
static int
prepare(struct kc_deliverer *d, const struct kc_rows *r, size_t i,
	struct kc_outcome *it, long long now)
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

/* What one outcome means for its delivery: its new status and, for a
 * retry, when. Decided once per batch, before the writes, so a retried
 * write records the same decision. */
static void
decide(const struct kc_deliverer *d, struct kc_outcome *it)
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
			delay = kc_record_retry_after_ms(d->cfg, q);
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
disable_failing(struct kc_deliverer *d, const struct kc_ep_sum *eps,
		size_t neps, struct kc_deliver_stats *st)
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

static void
count(struct kc_outcome **its, size_t n, struct kc_deliver_stats *st)
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
	struct kc_claim c;
	size_t i, k, room = kc_sender_free_slots(d->sender);
	int n, more, rc = -1;

	*claimed = 0;
	/* Items in use are those in flight and those finished but not yet
	 * recorded: only the rest can take a claim. */
	room = room > d->nready ? room - d->nready : 0;
	if (room == 0)
		return 0;
	kc_buf_init(&ids, 64 * 1024);
	if (kc_id_new("w", owner, sizeof(owner)) != 0 ||
	    claim(d, owner, (long long)room, &ids, &n, &more, &c) != 0)
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
		struct kc_outcome *it = item_take(d);

		if (it == NULL)
			break; /* cannot happen: room counted free items */
		(*claimed)++;
		snprintf(it->owner, sizeof(it->owner), "%s", owner);
		for (k = 0; k < c.nprobes; k++)
			if (c.probes[k] == kc_rows_int(r, i, 4))
				it->probe = 1;
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
static struct kc_outcome *
item_of(struct kc_send_req *req)
{
	return (struct kc_outcome *)(void *)((char *)req -
					     offsetof(struct kc_outcome, req));
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
	/* Breaker transitions a killed worker never told: at the start, so
	 * cron's next run tells them within a minute. */
	if (!d->told) {
		long long told = 0;

		if (kc_record_untold_breakers(&d->rec, &told) == 0)
			d->told = 1;
	}
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
	if (kc_record_batch(&d->rec, d->ready, d->nready, d->eps, &neps) != 0) {
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
	kc_record_breaker_events(&d->rec, d->eps, neps);
	disable_failing(d, d->eps, neps, st);
	return rc;
}

int
kc_deliverer_any_due(struct kc_deliverer *d, int *due)
{
	return kc_queue_any_due(d->db, d->only_business, due);
}
