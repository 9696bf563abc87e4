#include "kc_outbound_worker.h"
#include "kc_backoff.h"
#include "kc_buf.h"
#include "kc_carrier.h"
#include "kc_compliance.h"
#include "kc_crypto.h"
#include "kc_id.h"
#include "kc_log.h"
#include "kc_nanp.h"
#include "kc_outbound.h"
#include "kc_time.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How often an idle worker looks for due actions. */
#define POLL_MS 200
/* The longest a configuration error pauses the claiming. */
#define HOLD_PAUSE_MAX_MS (60 * 1000LL)
/* What a call reports back: every step, so call.started can be sent. */
#define CALL_EVENTS "initiated ringing answered completed"

/* One claimed action, from its claim until its outcome is recorded. It
 * owns copies of what it sends, since it outlives the claim's rows. */
struct item {
	int in_use;
	long long id, business_id;
	enum kc_outbound_kind kind;
	unsigned attempts, holds;
	unsigned tries, new_tries; /* reconcile_tries: asked without answer */
	int was_unknown; /* claimed unknown (not a lease that ended) */
	char owner[KC_ID_MAX], public_id[KC_ID_MAX], biz_pub[KC_ID_MAX];
	char to[40], from[40], agent[KC_ID_MAX], tz[72];
	char *body;
	char callback[1200], voice[1400];
	struct kc_action_check ck;    /* what is checked; points in here */
	struct kc_check_result check; /* as of sending */
	struct kc_carrier_req req;
	char created[KC_TIME_MAX]; /* the action's created_at, as stored */
	/* It may have gone out before (a lease that ended while it was
	 * being sent, or an unclear answer): the carrier is asked first. */
	int reconcile;
	int found;      /* the carrier has it: req.result is its */
	int unresolved; /* a call the carrier has no record of: an operator's */
	int gone;       /* its business no longer exists */
	int unsettled;  /* the carrier could not be asked: ask again later */
	long long window_ms; /* calling hours open again then; 0: never soon */
	/* The decision, made once (kept through an outage). */
	const char *status; /* accepted, blocked, queued, failed */
	const char *event;  /* or NULL */
	char action[48];    /* the audit row's */
	unsigned new_attempts, new_holds;
	long long decided_ms, next_ms;
	int lost; /* the lease had passed to another worker */
};

struct kc_outbounder {
	struct kc_db *db;
	const struct kc_config *cfg;
	long long only_business;
	struct kc_carrier *carrier;
	struct kc_actor actor;
	struct item *items;
	size_t nitems;
	struct item **ready; /* finished, waiting to be recorded */
	size_t nready;
	struct item **batch; /* a claim's, while it is checked */
	long long *recheck;  /* a claim's ids that may have gone out already */
	char *recheck_unknown; /* of those, the ones claimed unknown */
	size_t nrecheck;
	struct kc_carrier_req **done;
	long long next_claim_ms; /* monotonic; 0: claim when slots free */
	/* Monotonic: the claim's carrier lists end by then, well inside the
	 * lease, so that what is sent is sent while the lease holds. */
	long long list_until_ms;
	/* SIDs the claim's reconciliations took: one each, never twice. */
	char (*taken)[KC_CARRIER_SID_MAX + 1];
	size_t ntaken;
};

long long
kc_outbound_allowance(long long cap, long long used, long long want)
{
	long long room = cap - used;

	if (room <= 0 || want <= 0)
		return 0;
	return want < room ? want : room;
}

