/* Per-endpoint delivery queues, so that one business's broken or slow
 * receiver never delays another's webhooks.
 *
 * Each endpoint has a row in delivery_queues whose due_at says when a
 * worker should look at it (NULL: nothing owed). A claim takes the
 * endpoints whose time has come, longest waiting first, and from each at
 * most its share of the free slots and never past its limits; an endpoint
 * with more to send goes to the back of the line (due_at = now), so every
 * due endpoint gets its turn, whatever another has piled up.
 *
 * No wake-up is lost. Whatever makes a delivery owed (kc_event_wake) reads
 * the queue row with a shared lock after writing the delivery, and when
 * the row says nothing is due it inserts a wake-up (insert only: no row
 * two ingests could both wait on). A worker decides "nothing more is due
 * here" (due_at = the earliest the endpoint owes, or NULL) only while it
 * holds the row's exclusive lock, which waits for every ingest holding the
 * shared lock to commit, so its MIN over the deliveries sees their rows;
 * an ingest that comes later waits for the worker's commit, then sees its
 * due_at and leaves a wake-up. Each claim first turns the committed
 * wake-ups into due queues (one still being written is locked by its
 * transaction, skipped, and taken by a later claim).
 *
 * Limits hold across workers. Every claim of an endpoint happens under
 * its queue row's exclusive lock and commits its leases; the next reads
 * the committed deliveries in flight and the committed token bucket. So
 * several workers together never exceed max_in_flight or the rate.
 *
 * Lock order, so that nothing waits in a circle: endpoint rows, then queue
 * rows, each in id order. Ingest locks its endpoints (the deliveries'
 * foreign keys) and then their queues; recording an outcome updates the
 * endpoint's health and breaker, then its queue; a claim locks queue rows
 * only (it reads the endpoint without a lock and never writes it).
 *
 * A claim costs O(endpoints looked at + deliveries claimed), whatever the
 * backlog: every statement is an index range of one endpoint. */
#include "kc_queue.h"
#include "kc_limits.h"
#include "kc_log.h"
#include "kc_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Endpoints looked at per claim, at most: enough to fill a batch with a
 * few each, few enough that the claim's transaction stays short. */
#define KC_QUEUE_CANDIDATES 64
/* Wake-ups turned into due queues per claim, at most. */
#define KC_QUEUE_WAKEUPS 1000

static struct kc_param
p_ms(long long ms, char *buf, size_t cap)
{
	if (ms <= 0 || kc_time_db_at(ms, buf, cap) != 0)
		return kc_p_str(NULL);
	return kc_p_str(buf);
}

struct wake {
	long long endpoint, business;
};

static int
wake_cmp(const void *a, const void *b)
{
	const struct wake *x = a, *y = b;

	return (x->endpoint > y->endpoint) - (x->endpoint < y->endpoint);
}

/* The committed wake-ups become due queues, in their own short
 * transaction (one row per endpoint, in endpoint order). */
