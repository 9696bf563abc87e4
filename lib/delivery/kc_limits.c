#include "kc_limits.h"

#include <string.h>

/* Whole tokens, and milliseconds rounded up, of non-negative amounts
 * (without libm for two roundings). */
static long long
whole(double x)
{
	return x > 0 ? (long long)x : 0;
}

static long long
round_up(double x)
{
	long long n = whole(x);

	return (double)n < x ? n + 1 : n;
}

double
kc_bucket_level(double tokens, long long tokens_at_ms, long long now_ms,
		long long rate)
{
	double level;
	long long elapsed = now_ms - tokens_at_ms;

	if (rate <= 0)
		return 0;
	if (tokens_at_ms <= 0)
		return (double)rate;
	/* Clocks that step back give nothing, and take nothing. */
	if (elapsed < 0)
		elapsed = 0;
	level = tokens + (double)rate * (double)elapsed / 1000.0;
	return level > (double)rate ? (double)rate : level;
}

void
kc_limits_plan(const struct kc_limits_in *in, long long now_ms, long long share,
	       struct kc_plan *p)
{
	long long hold = 0;

	memset(p, 0, sizeof(*p));
	/* Owed to a disabled or deleted endpoint: they go dead without a
	 * try, so nothing of the receiver's applies. */
	if (!in->live) {
		p->quota = p->cap = share;
		return;
	}
	if (in->paused_until_ms > now_ms)
		hold = in->paused_until_ms;
	if (in->open && in->breaker_until_ms > now_ms &&
	    in->breaker_until_ms > hold)
		hold = in->breaker_until_ms;
	if (hold) {
		p->hold_until_ms = hold;
		return;
	}
	if (in->open) {
		/* Half-open: one try, and only once nothing else is out. */
		p->probe = 1;
		p->cap = in->in_flight == 0 ? 1 : 0;
	} else {
		p->cap = in->max_in_flight - in->in_flight;
		if (p->cap < 0)
			p->cap = 0; /* max_in_flight was lowered meanwhile */
	}
	p->quota = p->cap < share ? p->cap : share;
	if (in->rate > 0) {
		p->level = kc_bucket_level(in->tokens, in->tokens_at_ms, now_ms,
					   in->rate);
		if (whole(p->level) < p->quota)
			p->quota = whole(p->level);
	}
}

long long
kc_limits_due(const struct kc_limits_in *in, const struct kc_plan *p,
	      long long n, long long now_ms, long long lease_ms, int *owed_min)
{
	long long t = 0, end;
	double left;

	*owed_min = 0;
	if (p->hold_until_ms)
		return p->hold_until_ms;
	if (n < p->quota) {
		*owed_min = 1;
		return 0;
	}
	if (in->live && p->cap - n <= 0) {
		/* Full: the first lease to end (or its outcome, which nudges
		 * the queue) frees a place. */
		end = in->in_flight_end_ms;
		if (end <= 0 || (n > 0 && now_ms + lease_ms < end))
			end = now_ms + lease_ms;
		t = end;
	}
	if (in->live && in->rate > 0 && p->level - (double)n < 1.0) {
		left = p->level - (double)n;
		if (left < 0)
			left = 0;
		end =
		    now_ms + round_up((1.0 - left) * 1000.0 / (double)in->rate);
		if (end > t)
			t = end;
	}
	/* Only its share of the slots stopped it: to the back of the line. */
	return t ? t : now_ms;
}

enum kc_verdict
kc_breaker_verdict(const struct kc_send_req *q)
{
	if (q->ok)
		return KC_VERDICT_SUCCESS;
	if (q->not_sent)
		return KC_VERDICT_UNSENT;
	if (q->transport)
		return KC_VERDICT_FAILURE;
	/* It said when to come back: a pause (kc_queue.c), not a fault. */
	if ((q->status == 429 || q->status == 503) && q->retry_after >= 0)
		return KC_VERDICT_NEUTRAL;
	if (q->status == 0 || q->status >= 500 || q->status == 429)
		return KC_VERDICT_FAILURE;
	return KC_VERDICT_NEUTRAL;
}

long long
kc_breaker_cooldown(long long opens, const struct kc_config *cfg)
{
	long long c = cfg->breaker_cooldown, i;

	for (i = 1; i < opens && c < cfg->breaker_cooldown_max; i++)
		c *= 2;
	return c > cfg->breaker_cooldown_max ? cfg->breaker_cooldown_max : c;
}

int
kc_breaker_apply(struct kc_breaker *b, enum kc_verdict v, int probe,
		 long long now_ms, const struct kc_config *cfg)
{
	switch (v) {
	case KC_VERDICT_SUCCESS:
		b->failures = 0;
		b->opens = 0;
		if (!b->open)
			return 0;
		/* Any 2xx closes it, a probe's or a late answer to a try
		 * sent before it opened: the receiver is taking them. */
		b->open = 0;
		b->until_ms = 0;
		return KC_BREAKER_RECOVERED;
	case KC_VERDICT_FAILURE:
		b->failures++;
		if (b->open) {
			/* Only the probe's failure counts: a try that was out
			 * when it opened says nothing new, whenever it ends
			 * (told by the claim, not by comparing clocks). */
			if (probe) {
				b->opens++;
				b->until_ms =
				    now_ms +
				    kc_breaker_cooldown(b->opens, cfg) * 1000;
			}
			return 0;
		}
		if (b->failures < cfg->breaker_threshold)
			return 0;
		b->open = 1;
		b->opens++;
		b->opened_ms = now_ms;
		b->until_ms =
		    now_ms + kc_breaker_cooldown(b->opens, cfg) * 1000;
		return KC_BREAKER_OPENED;
	case KC_VERDICT_NEUTRAL:
		/* The probe reached a receiver that answered (a 4xx, a 429 or
		 * 503 that says when): it is up, so the breaker closes; what
		 * the answer says of the delivery is the retry schedule's
		 * (and a Retry-After pauses the endpoint). Else half-open
		 * would never end. */
		if (!b->open || !probe)
			break;
		b->failures = 0;
		b->opens = 0;
		b->open = 0;
		b->until_ms = 0;
		return KC_BREAKER_RECOVERED;
	case KC_VERDICT_UNSENT:
		/* The probe never left (address refused, not signed): nothing
		 * was learnt of the receiver; another probe after the same
		 * cool-down, which does not grow. */
		if (b->open && probe)
			b->until_ms =
			    now_ms + kc_breaker_cooldown(b->opens, cfg) * 1000;
		break;
	}
	return 0;
}