int
kc_outbounder_new(struct kc_db *db, const struct kc_config *cfg,
		  long long only_business, struct kc_outbounder **out,
		  char *err, size_t errlen)
{
	struct kc_outbounder *o;

	*out = NULL;
	if (cfg->public_base_url == NULL) {
		snprintf(err, errlen,
			 "public_base_url is not configured: the carrier "
			 "could not report what became of what we send");
		return -1;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	o->db = db;
	o->cfg = cfg;
	o->only_business = only_business;
	o->actor.type = "system";
	o->actor.id = "kcctl outbound";
	if (kc_carrier_new(cfg, &o->carrier, err, errlen) != 0) {
		free(o);
		return -1;
	}
	o->nitems = kc_carrier_free_slots(o->carrier);
	o->items = calloc(o->nitems, sizeof(*o->items));
	o->ready = calloc(o->nitems, sizeof(*o->ready));
	o->done = calloc(o->nitems, sizeof(*o->done));
	o->batch = calloc(o->nitems, sizeof(*o->batch));
	o->recheck = calloc(o->nitems, sizeof(*o->recheck));
	o->taken = calloc(o->nitems, sizeof(*o->taken));
	o->recheck_unknown = calloc(o->nitems, 1);
	if (o->items == NULL || o->ready == NULL || o->done == NULL ||
	    o->batch == NULL || o->recheck == NULL || o->taken == NULL ||
	    o->recheck_unknown == NULL) {
		snprintf(err, errlen, "out of memory");
		kc_outbounder_free(o);
		return -1;
	}
	*out = o;
	return 0;
}

static void
item_release(struct item *it)
{
	free(it->body);
	kc_check_result_free(&it->check);
	memset(it, 0, sizeof(*it));
}

void
kc_outbounder_free(struct kc_outbounder *o)
{
	size_t i;

	if (o == NULL)
		return;
	/* What is still in flight is abandoned; its lease brings it back. */
	kc_carrier_free(o->carrier);
	for (i = 0; o->items && i < o->nitems; i++)
		item_release(&o->items[i]);
	free(o->items);
	free(o->ready);
	free(o->done);
	free(o->batch);
	free(o->recheck);
	free(o->recheck_unknown);
	free(o->taken);
	free(o);
}

size_t
kc_outbounder_in_flight(const struct kc_outbounder *o)
{
	return kc_carrier_active(o->carrier) + o->nready;
}

size_t
kc_outbounder_unrecorded(const struct kc_outbounder *o)
{
	return o->nready;
}

static struct item *
item_take(struct kc_outbounder *o)
{
	size_t i;

	for (i = 0; i < o->nitems; i++)
		if (!o->items[i].in_use) {
			memset(&o->items[i], 0, sizeof(o->items[i]));
			o->items[i].in_use = 1;
			return &o->items[i];
		}
	return NULL;
}

static double
unit_random(void)
{
	uint32_t v;

	if (kc_random_bytes(&v, sizeof(v)) != 0)
		return 0.5;
	return (double)v / 4294967296.0;
}

static struct kc_param
p_time(long long ms, char *buf, size_t cap)
{
	if (ms <= 0 || kc_time_db_at(ms, buf, cap) != 0)
		return kc_p_str(NULL);
	return kc_p_str(buf);
}

/* --- the claim ----------------------------------------------------------- */

struct claimed {
	long long id, business_id;
	int call;
	int capped;   /* its business and kind had no room left */
	size_t order; /* the claim's: next_attempt_at */
};

static int
claimed_cmp(const void *a, const void *b)
{
	const struct claimed *x = a, *y = b;

	if (x->business_id != y->business_id)
		return x->business_id < y->business_id ? -1 : 1;
	if (x->call != y->call)
		return x->call - y->call;
	return (x->order > y->order) - (x->order < y->order);
}

/* The cap of one business and kind this minute: how many of want may go.
 * The rate row is locked until the claim commits, so two workers never
 * both spend the same room. */
static int
cap_take(struct kc_outbounder *o, long long business_id, int call,
	 const char *window, long long want, long long *take)
{
	const char *kind = call ? "call" : "message";
	long long cap = call ? o->cfg->outbound_calls_per_minute
			     : o->cfg->outbound_messages_per_minute;
	struct kc_rows *r;

	if (kc_db_exec(o->db, KC_SQL_OUTBOUND_RATE_TOUCH,
		       KC_ARGS(kc_p_int(business_id), kc_p_str(kind),
			       kc_p_str(window)),
		       NULL, NULL) != 0 ||
	    kc_db_query(o->db, KC_SQL_OUTBOUND_RATE_USED,
			KC_ARGS(kc_p_int(business_id), kc_p_str(kind)),
			&r) != 0)
		return -1;
	*take = kc_outbound_allowance(
	    cap, r->nrows ? kc_rows_int(r, 0, 0) : cap, want);
	kc_rows_free(r);
	if (*take == 0)
		return 0;
	return kc_db_exec(
	    o->db, KC_SQL_OUTBOUND_RATE_ADD,
	    KC_ARGS(kc_p_int(*take), kc_p_int(business_id), kc_p_str(kind)),
	    NULL, NULL);
}

/* Claims up to limit: the due ids are locked (skipping rows another
 * worker holds); each business's share within its cap is leased to owner
 * (ids gets "[1,2,...]"), the rest waits for the next minute; all
 * committed before anything is sent, so a slow carrier never holds a
 * database lock. */
static int
claim(struct kc_outbounder *o, const char *owner, long long limit,
      struct kc_buf *ids, int *n, long long *deferred)
{
	char window[KC_TIME_MAX], next[KC_TIME_MAX];
	long long now = kc_time_now_ms(), take = 0;
	struct kc_rows *r = NULL;
	struct claimed *c = NULL;
	struct kc_buf later;
	size_t i, j, nlater = 0;

	*n = 0;
	o->nrecheck = 0;
	kc_buf_init(&later, 64 * 1024);
	if (kc_db_begin(o->db) != 0)
		return -1;
	if ((o->only_business
		 ? kc_db_query(
		       o->db, KC_SQL_OUTBOUND_CLAIM_BUSINESS,
		       KC_ARGS(kc_p_int(o->only_business), kc_p_int(limit)), &r)
		 : kc_db_query(o->db, KC_SQL_OUTBOUND_CLAIM,
			       KC_ARGS(kc_p_int(limit)), &r)) != 0)
		goto fail;
	if (r->nrows == 0) {
		kc_rows_free(r);
		kc_buf_free(&later);
		return kc_db_end(o->db);
	}
	if ((c = calloc(r->nrows, sizeof(*c))) == NULL)
		goto fail;
	for (i = 0; i < r->nrows; i++) {
		c[i].id = kc_rows_int(r, i, 0);
		c[i].business_id = kc_rows_int(r, i, 1);
		c[i].call = strcmp(kc_rows_get(r, i, 2), "call") == 0;
		c[i].order = i;
		/* "sending" here is a lease that ended with the action in
		 * flight or its outcome unrecorded. */
		if ((strcmp(kc_rows_get(r, i, 3), "sending") == 0 ||
		     strcmp(kc_rows_get(r, i, 3), "unknown") == 0) &&
		    o->nrecheck < o->nitems) {
			o->recheck_unknown[o->nrecheck] =
			    strcmp(kc_rows_get(r, i, 3), "unknown") == 0;
			o->recheck[o->nrecheck++] = c[i].id;
		}
	}
	/* Rate rows in one order, so that two claims never wait on each
	 * other's in opposite orders. */
	qsort(c, r->nrows, sizeof(*c), claimed_cmp);
	if (kc_time_db_at(now / 60000 * 60000, window, sizeof(window)) != 0 ||
	    kc_time_db_at(now / 60000 * 60000 + 60000, next, sizeof(next)) !=
		0 ||
	    kc_buf_putc(ids, '[') != 0 || kc_buf_putc(&later, '[') != 0)
		goto fail;
	for (i = 0; i < r->nrows; i = j) {
		for (j = i;
		     j < r->nrows && c[j].business_id == c[i].business_id &&
		     c[j].call == c[i].call;
		     j++)
			;
		if (cap_take(o, c[i].business_id, c[i].call, window,
			     (long long)(j - i), &take) != 0)
			goto fail;
		c[i].capped = take < (long long)(j - i);
		for (; i < j; i++, take--) {
			struct kc_buf *to = take > 0 ? ids : &later;

			if (kc_buf_printf(to, "%s%lld", to->len > 1 ? "," : "",
					  c[i].id) != 0)
				goto fail;
			if (take > 0)
				(*n)++;
			else
				nlater++;
		}
	}
	if (kc_buf_putc(ids, ']') != 0 || kc_buf_putc(&later, ']') != 0)
		goto fail;
	if (nlater > 0 && kc_db_exec(o->db, KC_SQL_OUTBOUND_DEFER,
				     KC_ARGS(kc_p_strn(later.data, later.len),
					     kc_p_str(next)),
				     NULL, NULL) != 0)
		goto fail;
	if (*n > 0 &&
	    kc_db_exec(o->db, KC_SQL_OUTBOUND_LEASE,
		       KC_ARGS(kc_p_strn(ids->data, ids->len), kc_p_str(owner),
			       kc_p_int(o->cfg->outbound_lease)),
		       NULL, NULL) != 0)
		goto fail;
	if (kc_db_commit(o->db) != 0)
		goto fail;
	*deferred += (long long)nlater;
	for (i = 0; i < r->nrows; i++) {
		unsigned long long more = 0;

		/* Best effort: what is left is put back by later claims. */
		if (c[i].capped &&
		    kc_db_exec(
			o->db, KC_SQL_OUTBOUND_DEFER_BUSINESS,
			KC_ARGS(kc_p_str(next), kc_p_int(c[i].business_id),
				kc_p_str(c[i].call ? "call" : "message")),
			&more, NULL) == 0)
			*deferred += (long long)more;
	}
	kc_rows_free(r);
	kc_buf_free(&later);
	free(c);
	return 0;
fail:
	*n = 0;
	o->nrecheck = 0;
	kc_db_rollback(o->db);
	kc_rows_free(r);
	kc_buf_free(&later);
	free(c);
	return -1;
}

/* Copies a claimed row (OUTBOUND_CLAIMED) into it. */
static int
fill(const struct kc_rows *r, size_t i, struct item *it)
{
	const char *body = kc_rows_get(r, i, 10), *agent = kc_rows_get(r, i, 8);
	const char *tz = kc_rows_get(r, i, 9);

	it->id = kc_rows_int(r, i, 0);
	snprintf(it->public_id, sizeof(it->public_id), "%s",
		 kc_rows_get(r, i, 1));
	it->business_id = kc_rows_int(r, i, 2);
	snprintf(it->biz_pub, sizeof(it->biz_pub), "%s", kc_rows_get(r, i, 3));
	it->kind = strcmp(kc_rows_get(r, i, 4), "call") == 0
		       ? KC_OUTBOUND_CALL
		       : KC_OUTBOUND_MESSAGE;
	snprintf(it->to, sizeof(it->to), "%s", kc_rows_get(r, i, 6));
	snprintf(it->from, sizeof(it->from), "%s", kc_rows_get(r, i, 7));
	snprintf(it->agent, sizeof(it->agent), "%s", agent ? agent : "");
	snprintf(it->tz, sizeof(it->tz), "%s", tz ? tz : "");
	it->attempts = (unsigned)kc_rows_int(r, i, 11);
	it->holds = (unsigned)kc_rows_int(r, i, 12);
	snprintf(it->created, sizeof(it->created), "%s",
		 kc_rows_get(r, i, 13) ? kc_rows_get(r, i, 13) : "");
	it->tries = (unsigned)kc_rows_int(r, i, 14);
	if (it->kind == KC_OUTBOUND_MESSAGE &&
	    (it->body = strdup(body ? body : "")) == NULL)
		return -1;
	it->ck.channel =
	    it->kind == KC_OUTBOUND_CALL ? KC_CHANNEL_VOICE : KC_CHANNEL_SMS;
	if (kc_purpose_parse(kc_rows_get(r, i, 5), &it->ck.purpose) != 0)
		it->ck.purpose = KC_PURPOSE_MARKETING; /* the stricter */
	it->ck.to = it->to;
	it->ck.from = it->from;
	it->ck.contact_timezone = it->tz[0] ? it->tz : NULL;
	return 0;
}

/* When calling hours next let in (in whole minutes, within two days) the
 * action that in and facts judged outside them: ms since the epoch, or 0
 * when never that soon (the zones' windows never meet). The check's own
 * decision is asked at later instants, so the window is always the one
 * the check applies. */
static long long
next_window_ms(const struct kc_action_check *in,
	       const struct kc_compliance_facts *facts)
{
	struct kc_action_check at = *in;
	time_t t, first = (in->now / 60 + 1) * 60, step = 5 * 60;
	int allowed = 0;

	for (t = first; t < in->now + 2 * 86400 && !allowed; t += step) {
		struct kc_check_result r;

		memset(&r, 0, sizeof(r));
		at.now = t;
		if (kc_compliance_decide(&at, facts, &r) != 0)
			return 0;
		allowed = r.code == NULL;
		kc_check_result_free(&r);
		if (!allowed)
			continue;
		/* The first allowed minute lies within the last step. */
		for (at.now = t - step + 60 > first ? t - step + 60 : first;
		     at.now < t; at.now += 60) {
			memset(&r, 0, sizeof(r));
			if (kc_compliance_decide(&at, facts, &r) != 0)
				return 0;
			allowed = r.code == NULL;
			kc_check_result_free(&r);
			if (allowed)
				return (long long)at.now * 1000;
		}
		return (long long)t * 1000;
	}
	return 0;
}

/* Checks its[0..n) again as of now, the facts of all of them read in one
 * statement. An item whose business is gone is finished (failed); one that
 * could not be judged (out of memory) is released: its lease brings it
 * back. -1 when the database failed (all of them are released then). */
static int
check_again(struct item **its, size_t n, struct kc_db *db)
{
	struct kc_action_check *in = calloc(n, sizeof(*in));
	struct kc_compliance_facts *f = calloc(n, sizeof(*f));
	long long *biz = calloc(n, sizeof(*biz));
	int *found = calloc(n, sizeof(*found));
	size_t *at = calloc(n, sizeof(*at));
	time_t now = time(NULL);
	size_t i, m = 0;
	int rc = -1;

	if (in == NULL || f == NULL || biz == NULL || found == NULL ||
	    at == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		its[i]->ck.now = now;
		/* An invalid number is judged without reading anything. */
		if (!kc_phone_dialable(its[i]->to))
			continue;
		at[i] = m;
		in[m] = its[i]->ck;
		biz[m++] = its[i]->business_id;
	}
	if (m > 0 &&
	    kc_compliance_facts_read_many(db, m, biz, in, f, found) != 0)
		goto out;
	rc = 0;
	for (i = 0; i < n; i++) {
		int dialable = kc_phone_dialable(its[i]->to);

		if (dialable && !found[at[i]]) {
			/* Nothing brings it back: it ends here. */
			its[i]->gone = 1;
			continue;
		}
		if (kc_compliance_decide(&its[i]->ck,
					 dialable ? &f[at[i]] : NULL,
					 &its[i]->check) != 0) {
			kc_warn("%s could not be checked: left for its lease",
				its[i]->public_id);
			item_release(its[i]);
			continue;
		}
		/* Pushed past the calling hours (by a cap, a retry, an
		 * outage): it waits for them to open again. */
		if (dialable && its[i]->check.code != NULL &&
		    strcmp(its[i]->check.code,
			   KC_CHECK_OUTSIDE_CALLING_HOURS) == 0)
			its[i]->window_ms =
			    next_window_ms(&its[i]->ck, &f[at[i]]);
	}
out:
	if (rc != 0)
		for (i = 0; i < n; i++)
			item_release(its[i]);
	free(in);
	free(f);
	free(biz);
	free(found);
	free(at);
	return rc;
}

/* Readies the carrier request of an item that may go. */
static void
request(const struct kc_config *cfg, struct item *it)
{
	snprintf(it->callback, sizeof(it->callback),
		 "%s/carrier/twilio/%s/%s/status", cfg->public_base_url,
		 it->kind == KC_OUTBOUND_CALL ? "calls" : "messages",
		 it->public_id);
	it->req.user = it;
	if (it->kind == KC_OUTBOUND_MESSAGE) {
		it->req.kind = KC_CARRIER_MESSAGE;
		it->req.message.to = it->to;
		it->req.message.from = it->from;
		it->req.message.body = it->body;
		it->req.message.status_callback = it->callback;
		return;
	}
	it->req.kind = KC_CARRIER_CALL;
	it->req.call.to = it->to;
	it->req.call.from = it->from;
	it->req.call.status_callback = it->callback;
	it->req.call.status_callback_events = CALL_EVENTS;
	if (cfg->outbound_voice_url) {
		/* The voice runtime learns which call and which agent from
		 * the URL the carrier fetches when it is answered. */
		snprintf(it->voice, sizeof(it->voice),
			 "%s?call_id=%s&agent_id=%s", cfg->outbound_voice_url,
			 it->public_id, it->agent);
		it->req.call.url = it->voice;
	}
}

/* --- what the carrier already has ----------------------------------------- */

/* Seconds since the epoch of a stored DATETIME ("YYYY-MM-DD HH:MM:SS...")
 * or of one of the carrier's RFC 2822 dates; -1 if neither. */
static long long
parse_when(const char *s, int carrier)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL)
		return -1;
	end = strptime(
	    s, carrier ? "%a, %d %b %Y %H:%M:%S %z" : "%Y-%m-%d %H:%M:%S", &tm);
	if (end == NULL)
		return -1;
	/* strptime leaves the offset in tm_gmtoff; Twilio's is +0000. */
	return (long long)timegm(&tm) - (carrier ? tm.tm_gmtoff : 0);
}

