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
 * No wake-up is lost. Whatever makes a delivery owed (kc_event_wake)
 * inserts a wake-up in the transaction that writes the delivery, and
 * nothing else: ingest never reads or locks a queue row, so it never
 * waits for a worker, and transactions that emit several events lock no
 * queue rows out of order. Each claim first turns the committed wake-ups
 * into due queues (one still being written is locked by its transaction,
 * skipped, and taken by a later claim; so is one whose queue row another
 * worker holds). A worker that decided "nothing more is due here" without
 * seeing a delivery committed meanwhile meets its wake-up at a later
 * claim, since the two commit together.
 *
 * Limits hold across workers. Every claim of an endpoint happens under
 * its queue row's exclusive lock and commits its leases; the next reads
 * the committed count of deliveries in flight and the committed token
 * bucket. So several workers together never exceed max_in_flight or the
 * rate. The count lives on the queue row (raised by the claim that leases,
 * lowered by the recording of an outcome, both under that lock); when it
 * says the endpoint is full the deliveries are counted, since a dead
 * worker's leases stay counted there until their deliveries are taken
 * back.
 *
 * No worker waits for a lock for long. Only workers lock queue rows: a
 * claim skips a row another transaction holds (the endpoint stays due for
 * a later claim), wake-ups of a held row wait for a later turn, and the
 * recording of outcomes waits a second at most for a queue or endpoint
 * row (kc_record.c). Queue rows are locked in id order, endpoint rows
 * before queue rows.
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
	int release;
};

static int
wake_cmp(const void *a, const void *b)
{
	const struct wake *x = a, *y = b;

	return (x->endpoint > y->endpoint) - (x->endpoint < y->endpoint);
}

/* Whether e is in the sorted list l of n ids. */
static int
in_ids(const long long *l, size_t n, long long e)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l[mid] == e)
			return 1;
		if (l[mid] < e)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