static int
take_wakeups(struct kc_db *db, long long only_business)
{
	struct kc_rows *r = NULL;
	struct kc_buf qs, ids;
	struct wake *w = NULL;
	size_t i, n = 0;
	int rc = -1;

	kc_buf_init(&qs, 1024 * 1024);
	kc_buf_init(&ids, 1024 * 1024);
	if (kc_db_begin(db) != 0)
		goto out;
	if ((only_business
		 ? kc_db_query(db, KC_SQL_WAKEUP_TAKE_BUSINESS,
			       KC_ARGS(kc_p_int(only_business),
				       kc_p_int(KC_QUEUE_WAKEUPS)),
			       &r)
		 : kc_db_query(db, KC_SQL_WAKEUP_TAKE,
			       KC_ARGS(kc_p_int(KC_QUEUE_WAKEUPS)), &r)) != 0)
		goto fail;
	if (r->nrows == 0) {
		rc = kc_db_commit(db);
		goto out;
	}
	if ((w = calloc(r->nrows, sizeof(*w))) == NULL)
		goto fail;
	for (i = 0; i < r->nrows; i++) {
		w[i].endpoint = kc_rows_int(r, i, 1);
		w[i].business = kc_rows_int(r, i, 2);
	}
	qsort(w, r->nrows, sizeof(*w), wake_cmp);
	if (kc_buf_putc(&qs, '[') != 0)
		goto fail;
	for (i = 0; i < r->nrows; i++) {
		if (i > 0 && w[i].endpoint == w[i - 1].endpoint)
			continue;
		if (kc_buf_printf(&qs, "%s[%lld,%lld]", n++ ? "," : "",
				  w[i].endpoint, w[i].business) != 0)
			goto fail;
	}
	if (kc_buf_putc(&qs, ']') != 0 || kc_rows_ids_json(r, &ids) != 0 ||
	    kc_db_exec(db, KC_SQL_QUEUE_WAKE,
		       KC_ARGS(kc_p_strn(qs.data, qs.len)), NULL, NULL) != 0 ||
	    kc_db_exec(db, KC_SQL_WAKEUP_DELETE,
		       KC_ARGS(kc_p_strn(ids.data, ids.len)), NULL,
		       NULL) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	kc_db_rollback(db);
out:
	free(w);
	kc_rows_free(r);
	kc_buf_free(&qs);
	kc_buf_free(&ids);
	return rc;
}

static int
id_cmp(const void *a, const void *b)
{
	const long long *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* The endpoint's limits as the claim sees them; 1 if its queue is still
 * due (another worker may have taken its turn meanwhile), with the row
 * locked. */
static int
read_endpoint(struct kc_db *db, long long ep, struct kc_limits_in *in,
	      long long *now_ms)
{
	struct kc_rows *q = NULL, *w = NULL;
	const char *s;
	int rc = -1;

	memset(in, 0, sizeof(*in));
	if (kc_db_query(db, KC_SQL_QUEUE_LOCK, KC_ARGS(kc_p_int(ep)), &q) != 0)
		goto out;
	if (q->nrows == 0 || !kc_rows_int(q, 0, 0)) {
		rc = 0;
		goto out;
	}
	in->paused_until_ms = kc_rows_int(q, 0, 1);
	s = kc_rows_get(q, 0, 2);
	in->tokens = s ? strtod(s, NULL) : 0;
	in->tokens_at_ms = kc_rows_int(q, 0, 3);
	*now_ms = kc_rows_int(q, 0, 4);
	if (kc_db_query(db, KC_SQL_QUEUE_ENDPOINT, KC_ARGS(kc_p_int(ep)), &w) !=
	    0)
		goto out;
	/* No endpoint row (a queue made from a stray wake-up): nothing can
	 * be owed to it, and the claim finds nothing. */
	if (w->nrows == 1) {
		in->live = (int)kc_rows_int(w, 0, 0);
		in->rate = kc_rows_int(w, 0, 1);
		in->max_in_flight = kc_rows_int(w, 0, 2);
		in->open = (int)kc_rows_int(w, 0, 3);
		in->breaker_until_ms = kc_rows_int(w, 0, 4);
		in->in_flight = kc_rows_int(w, 0, 5);
		in->in_flight_end_ms = kc_rows_int(w, 0, 6);
	}
	rc = 1;
out:
	kc_rows_free(q);
	kc_rows_free(w);
	return rc;
}

/* One endpoint's turn, inside the claim's transaction: *n leased, *more
 * when only its share of the slots stopped it. */
static int
claim_endpoint(struct kc_db *db, struct kc_claim *c, long long ep,
	       long long share, long long *n, int *more)
{
	char due_s[KC_TIME_MAX], at_s[KC_TIME_MAX], tok_s[32];
	struct kc_limits_in in;
	struct kc_plan p;
	struct kc_rows *r = NULL;
	struct kc_buf ids;
	long long now_ms = 0, due, tokens_at;
	double tokens;
	int owed_min, rc;

	*n = 0;
	*more = 0;
	kc_buf_init(&ids, 64 * 1024);
	if ((rc = read_endpoint(db, ep, &in, &now_ms)) <= 0)
		goto out;
	rc = -1;
	kc_limits_plan(&in, now_ms, share, &p);
	if (p.quota > 0) {
		if (kc_db_query(db, KC_SQL_DELIVERY_CLAIM,
				KC_ARGS(kc_p_int(ep), kc_p_int(p.quota)),
				&r) != 0)
			goto out;
		*n = (long long)r->nrows;
		if (*n > 0 &&
		    (kc_rows_ids_json(r, &ids) != 0 ||
		     kc_db_exec(db, KC_SQL_DELIVERY_LEASE,
				KC_ARGS(kc_p_strn(ids.data, ids.len),
					kc_p_str(c->owner), kc_p_int(c->lease),
					kc_p_int(c->lease)),
				NULL, NULL) != 0 ||
		     kc_buf_printf(c->ids, "%s%.*s", c->claimed ? "," : "",
				   (int)(ids.len - 2), ids.data + 1) != 0))
			goto out;
		c->claimed += *n;
	}
	due = kc_limits_due(&in, &p, *n, now_ms, c->lease * 1000, &owed_min);
	if (owed_min) {
		/* Everything due was taken: the earliest it owes, leases of
		 * what is in flight included, so a dead worker's claims come
		 * back. NULL when it owes nothing. */
		kc_rows_free(r);
		r = NULL;
		if (kc_db_query(db, KC_SQL_DELIVERY_OWED_MIN,
				KC_ARGS(kc_p_int(ep)), &r) != 0)
			goto out;
		due = kc_rows_int(r, 0, 0);
	} else if (due == now_ms)
		*more = 1;
	/* The bucket moves only when the rate was applied. */
	tokens = in.tokens;
	tokens_at = in.tokens_at_ms;
	if (in.live && in.rate > 0 && p.hold_until_ms == 0) {
		tokens = p.level - (double)*n;
		tokens_at = now_ms;
	}
	snprintf(tok_s, sizeof(tok_s), "%.6f", tokens < 0 ? 0 : tokens);
	if (kc_db_exec(db, KC_SQL_QUEUE_SET,
		       KC_ARGS(p_ms(due, due_s, sizeof(due_s)), kc_p_str(tok_s),
			       p_ms(tokens_at, at_s, sizeof(at_s)),
			       kc_p_int(ep)),
		       NULL, NULL) != 0)
		goto out;
	rc = 0;
out:
	kc_rows_free(r);
	kc_buf_free(&ids);
	return rc < 0 ? -1 : 0;
}

int
kc_queue_claim(struct kc_db *db, struct kc_claim *c)
{
	struct kc_rows *r = NULL;
	long long *eps = NULL, left = c->room, limit, n;
	size_t i, m;
	int more;

	c->claimed = 0;
	c->endpoints = 0;
	c->more = 0;
	if (kc_buf_putc(c->ids, '[') != 0 ||
	    take_wakeups(db, c->only_business) != 0)
		return -1;
	limit = c->room < KC_QUEUE_CANDIDATES ? c->room : KC_QUEUE_CANDIDATES;
	if ((c->only_business
		 ? kc_db_query(
		       db, KC_SQL_QUEUE_DUE_BUSINESS,
		       KC_ARGS(kc_p_int(c->only_business), kc_p_int(limit)), &r)
		 : kc_db_query(db, KC_SQL_QUEUE_DUE, KC_ARGS(kc_p_int(limit)),
			       &r)) != 0)
		return -1;
	m = r->nrows;
	if (m == 0) {
		kc_rows_free(r);
		return kc_buf_putc(c->ids, ']');
	}
	/* A full list: more endpoints may be waiting behind these. */
	c->more = (long long)m == limit;
	if ((eps = calloc(m, sizeof(*eps))) == NULL) {
		kc_rows_free(r);
		return -1;
	}
	for (i = 0; i < m; i++)
		eps[i] = kc_rows_int(r, i, 0);
	kc_rows_free(r);
	/* In id order, as every worker: none waits for another's row while
	 * holding one that other wants. */
	qsort(eps, m, sizeof(*eps), id_cmp);
	if (kc_db_begin(db) != 0)
		goto fail;
	for (i = 0; i < m && left > 0; i++) {
		/* The free slots shared among the endpoints still to come,
		 * so one that is held or limited leaves its part to them. */
		long long share =
		    (left + (long long)(m - i) - 1) / (long long)(m - i);

		if (claim_endpoint(db, c, eps[i], share, &n, &more) != 0)
			goto rollback;
		c->endpoints++;
		left -= n;
		c->more |= more;
	}
	if (i < m)
		c->more = 1; /* the slots ran out before the endpoints */
	if (kc_db_commit(db) != 0)
		goto rollback;
	free(eps);
	return kc_buf_putc(c->ids, ']');
rollback:
	kc_db_rollback(db);
fail:
	free(eps);
	c->claimed = 0;
	return -1;
}

int
kc_queue_recorded(struct kc_db *db, long long endpoint_id,
		  long long pause_until_ms)
{
	char t[KC_TIME_MAX];
	struct kc_param p = p_ms(pause_until_ms, t, sizeof(t));

	return kc_db_exec(db, KC_SQL_QUEUE_RECORDED,
			  KC_ARGS(p, p, p, kc_p_int(endpoint_id)), NULL, NULL);
}

int
kc_queue_any_due(struct kc_db *db, long long only_business, int *due)
{
	struct kc_rows *r;

	if ((only_business
		 ? kc_db_query(db, KC_SQL_DELIVERY_ANY_DUE_BUSINESS,
			       KC_ARGS(kc_p_int(only_business),
				       kc_p_int(only_business)),
			       &r)
		 : kc_db_query(db, KC_SQL_DELIVERY_ANY_DUE, NULL, 0, &r)) != 0)
		return -1;
	*due = kc_rows_int(r, 0, 0) != 0;
	kc_rows_free(r);
	return 0;
}