/* The carrier's clock and the database's may disagree by this much: a
 * message the carrier dates a little before the action was stored may
 * still be the action's. */
#define CLOCK_MARGIN_S (5 * 60)
/* Pages of the carrier's list read for one action at most: past that it
 * stays unsettled rather than be sent again on a guess. */
#define RECONCILE_PAGES 10

static int
taken(const struct kc_outbounder *o, const char *sid)
{
	size_t i;

	for (i = 0; i < o->ntaken; i++)
		if (strcmp(o->taken[i], sid) == 0)
			return 1;
	return 0;
}

/* Whether e, an entry of the carrier's list, could be it: a SID, for a
 * message the same body, and not created before it existed (less the
 * clocks' margin; an unreadable date is no proof of that). */
static int
candidate(const struct item *it, const json_t *e, long long earliest)
{
	const char *s = json_string_value(json_object_get(e, "sid"));
	const char *body = json_string_value(json_object_get(e, "body"));
	long long at = parse_when(
	    json_string_value(json_object_get(e, "date_created")), 1);

	if (s == NULL || *s == '\0' || strlen(s) > KC_CARRIER_SID_MAX)
		return 0;
	if (it->kind == KC_OUTBOUND_MESSAGE &&
	    (body == NULL || strcmp(body, it->body) != 0))
		return 0;
	return !(at >= 0 && at < earliest);
}