ll_cmp(const void *a, const void *b)
{
	const long long *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* The ids of rows r (column 0), sorted. */
static long long *
sorted_ids(const struct kc_rows *r)
{
	long long *l = calloc(r->nrows + 1, sizeof(*l));
	size_t i;

	if (l == NULL)
		return NULL;
	for (i = 0; i < r->nrows; i++)
		l[i] = kc_rows_int(r, i, 0);
	qsort(l, r->nrows, sizeof(*l), ll_cmp);
	return l;
}

int
kc_queue_take_wakeups(struct kc_db *db, long long only_business,
		      long long *taken)
{
	struct kc_rows *r = NULL, *lk = NULL, *ms = NULL;
	struct kc_buf qs, ids, eps, rel;
	struct wake *w = NULL;
	long long *locked = NULL, *missing = NULL;
	size_t i, n = 0, nw = 0, nrel = 0;
	int any, rc = -1;

	*taken = 0;
	kc_buf_init(&rel, 1024 * 1024);
	kc_buf_init(&qs, 1024 * 1024);
	kc_buf_init(&ids, 1024 * 1024);
	kc_buf_init(&eps, 1024 * 1024);
	if ((only_business
		 ? kc_db_query(db, KC_SQL_WAKEUP_ANY_BUSINESS,
			       KC_ARGS(kc_p_int(only_business)), &r)
		 : kc_db_query(db, KC_SQL_WAKEUP_ANY, NULL, 0, &r)) != 0)
		goto out;
	any = kc_rows_int(r, 0, 0) != 0;
	kc_rows_free(r);
	r = NULL;
	if (!any) {
		rc = 0;
		goto out;
	}
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
		w[i].release = (int)kc_rows_int(r, i, 3);
	}
	qsort(w, r->nrows, sizeof(*w), wake_cmp);
	/* Every endpoint once, in id order. */
	if (kc_buf_putc(&eps, '[') != 0)
		goto fail;
	for (i = 0; i < r->nrows; i++) {
		if (i > 0 && w[i].endpoint == w[i - 1].endpoint)
			continue;
		if (kc_buf_printf(&eps, "%s%lld", n++ ? "," : "",
				  w[i].endpoint) != 0)
			goto fail;
	}
	/* The queue rows nobody else holds, and those that do not exist;
	 * the wake-ups of the others stay for a later turn. */
	if (kc_buf_putc(&eps, ']') != 0 ||
	    kc_db_query(db, KC_SQL_QUEUE_WAKE_LOCK,
			KC_ARGS(kc_p_strn(eps.data, eps.len)), &lk) != 0 ||
	    kc_db_query(db, KC_SQL_QUEUE_MISSING,
			KC_ARGS(kc_p_strn(eps.data, eps.len)), &ms) != 0 ||
	    (locked = sorted_ids(lk)) == NULL ||
	    (missing = sorted_ids(ms)) == NULL)
		goto fail;
	n = 0;
	if (kc_buf_putc(&qs, '[') != 0 || kc_buf_putc(&ids, '[') != 0 ||
	    kc_buf_putc(&rel, '[') != 0)
		goto fail;
	for (i = 0; i < r->nrows; i++) {
		long long e = kc_rows_int(r, i, 1);

		if (!in_ids(locked, lk->nrows, e) &&
		    !in_ids(missing, ms->nrows, e))
			continue;
		if (kc_buf_printf(&ids, "%s%lld", nw++ ? "," : "",
				  kc_rows_int(r, i, 0)) != 0)
			goto fail;
	}
	for (i = 0; i < r->nrows; i++) {
		if (i > 0 && w[i].endpoint == w[i - 1].endpoint)
			continue;
		if (!in_ids(locked, lk->nrows, w[i].endpoint) &&
		    !in_ids(missing, ms->nrows, w[i].endpoint))
			continue;
		if (kc_buf_printf(&qs, "%s[%lld,%lld]", n++ ? "," : "",
				  w[i].endpoint, w[i].business) != 0)
			goto fail;
	}
	/* Those a release wakes (any of their wake-ups), once each. */
	for (i = 0; i < r->nrows; i++) {
		if (!w[i].release ||
		    (i + 1 < r->nrows && w[i + 1].endpoint == w[i].endpoint &&
		     w[i + 1].release) ||
		    (!in_ids(locked, lk->nrows, w[i].endpoint) &&
		     !in_ids(missing, ms->nrows, w[i].endpoint)))
			continue;
		if (kc_buf_printf(&rel, "%s%lld", nrel++ ? "," : "",
				  w[i].endpoint) != 0)
			goto fail;
	}
	if (kc_buf_putc(&qs, ']') != 0 || kc_buf_putc(&ids, ']') != 0 ||
	    kc_buf_putc(&rel, ']') != 0)
		goto fail;
	if (nrel > 0 &&
	    kc_db_exec(db, KC_SQL_QUEUE_RELEASE,
		       KC_ARGS(kc_p_strn(rel.data, rel.len)), NULL, NULL) != 0)
		goto fail;
	if (n > 0 &&
	    (kc_db_exec(db, KC_SQL_QUEUE_WAKE,
			KC_ARGS(kc_p_strn(qs.data, qs.len)), NULL, NULL) != 0 ||
	     kc_db_exec(db, KC_SQL_WAKEUP_DELETE,
			KC_ARGS(kc_p_strn(ids.data, ids.len)), NULL,
			NULL) != 0))
		goto fail;
	if (kc_db_commit(db) != 0)
		goto fail;
	*taken = (long long)nw;
	rc = 0;
	goto out;
fail:
	/* A queue row being created by another worker at this moment: the
	 * wake-ups stay for the next turn. */
	if (kc_db_errno(db) == KC_ER_LOCK_WAIT_TIMEOUT)
		rc = 0;
	kc_db_rollback(db);
out:
	free(w);
	free(locked);
	free(missing);
	kc_rows_free(r);
	kc_rows_free(lk);
	kc_rows_free(ms);
	kc_buf_free(&qs);
	kc_buf_free(&ids);
	kc_buf_free(&eps);
	kc_buf_free(&rel);
	return rc;
}