/* Asks the carrier whether it has the action already, as one of the
 * messages (the same body) or calls from its number to its recipient
 * since it was created that no other action holds. The list is read
 * unfiltered by date (see kc_carrier_list), newest first, page after
 * page until a whole page was created before the action (less
 * CLOCK_MARGIN_S) or there is no next page. A SID is taken once per
 * claim. 1: it has (the oldest such one is the item's result now), 0: it
 * has none, 2: a call it cannot tell apart from another (req.result
 * says why), -1: no telling (req.result says why). */
static int
reconcile(struct kc_outbounder *o, struct item *it)
{
	struct kc_carrier_result *res = &it->req.result;
	long long since = parse_when(it->created, 0), earliest;
	char sid[KC_CARRIER_SID_MAX + 1] = "", status[32] = "";
	char next[2048] = "", page[2048];
	json_t *list = NULL, *e;
	size_t i;
	int pages = 0, done = 0, rc = -1, ncand = 0;

	if (since < 0) {
		snprintf(res->message, sizeof(res->message),
			 "the action's time of creation is unreadable");
		res->outcome = KC_CARRIER_UNKNOWN;
		return -1;
	}
	earliest = since - CLOCK_MARGIN_S;
	while (!done) {
		long left = (long)(o->list_until_ms - kc_time_mono_ms());
		int older = 1;

		if (left <= 0) {
			/* The claim's lease is for sending, not for asking. */
			res->outcome = KC_CARRIER_UNKNOWN;
			snprintf(res->message, sizeof(res->message),
				 "no time left in this claim to ask the "
				 "carrier: asked again later");
			goto out;
		}

		if (pages == RECONCILE_PAGES) {
			/* What it has may be on a page not read. */
			res->outcome = KC_CARRIER_UNKNOWN;
			snprintf(res->message, sizeof(res->message),
				 "the carrier lists more than %d to this "
				 "number since the action: not settled",
				 RECONCILE_PAGES * KC_CARRIER_LIST_PAGE);
			goto out;
		}
		snprintf(page, sizeof(page), "%s", next);
		if (kc_carrier_list(o->carrier,
				    it->kind == KC_OUTBOUND_CALL
					? KC_CARRIER_CALL
					: KC_CARRIER_MESSAGE,
				    it->to, it->from, pages ? page : NULL, left,
				    &list, next, sizeof(next), res) != 0)
			goto out;
		pages++;
		json_array_foreach(list, i, e)
		{
			const char *s =
			    json_string_value(json_object_get(e, "sid"));
			long long at =
			    parse_when(json_string_value(
					   json_object_get(e, "date_created")),
				       1);
			struct kc_rows *r;
			int theirs;

			if (!(at >= 0 && at < earliest))
				older = 0;
			if (!candidate(it, e, earliest) || taken(o, s))
				continue;
			if (kc_db_query(o->db, KC_SQL_OUTBOUND_SID_OWNER,
					KC_ARGS(kc_p_str(s)), &r) != 0) {
				snprintf(res->message, sizeof(res->message),
					 "the database failed");
				res->outcome = KC_CARRIER_UNKNOWN;
				goto out;
			}
			theirs = r->nrows > 0 && strcmp(kc_rows_get(r, 0, 0),
							it->public_id) != 0;
			kc_rows_free(r);
			if (theirs)
				continue;
			/* Newest first: the last one left is the oldest. */
			ncand++;
			snprintf(sid, sizeof(sid), "%s", s);
			snprintf(status, sizeof(status), "%s",
				 json_string_value(json_object_get(e, "status"))
				     ? json_string_value(
					   json_object_get(e, "status"))
				     : "");
		}
		done = next[0] == '\0' || older;
		json_decref(list);
		list = NULL;
	}
	if (sid[0] != '\0' && it->kind == KC_OUTBOUND_CALL) {
		/* Calls carry nothing of ours to tell them apart: one is
		 * taken only when it is the one candidate and no other call
		 * to the number is open. */
		struct kc_rows *r;
		long long rivals;

		if (kc_db_query(o->db, KC_SQL_OUTBOUND_CALL_RIVALS,
				KC_ARGS(kc_p_int(it->business_id),
					kc_p_str(it->to), kc_p_str(it->from),
					kc_p_int(it->id)),
				&r) != 0) {
			snprintf(res->message, sizeof(res->message),
				 "the database failed");
			res->outcome = KC_CARRIER_UNKNOWN;
			goto out;
		}
		rivals = r->nrows ? kc_rows_int(r, 0, 0) : 1;
		kc_rows_free(r);
		if (ncand > 1 || rivals > 0) {
			snprintf(res->message, sizeof(res->message),
				 "the carrier lists %d call(s) to this number "
				 "that could be this one's, with %lld other "
				 "call(s) to it open: not told apart",
				 ncand, rivals);
			rc = 2;
			goto out;
		}
	}
	if (sid[0] != '\0') {
		if (o->ntaken < o->nitems)
			snprintf(o->taken[o->ntaken++], sizeof(*o->taken), "%s",
				 sid);
		memset(res, 0, sizeof(*res));
		res->outcome = KC_CARRIER_OK;
		res->http_status = 200;
		snprintf(res->sid, sizeof(res->sid), "%s", sid);
		snprintf(res->status, sizeof(res->status), "%s", status);
		rc = 1;
	} else
		rc = 0;
out:
	json_decref(list);
	return rc;
}

/* An item that may have gone out before: settled with the carrier's word
 * before anything else. 1 when it is to be sent (a message the carrier
 * has no record of); 0 when it is finished here (ready to record). */
static int
settle(struct kc_outbounder *o, struct item *it)
{
	const struct kc_config *cfg = o->cfg;
	int rc = reconcile(o, it);

	if (rc == 1) {
		it->found = 1;
		return 0;
	}
	if (rc < 0) {
		it->unsettled = 1; /* asked again later */
		/* Our credentials or URL are wrong: every list would fail
		 * alike, so nothing more is claimed for a while. */
		if (it->req.result.outcome == KC_CARRIER_CONFIG)
			o->next_claim_ms =
			    kc_time_mono_ms() + HOLD_PAUSE_MAX_MS;
		return 0;
	}
	if (rc == 2) {
		it->unresolved = 1; /* an operator's: the reason is kept */
		return 0;
	}
	if (it->kind == KC_OUTBOUND_CALL) {
		/* A call is never placed twice by us: someone has to look. */
		it->unresolved = 1;
		return 0;
	}
	if (it->attempts > 0 && kc_backoff_delay_ms(cfg->delivery_schedule,
						    cfg->delivery_schedule_len,
						    it->attempts, 0.5) < 0) {
		it->req.result.outcome = KC_CARRIER_PERMANENT;
		snprintf(
		    it->req.result.message, sizeof(it->req.result.message),
		    "no clear answer from the carrier, which has no record "
		    "of it, and no retry left");
		return 0;
	}
	return 1;
}

/* Whether id is one of the claim's that may have gone out already: 1,
 * 2 when it was claimed unknown; 0 when neither. */
static int
rechecked(const struct kc_outbounder *o, long long id)
{
	size_t i;

	for (i = 0; i < o->nrecheck; i++)
		if (o->recheck[i] == id)
			return o->recheck_unknown[i] ? 2 : 1;
	return 0;
}

/* Just before its[0..n) go out: their leases run a full lease from now
 * again, and those no longer ours (a lease that ran out while the claim
 * was checked, another worker's since) are dropped, unsent. -1 when the
 * database failed: nothing may go then. */
static int
renew(struct kc_outbounder *o, const char *owner, struct item **its, size_t n)
{
	struct kc_buf ids;
	struct kc_rows *r = NULL;
	size_t i, j;
	int rc = -1, ours;

	kc_buf_init(&ids, 64 * 1024);
	if (kc_buf_putc(&ids, '[') != 0)
		goto out;
	for (i = 0; i < n; i++)
		if (kc_buf_printf(&ids, "%s%lld", i ? "," : "", its[i]->id) !=
		    0)
			goto out;
	if (kc_buf_putc(&ids, ']') != 0 ||
	    kc_db_exec(o->db, KC_SQL_OUTBOUND_RENEW,
		       KC_ARGS(kc_p_strn(ids.data, ids.len),
			       kc_p_int(o->cfg->outbound_lease),
			       kc_p_str(owner)),
		       NULL, NULL) != 0 ||
	    kc_db_query(o->db, KC_SQL_OUTBOUND_OURS,
			KC_ARGS(kc_p_strn(ids.data, ids.len), kc_p_str(owner)),
			&r) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		for (j = 0, ours = 0; j < r->nrows && !ours; j++)
			ours = kc_rows_int(r, j, 0) == its[i]->id;
		if (!ours) {
			kc_info("%s: its lease passed to another worker before "
				"it was sent: not sent here",
				its[i]->public_id);
			item_release(its[i]);
		}
	}
	rc = 0;
out:
	kc_rows_free(r);
	kc_buf_free(&ids);
	return rc;
}

/* Claims as many due actions as there are free slots, checks them again
 * and starts those that may go; the rest are finished at once. */