static int
id_cmp(const void *a, const void *b)
{
	const long long *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* One endpoint looked at by a claim. */
struct cand {
	long long id;
	long long business; /* the endpoint's; 0: no endpoint row */
	int due; /* still due once locked (another claim may have had it) */
	struct kc_limits_in in;
	struct kc_plan p;
	long long counted; /* its queue's count of deliveries in flight */
	long long n;       /* claimed */
	long long crossed; /* taken, another business's: dead */
	long long due_ms;  /* when its queue is due again; 0: nothing owed */
	int owed_min;      /* took all that was due: due at what it owes */
	int planned;
	int capped; /* its business had all the slots it may hold */
};

static struct cand *
cand_find(struct cand *c, size_t m, long long id)
{
	size_t i;

	for (i = 0; i < m; i++)
		if (c[i].id == id)
			return &c[i];
	return NULL;
}

/* The candidates' ids as "[1,2,...]" (those with flag set, when flag is
 * given). */
static int
cand_ids(const struct cand *c, size_t m, int (*flag)(const struct cand *),
	 struct kc_buf *b)
{
	size_t i, n = 0;

	kc_buf_reset(b);
	if (kc_buf_putc(b, '[') != 0)
		return -1;
	for (i = 0; i < m; i++)
		if ((flag == NULL || flag(&c[i])) &&
		    kc_buf_printf(b, "%s%lld", n++ ? "," : "", c[i].id) != 0)
			return -1;
	return kc_buf_putc(b, ']');
}

static int
is_drained(const struct cand *c)
{
	return c->planned && c->owed_min;
}

/* Locks the candidates' queue rows that nobody else holds and reads their
 * limits (kc_sql.c: QUEUE_LOCK, QUEUE_ENDPOINTS). */
static int
read_candidates(struct kc_db *db, struct cand *c, size_t m,
		const struct kc_buf *ids, long long *now_ms)
{
	struct kc_rows *q = NULL, *w = NULL;
	struct cand *x;
	const char *s;
	size_t i;
	int rc = -1;

	if (kc_db_query(db, KC_SQL_QUEUE_LOCK,
			KC_ARGS(kc_p_strn(ids->data, ids->len)), &q) != 0)
		goto out;
	for (i = 0; i < q->nrows; i++) {
		if ((x = cand_find(c, m, kc_rows_int(q, i, 0))) == NULL)
			continue;
		x->due = (int)kc_rows_int(q, i, 1);
		x->in.paused_until_ms = kc_rows_int(q, i, 2);
		s = kc_rows_get(q, i, 3);
		x->in.tokens = s ? strtod(s, NULL) : 0;
		x->in.tokens_at_ms = kc_rows_int(q, i, 4);
		*now_ms = kc_rows_int(q, i, 5);
		/* Taken as the leases that still run until it says the
		 * endpoint is full (claim_one counts them then). */
		x->counted = x->in.in_flight = kc_rows_int(q, i, 6);
	}
	if (kc_db_query(db, KC_SQL_QUEUE_ENDPOINTS,
			KC_ARGS(kc_p_strn(ids->data, ids->len)), &w) != 0)
		goto out;
	/* No endpoint row (a queue made from a stray wake-up): nothing can
	 * be owed to it; live stays 0 and the claim finds nothing. */
	for (i = 0; i < w->nrows; i++) {
		if ((x = cand_find(c, m, kc_rows_int(w, i, 0))) == NULL)
			continue;
		x->in.live = (int)kc_rows_int(w, i, 1);
		x->in.rate = kc_rows_int(w, i, 2);
		x->in.max_in_flight = kc_rows_int(w, i, 3);
		x->in.open = (int)kc_rows_int(w, i, 4);
		x->in.breaker_until_ms = kc_rows_int(w, i, 5);
		x->business = kc_rows_int(w, i, 6);
	}
	rc = 0;
out:
	kc_rows_free(q);
	kc_rows_free(w);
	return rc;
}

/* One endpoint's turn: the plan for its share, and its due deliveries
 * taken (appended to lease, "1,2,..."). */
/* The queue's count says the endpoint is full (or has something out while
 * its breaker wants a probe): counted, since a lease that ran out (a worker
 * that died) still counts there until a claim takes its delivery back. The
 * count is also set right, should it ever have drifted. */
static int
count_in_flight(struct kc_db *db, struct cand *c)
{
	struct kc_rows *r;

	if (kc_db_query(db, KC_SQL_QUEUE_IN_FLIGHT, KC_ARGS(kc_p_int(c->id)),
			&r) != 0)
		return -1;
	c->counted = kc_rows_int(r, 0, 0);
	c->in.in_flight = kc_rows_int(r, 0, 1);
	c->in.in_flight_end_ms = kc_rows_int(r, 0, 2);
	kc_rows_free(r);
	return 0;
}

/* Appends id to the list b ("1,2,..."). */
static int
list_add(struct kc_buf *b, const char *id)
{
	return kc_buf_printf(b, "%s%s", b->len ? "," : "", id);
}

static int
claim_one(struct kc_db *db, struct cand *c, long long share, long long now_ms,
	  struct kc_buf *lease, struct kc_buf *crossed)
{
	struct kc_rows *r;
	size_t i;

	if (c->in.live &&
	    (c->counted >= c->in.max_in_flight ||
	     (c->in.open && c->counted > 0)) &&
	    count_in_flight(db, c) != 0)
		return -1;
	kc_limits_plan(&c->in, now_ms, share, &c->p);
	c->planned = 1;
	c->n = 0;
	c->crossed = 0;
	if (c->p.quota <= 0)
		return 0;
	if (kc_db_query(db, KC_SQL_DELIVERY_CLAIM,
			KC_ARGS(kc_p_int(c->business), kc_p_int(c->id),
				kc_p_int(c->p.quota)),
			&r) != 0)
		return -1;
	for (i = 0; i < r->nrows; i++) {
		int ours = (int)kc_rows_int(r, i, 2);

		if (list_add(ours ? lease : crossed, kc_rows_get(r, i, 0)) !=
		    0) {
			kc_rows_free(r);
			return -1;
		}
		/* A lease that ran out, taken back: counted already; one of
		 * another business's goes dead, counted no more. */
		if (ours && !kc_rows_int(r, i, 1))
			c->counted++;
		else if (!ours && kc_rows_int(r, i, 1) && c->counted > 0)
			c->counted--;
		c->n += ours;
		c->crossed += !ours;
	}
	kc_rows_free(r);
	return 0;
}

/* The slots the business of candidate k holds: before the claim, and
 * those the claim gave the candidates before k. */
static long long
biz_holds(const struct kc_claim *c, const struct cand *cs, size_t k)
{
	long long b = cs[k].business, n = 0;
	size_t i;

	for (i = 0; i < c->nheld; i++)
		if (c->held[i].business == b)
			n += c->held[i].n;
	for (i = 0; i < k; i++)
		if (cs[i].business == b)
			n += cs[i].n;
	return n;
}

/* When each queue is due again, and the claim's writes: the leases, then
 * every queue row looked at (one statement each). */
static int
finish_claim(struct kc_db *db, struct kc_claim *c, struct cand *cs, size_t m,
	     long long now_ms, const struct kc_buf *lease,
	     const struct kc_buf *crossed, struct kc_buf *tmp)
{
	char due_s[KC_TIME_MAX], at_s[KC_TIME_MAX], hold_s[KC_TIME_MAX];
	struct kc_rows *r = NULL;
	struct cand *x;
	size_t i, n = 0;
	double tokens;
	long long at;
	int rc = -1;

	if (crossed->len > 0) {
		kc_buf_reset(tmp);
		if (kc_buf_printf(tmp, "[%s]", crossed->data) != 0 ||
		    kc_db_exec(db, KC_SQL_DELIVERY_CROSSED_DEAD,
			       KC_ARGS(kc_p_strn(tmp->data, tmp->len)), NULL,
			       NULL) != 0)
			goto out;
		kc_warn("delivery rows of another business's event or "
			"endpoint marked dead: [%s]",
			crossed->data);
	}
	if (c->claimed > 0) {
		kc_buf_reset(tmp);
		if (kc_buf_printf(tmp, "[%s]", lease->data) != 0 ||
		    kc_db_exec(db, KC_SQL_DELIVERY_LEASE,
			       KC_ARGS(kc_p_strn(tmp->data, tmp->len),
				       kc_p_str(c->owner), kc_p_int(c->lease),
				       kc_p_int(c->lease)),
			       NULL, NULL) != 0 ||
		    kc_buf_printf(c->ids, "%s", lease->data) != 0)
			goto out;
	}
	for (i = 0; i < m; i++) {
		if (!cs[i].planned)
			continue;
		cs[i].due_ms =
		    kc_limits_due(&cs[i].in, &cs[i].p, cs[i].n + cs[i].crossed,
				  now_ms, c->lease * 1000, &cs[i].owed_min);
		/* Only its share of the slots stopped it: more is due. (Not
		 * when its business's cap did: that waits for an outcome.) */
		if (!cs[i].owed_min && cs[i].due_ms == now_ms && !cs[i].capped)
			c->more = 1;
		n += cs[i].owed_min != 0;
	}
	if (n > 0) {
		/* Those that gave all they had due: the earliest they owe,
		 * leases included, so a dead worker's claims come back;
		 * nothing (NULL) when they owe nothing. */
		if (cand_ids(cs, m, is_drained, tmp) != 0 ||
		    kc_db_query(db, KC_SQL_DELIVERY_OWED_MIN,
				KC_ARGS(kc_p_strn(tmp->data, tmp->len)),
				&r) != 0)
			goto out;
		for (i = 0; i < r->nrows; i++)
			if ((x = cand_find(cs, m, kc_rows_int(r, i, 0))) !=
			    NULL)
				x->due_ms = kc_rows_int(r, i, 1);
	}
	kc_buf_reset(tmp);
	if (kc_buf_putc(tmp, '[') != 0)
		goto out;
	for (i = 0, n = 0; i < m; i++) {
		x = &cs[i];
		if (!x->planned)
			continue;
		/* The bucket moves only when the rate was applied. */
		tokens = x->in.tokens;
		at = x->in.tokens_at_ms;
		if (x->in.live && x->in.rate > 0 && x->p.hold_until_ms == 0) {
			tokens = x->p.level - (double)x->n;
			at = now_ms;
		}
		if (x->due_ms <= 0 ||
		    kc_time_db_at(x->due_ms, due_s, sizeof(due_s)) != 0)
			snprintf(due_s, sizeof(due_s), "null");
		if (at <= 0 || kc_time_db_at(at, at_s, sizeof(at_s)) != 0)
			snprintf(at_s, sizeof(at_s), "null");
		/* The hold, so that no wake-up makes it due before. */
		if (x->p.hold_until_ms <= 0 ||
		    kc_time_db_at(x->p.hold_until_ms, hold_s, sizeof(hold_s)) !=
			0)
			snprintf(hold_s, sizeof(hold_s), "null");
		if (kc_buf_printf(
			tmp, "%s[%lld,%s%s%s,%.6f,%s%s%s,%lld,%s%s%s]",
			n++ ? "," : "", x->id, x->due_ms > 0 ? "\"" : "", due_s,
			x->due_ms > 0 ? "\"" : "", tokens < 0 ? 0 : tokens,
			at > 0 ? "\"" : "", at_s, at > 0 ? "\"" : "",
			x->counted, x->p.hold_until_ms > 0 ? "\"" : "", hold_s,
			x->p.hold_until_ms > 0 ? "\"" : "") != 0)
			goto out;
	}
	if (kc_buf_putc(tmp, ']') != 0 ||
	    (n > 0 && kc_db_exec(db, KC_SQL_QUEUE_SET,
				 KC_ARGS(kc_p_strn(tmp->data, tmp->len)), NULL,
				 NULL) != 0))
		goto out;
	rc = 0;
out:
	kc_rows_free(r);
	return rc;
}

int
kc_queue_claim(struct kc_db *db, struct kc_claim *c)
{
	struct kc_rows *r = NULL;
	struct kc_buf ids, lease, crossed;
	struct cand *cs = NULL;
	long long *eps = NULL, left = c->room, limit, now_ms = 0, woken;
	size_t i, m;
	int rc = -1;

	c->claimed = 0;
	c->endpoints = 0;
	c->nprobes = 0;
	c->more = 0;
	kc_buf_init(&ids, 1024 * 1024);
	kc_buf_init(&lease, 16 * 1024 * 1024);
	kc_buf_init(&crossed, 1024 * 1024);
	if (kc_buf_putc(c->ids, '[') != 0 ||
	    kc_queue_take_wakeups(db, c->only_business, &woken) != 0)
		goto out;
	limit = c->room < KC_QUEUE_CANDIDATES ? c->room : KC_QUEUE_CANDIDATES;
	if ((c->only_business
		 ? kc_db_query(
		       db, KC_SQL_QUEUE_DUE_BUSINESS,
		       KC_ARGS(kc_p_int(c->only_business), kc_p_int(limit)), &r)
		 : kc_db_query(db, KC_SQL_QUEUE_DUE, KC_ARGS(kc_p_int(limit)),
			       &r)) != 0)
		goto out;
	m = r->nrows;
	if (m == 0) {
		rc = kc_buf_putc(c->ids, ']');
		goto out;
	}
	/* A full list: more endpoints may be waiting behind these. */
	c->more = (long long)m == limit;
	if ((eps = calloc(m, sizeof(*eps))) == NULL ||
	    (cs = calloc(m, sizeof(*cs))) == NULL)
		goto out;
	for (i = 0; i < m; i++)
		eps[i] = kc_rows_int(r, i, 0);
	/* In id order, as every worker locks them: none waits for another's
	 * row while holding one that other wants. */
	qsort(eps, m, sizeof(*eps), id_cmp);
	for (i = 0; i < m; i++)
		cs[i].id = eps[i];
	if (cand_ids(cs, m, NULL, &ids) != 0 || kc_db_begin(db) != 0)
		goto out;
	if (read_candidates(db, cs, m, &ids, &now_ms) != 0)
		goto rollback;
	for (i = 0; i < m && left > 0; i++) {
		/* The free slots shared among the endpoints still to come,
		 * so one that is held or limited leaves its part to them. */
		long long share =
		    (left + (long long)(m - i) - 1) / (long long)(m - i);

		if (!cs[i].due)
			continue;
		/* A business with all the slots it may hold takes none: its
		 * endpoint goes to the back of the line, and the slots stay
		 * for the other businesses (kc_deliver.c sets the cap). */
		if (c->biz_cap > 0) {
			long long room = c->biz_cap - biz_holds(c, cs, i);

			if (room <= 0) {
				room = 0;
				cs[i].capped = 1;
			}
			if (share > room)
				share = room;
		}
		/* Transfers under way must not stand still meanwhile: their
		 * time limit runs. */
		if (c->pump)
			c->pump(c->pump_ctx);
		if (claim_one(db, &cs[i], share, now_ms, &lease, &crossed) != 0)
			goto rollback;
		c->endpoints++;
		if (cs[i].p.probe && cs[i].n > 0)
			c->probes[c->nprobes++] = cs[i].id;
		c->claimed += cs[i].n;
		left -= cs[i].n;
	}
	if (i < m)
		c->more = 1; /* the slots ran out before the endpoints */
	if (finish_claim(db, c, cs, m, now_ms, &lease, &crossed, &ids) != 0 ||
	    kc_db_commit(db) != 0)
		goto rollback;
	rc = kc_buf_putc(c->ids, ']');
	goto out;
rollback:
	kc_db_rollback(db);
	c->claimed = 0;
	c->nprobes = 0;
out:
	kc_rows_free(r);
	free(eps);
	free(cs);
	kc_buf_free(&ids);
	kc_buf_free(&lease);
	kc_buf_free(&crossed);
	return rc;
}

int
kc_queue_recorded(struct kc_db *db, long long endpoint_id,
		  long long pause_until_ms, long long recorded)
{
	char t[KC_TIME_MAX];
	struct kc_param p = p_ms(pause_until_ms, t, sizeof(t));

	return kc_db_exec(
	    db, KC_SQL_QUEUE_RECORDED,
	    KC_ARGS(p, p, p, kc_p_int(recorded), kc_p_int(endpoint_id)), NULL,
	    NULL);
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