static int
refill(struct kc_outbounder *o, int *claimed, long long *deferred)
{
	char owner[KC_ID_MAX];
	struct kc_buf ids;
	struct kc_rows *r = NULL;
	struct item **batch = o->batch;
	size_t i, ngo, nbatch = 0, room = kc_carrier_free_slots(o->carrier);
	int n, rc = -1;

	*claimed = 0;
	room = room > o->nready ? room - o->nready : 0;
	if (room == 0)
		return 0;
	kc_buf_init(&ids, 64 * 1024);
	if (kc_id_new("w", owner, sizeof(owner)) != 0 ||
	    claim(o, owner, (long long)room, &ids, &n, deferred) != 0)
		goto out;
	/* A short claim means nothing more is due now. */
	o->next_claim_ms = (size_t)n < room ? kc_time_mono_ms() + POLL_MS : 0;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	o->list_until_ms =
	    kc_time_mono_ms() + o->cfg->outbound_lease * 1000 / 3;
	o->ntaken = 0;
	if (kc_db_query(o->db, KC_SQL_OUTBOUND_CLAIMED,
			KC_ARGS(kc_p_strn(ids.data, ids.len), kc_p_str(owner)),
			&r) != 0)
		goto out;
	for (i = 0; i < r->nrows; i++) {
		struct item *it = item_take(o);

		if (it == NULL)
			break; /* cannot happen: room counted free items */
		(*claimed)++;
		snprintf(it->owner, sizeof(it->owner), "%s", owner);
		if (fill(r, i, it) != 0) {
			item_release(it); /* its lease brings it back */
			continue;
		}
		it->reconcile = rechecked(o, it->id);
		it->was_unknown = it->reconcile == 2;
		if (it->reconcile && settle(o, it) == 0) {
			o->ready[o->nready++] = it;
			continue;
		}
		batch[nbatch++] = it;
	}
	/* The database failed us: they come back when their leases end. */
	if (check_again(batch, nbatch, o->db) != 0)
		goto out;
	rc = 0;
	for (i = 0, ngo = 0; i < nbatch; i++) {
		struct item *it = batch[i];

		if (!it->in_use)
			continue; /* could not be checked */
		if (it->gone || it->check.code != NULL) {
			o->ready[o->nready++] = it; /* blocked: not sent */
			continue;
		}
		if (it->kind == KC_OUTBOUND_CALL &&
		    !o->cfg->outbound_voice_url) {
			it->req.result.outcome = KC_CARRIER_CONFIG;
			snprintf(it->req.result.message,
				 sizeof(it->req.result.message),
				 "outbound_voice_url is not configured: no "
				 "call can go out");
			o->ready[o->nready++] = it;
			continue;
		}
		batch[ngo++] = it;
	}
	if (ngo > 0 && renew(o, owner, batch, ngo) != 0)
		rc = -1; /* nothing sent: their leases bring them back */
	for (i = 0; rc == 0 && i < ngo; i++) {
		struct item *it = batch[i];

		if (!it->in_use)
			continue; /* no longer ours */
		request(o->cfg, it);
		if (kc_carrier_start(o->carrier, &it->req) != 0)
			o->ready[o->nready++] = it;
	}
	for (i = 0; rc != 0 && i < ngo; i++)
		item_release(batch[i]);
out:
	kc_rows_free(r);
	kc_buf_free(&ids);
	return rc;
}

/* --- the outcomes -------------------------------------------------------- */

static const char *
object_name(enum kc_outbound_kind k)
{
	return k == KC_OUTBOUND_CALL ? "outbound_call" : "message";
}

/* What one outcome means for its action: its new state and, for a
 * retry or a hold, when it goes again. */
static void
decide(struct kc_outbounder *o, struct item *it)
{
	const struct kc_config *cfg = o->cfg;
	const struct kc_carrier_result *res = &it->req.result;
	const char *obj = object_name(it->kind), *what = NULL;
	long long delay;
	unsigned n;

	it->decided_ms = kc_time_now_ms();
	it->new_attempts = it->attempts;
	it->new_holds = it->holds;
	it->next_ms = 0;
	it->event = NULL;
	if (it->gone) {
		it->status = "failed";
		it->event = kc_outbound_state_event(it->kind, "failed");
		it->req.result.outcome = KC_CARRIER_PERMANENT;
		snprintf(it->req.result.message, sizeof(it->req.result.message),
			 "its business no longer exists");
		snprintf(it->action, sizeof(it->action), "%s.failed", obj);
		return;
	}
	it->new_tries = 0;
	if (it->unsettled) {
		/* A configuration error of ours says nothing of the action:
		 * it does not count against it. */
		it->new_tries = it->tries + (res->outcome != KC_CARRIER_CONFIG);
		if (it->new_tries >= KC_OUTBOUND_RECONCILE_TRIES) {
			size_t len = strlen(it->req.result.message);

			it->unsettled = 0;
			it->unresolved = 1;
			snprintf(it->req.result.message + len,
				 sizeof(it->req.result.message) - len,
				 "%sthe carrier was asked %u times without "
				 "an answer: left for an operator",
				 len ? "; " : "", it->new_tries);
		}
	}
	if (it->unresolved || it->unsettled) {
		/* Perhaps sent, perhaps not: a call waits for its callback
		 * or an operator, and so does what the carrier could not
		 * settle in KC_OUTBOUND_RECONCILE_TRIES tries; the carrier
		 * is asked again about the rest. */
		it->status = "unknown";
		if (it->unresolved)
			it->event = "outbound.unresolved";
		if (it->unsettled)
			it->next_ms = it->decided_ms +
				      cfg->outbound_reconcile_after * 1000;
		else if (it->req.result.message[0] == '\0')
			snprintf(it->req.result.message,
				 sizeof(it->req.result.message),
				 "the carrier answered unclearly and has no "
				 "record of the call: not placed again; check "
				 "with the carrier");
		snprintf(it->action, sizeof(it->action), "%s.%s", obj,
			 it->unresolved ? "unresolved" : "unknown");
		return;
	}
	if (it->found) {
		/* Where the carrier's listed status puts it, as its callback
		 * would have (which may have been lost): a message found
		 * delivered is delivered, with message.delivered. */
		const char *st = kc_outbound_state_of(it->kind, res->status);

		it->status = st ? st : "accepted";
		it->event = kc_outbound_state_event(it->kind, it->status);
		snprintf(it->action, sizeof(it->action), "%s.reconciled", obj);
		return;
	}
	if (it->check.code != NULL && it->window_ms > 0) {
		it->status = "queued";
		it->next_ms = it->window_ms;
		snprintf(it->action, sizeof(it->action), "%s.rescheduled", obj);
		return;
	}
	if (it->check.code != NULL) {
		it->status = "blocked";
		it->event = "outbound.blocked";
		snprintf(it->action, sizeof(it->action), "outbound.blocked");
		return;
	}
	switch (res->outcome) {
	case KC_CARRIER_OK:
		it->status = "accepted";
		what = "accepted";
		break;
	case KC_CARRIER_CONFIG:
		/* Our side is wrong: every action would fail alike. Held,
		 * never failed, and no more is claimed for a while. */
		it->new_holds = it->holds + 1;
		n = it->new_holds < cfg->delivery_schedule_len
			? it->new_holds
			: (unsigned)cfg->delivery_schedule_len;
		delay = kc_backoff_delay_ms(cfg->delivery_schedule,
					    cfg->delivery_schedule_len, n,
					    unit_random());
		it->status = "queued";
		it->next_ms = it->decided_ms + delay;
		o->next_claim_ms =
		    kc_time_mono_ms() +
		    (delay < HOLD_PAUSE_MAX_MS ? delay : HOLD_PAUSE_MAX_MS);
		what = "held";
		break;
	case KC_CARRIER_UNKNOWN:
		/* It may be out: never sent again before the carrier has
		 * been asked (settle), after longer than a callback takes. */
		it->new_attempts = it->attempts + 1;
		it->status = "unknown";
		it->next_ms =
		    it->decided_ms + cfg->outbound_reconcile_after * 1000;
		what = "unknown";
		break;
	case KC_CARRIER_RETRYABLE:
		it->new_attempts = it->attempts + 1;
		delay = kc_backoff_delay_ms(cfg->delivery_schedule,
					    cfg->delivery_schedule_len,
					    it->new_attempts, unit_random());
		if (delay >= 0) {
			it->status = "queued";
			it->next_ms = it->decided_ms + delay;
			what = "retrying";
			break;
		}
		/* The schedule is used up: as final as a refusal. */
		/* fall through */
	case KC_CARRIER_PERMANENT:
		it->status = "failed";
		it->event = kc_outbound_state_event(it->kind, "failed");
		what = "failed";
		break;
	}
	snprintf(it->action, sizeof(it->action), "%s.%s", obj, what);
}

/* Writes one action's outcome, only while the lease is still ours (else
 * *lost: the action is another worker's now), with its audit row and its
 * event. */
static int
record(struct kc_outbounder *o, struct item *it)
{
	const struct kc_carrier_result *res = &it->req.result;
	char next[KC_TIME_MAX], sent[KC_TIME_MAX], ended[KC_TIME_MAX];
	char *checks = NULL;
	int blocked = strcmp(it->status, "blocked") == 0;
	/* The carrier took it (or, found, had it in whatever state). */
	int ok = res->outcome == KC_CARRIER_OK && !blocked &&
		 (it->found || strcmp(it->status, "accepted") == 0);
	int final = kc_outbound_state_rank(it->kind, it->status) ==
		    kc_outbound_state_rank(it->kind, "failed");
	unsigned long long n = 0;
	json_t *before = NULL, *after = NULL, *a = NULL;
	struct kc_actor by = o->actor; /* the job, about this action */
	int rc = -1, changed;

	/* An action settled with the carrier was not checked again. */
	if (it->check.checks != NULL &&
	    (checks = json_dumps(it->check.checks, JSON_COMPACT)) == NULL)
		return -1;
	if (kc_db_exec(
		o->db, KC_SQL_OUTBOUND_RESULT,
		KC_ARGS(
		    kc_p_str(it->status), kc_p_int(it->new_attempts),
		    kc_p_int(it->new_holds),
		    p_time(it->next_ms, next, sizeof(next)),
		    kc_p_str(ok ? res->sid : NULL),
		    kc_p_str(ok && res->status[0] ? res->status : NULL),
		    !ok && !blocked && res->code > 0 ? kc_p_int(res->code)
						     : kc_p_str(NULL),
		    kc_p_str(!ok && !blocked && res->message[0] ? res->message
								: NULL),
		    kc_p_str(checks), kc_p_str(blocked ? it->check.code : NULL),
		    kc_p_str(blocked ? it->check.detail : NULL),
		    kc_p_str(blocked ? "send" : NULL),
		    p_time(ok ? it->decided_ms : 0, sent, sizeof(sent)),
		    p_time(final ? it->decided_ms : 0, ended, sizeof(ended)),
		    kc_p_int(it->new_tries), kc_p_int(it->id),
		    kc_p_str(it->owner)),
		&n, NULL) != 0)
		goto out;
	it->lost = n == 0;
	if (it->lost) {
		rc = 0;
		goto out;
	}
	by.request_id = it->public_id;
	/* 21610: the carrier has the number as unsubscribed (a STOP sent
	 * to it directly): recorded as our opt-out too, the way a STOP
	 * keyword is, so the next message is blocked here, not refused
	 * there. In this transaction, with the outcome. */
	if (it->kind == KC_OUTBOUND_MESSAGE &&
	    strcmp(it->status, "failed") == 0 && res->code == 21610 &&
	    kc_compliance_opt_out_by(o->db, &by, it->business_id, it->biz_pub,
				     it->to, &changed) != 0)
		goto out;
	/* Asked again, still no answer: no change, no audit row (one per
	 * loop would bury the log). */
	if (it->was_unknown && it->unsettled && it->event == NULL) {
		rc = 0;
		goto out;
	}
	before =
	    json_pack("{s:s}", "status", it->reconcile ? "unknown" : "sending");
	after =
	    json_pack("{s:s, s:s?, s:o, s:s?, s:I, s:s?}", "status", it->status,
		      "carrier_sid", ok ? res->sid : NULL, "error_code",
		      !ok && !blocked && res->code > 0 ? json_integer(res->code)
						       : json_null(),
		      "error_message",
		      !ok && !blocked && res->message[0] ? res->message : NULL,
		      "attempts", (json_int_t)it->new_attempts, "blocked_code",
		      blocked ? it->check.code : NULL);
	if (before == NULL || after == NULL ||
	    (it->event && kc_outbound_get(o->db, it->business_id, it->kind,
					  it->public_id, &a) != 0))
		goto out;
	rc = kc_outbound_record(o->db, it->business_id, it->biz_pub, &o->actor,
				it->kind, it->public_id, it->action, before,
				after, it->event, a);
out:
	free(checks);
	json_decref(before);
	json_decref(after);
	json_decref(a);
	return rc;
}

/* its[0..n)'s outcomes in one transaction; a deadlock or a lock wait
 * timeout (a callback or the API on the same rows) is retried: every
 * write is guarded by the lease, so running them again is safe. */
static int
record_some(struct kc_outbounder *o, struct item **its, size_t n)
{
	unsigned err;
	size_t i;
	int round;

	for (round = 0; round < 3; round++) {
		if (kc_db_begin(o->db) != 0)
			return -1;
		for (i = 0; i < n; i++)
			if (record(o, its[i]) != 0)
				goto again;
		if (kc_db_commit(o->db) == 0)
			return 0;
	again:
		err = kc_db_errno(o->db);
		kc_db_rollback(o->db);
		if (err != KC_ER_LOCK_DEADLOCK &&
		    err != KC_ER_LOCK_WAIT_TIMEOUT)
			return -1;
		kc_info("recording outbound outcomes met a lock conflict (%u); "
			"again",
			err);
	}
	return -1;
}

/* The batch's outcomes, together; when that fails for a reason other than
 * the database being away (one row the database will not take), each on
 * its own, so that one bad row does not undo what the carrier took for
 * the others. An outcome that still cannot be recorded is dropped: its
 * action comes back when its lease ends and is settled with the carrier
 * before anything goes again. -1 while the database is unavailable (the
 * outcomes are kept). */
static int
record_batch(struct kc_outbounder *o)
{
	size_t i;

	if (record_some(o, o->ready, o->nready) == 0)
		return 0;
	if (kc_db_unavailable(o->db))
		return -1;
	for (i = 0; i < o->nready; i++) {
		struct item *it = o->ready[i];

		if (record_some(o, &o->ready[i], 1) == 0)
			continue;
		if (kc_db_unavailable(o->db))
			return -1;
		kc_warn(
		    "%s: its outcome (%s) could not be recorded (database "
		    "error %u): settled with the carrier when its lease ends",
		    it->public_id, it->action, kc_db_errno(o->db));
		it->lost = 1;
	}
	return 0;
}

static void
count(struct kc_outbounder *o, struct kc_outbound_stats *st)
{
	size_t i;

	for (i = 0; i < o->nready; i++) {
		const struct item *it = o->ready[i];

		if (it->lost)
			continue;
		if (strcmp(it->status, "blocked") == 0)
			st->blocked++;
		else if (strcmp(it->status, "failed") == 0)
			st->failed++;
		else if (strcmp(it->status, "accepted") == 0 || it->found)
			st->accepted++; /* or further on, found so */
		else if (strcmp(it->status, "unknown") == 0)
			st->unknown++;
		else if (it->window_ms > 0 && it->check.code != NULL)
			st->rescheduled++;
		else if (it->req.result.outcome == KC_CARRIER_CONFIG)
			st->held++;
		else
			st->retrying++;
		if (it->found)
			st->reconciled++;
	}
}

void
kc_outbound_redact(const char *in, char *out, size_t cap)
{
	size_t i = 0, o = 0, run;

	if (cap == 0)
		return;
	while (in[i] && o + 1 < cap) {
		/* A run of digits, with the separators numbers are written
		 * with, holding seven digits or more: a phone number. */
		size_t digits = 0, j = i;

		while (in[j] &&
		       (strchr("0123456789", in[j]) != NULL ||
			((in[j] == '-' || in[j] == ' ' || in[j] == '.' ||
			  in[j] == '(' || in[j] == ')') &&
			 digits > 0) ||
			(in[j] == '+' && j == i))) {
			if (in[j] >= '0' && in[j] <= '9')
				digits++;
			j++;
		}
		if (digits >= 7) {
			/* What trails the last digit is not the number's. */
			while (j > i && !(in[j - 1] >= '0' && in[j - 1] <= '9'))
				j--;
			for (run = 0; run < 3 && o + 1 < cap; run++)
				out[o++] = '*';
			i = j;
			continue;
		}
		out[o++] = in[i++];
	}
	out[o] = '\0';
}

static void
log_outcomes(struct kc_outbounder *o)
{
	char text[sizeof(((struct kc_carrier_result *)0)->message)];
	size_t i;

	for (i = 0; i < o->nready; i++) {
		const struct item *it = o->ready[i];
		const struct kc_carrier_result *res = &it->req.result;

		if (it->lost || it->check.code || res->outcome == KC_CARRIER_OK)
			continue;
		/* The carrier's texts name the numbers ("The 'To' number
		 * +1... is not valid"): the log keeps none. */
		kc_outbound_redact(res->message, text, sizeof(text));
		kc_warn("%s: %s (%s%d: %s)", it->public_id, it->action,
			res->outcome == KC_CARRIER_CONFIG
			    ? "our configuration, "
			    : "",
			res->code, text);
	}
}

int
kc_outbounder_step(struct kc_outbounder *o, struct kc_outbound_stats *st,
		   int claim_more, int *claimed, int *finished)
{
	size_t i, n;
	int rc = 0;

	*claimed = 0;
	*finished = 0;
	if (claim_more && kc_time_mono_ms() >= o->next_claim_ms &&
	    (kc_carrier_active(o->carrier) == 0 ||
	     kc_carrier_free_slots(o->carrier) * 4 >= o->nitems)) {
		if (refill(o, claimed, &st->deferred) != 0)
			rc = -1;
		st->claimed += *claimed;
	}
	if (kc_carrier_wait(o->carrier, o->nready ? 0 : 20, o->done, o->nitems,
			    &n) != 0) {
		rc = -1;
		n = 0;
	}
	for (i = 0; i < n; i++)
		o->ready[o->nready++] = o->done[i]->user;
	if (o->nready == 0)
		return rc;
	for (i = 0; i < o->nready; i++)
		if (o->ready[i]->status == NULL)
			decide(o, o->ready[i]);
	/* While the database is away the outcomes wait for it. */
	if (record_batch(o) != 0)
		return -1;
	count(o, st);
	log_outcomes(o);
	*finished = (int)o->nready;
	for (i = 0; i < o->nready; i++)
		item_release(o->ready[i]);
	o->nready = 0;
	return rc;
}

int
kc_outbounder_any_due(struct kc_outbounder *o, int *due)
{
	struct kc_rows *r;

	if ((o->only_business
		 ? kc_db_query(o->db, KC_SQL_OUTBOUND_ANY_DUE_BUSINESS,
			       KC_ARGS(kc_p_int(o->only_business)), &r)
		 : kc_db_query(o->db, KC_SQL_OUTBOUND_ANY_DUE, NULL, 0, &r)) !=
	    0)
		return -1;
	*due = kc_rows_int(r, 0, 0) != 0;
	kc_rows_free(r);
	return 0;
}
