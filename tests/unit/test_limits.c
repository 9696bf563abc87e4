/*
 * Unit tests for lib/delivery/kc_limits: a claim's quota for an endpoint
 * (its share of the free slots, max_in_flight, the rate limit's bucket, a
 * pause, an open or half-open breaker), when its queue is due again, and
 * the circuit breaker's transitions.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "kc_limits.h"

static const long long NOW = 1795694400000LL;
static const long long LEASE = 60000;

static struct kc_limits_in
healthy(void)
{
	struct kc_limits_in in;

	memset(&in, 0, sizeof(in));
	in.live = 1;
	in.max_in_flight = 10;
	return in;
}

static struct kc_config
breaker_cfg(void)
{
	struct kc_config c;

	memset(&c, 0, sizeof(c));
	c.breaker_threshold = 3;
	c.breaker_cooldown = 30;
	c.breaker_cooldown_max = 100;
	return c;
}

Test(limits, quota_is_the_least_of_share_room_and_tokens)
{
	struct kc_limits_in in = healthy();
	struct kc_plan p;

	kc_limits_plan(&in, NOW, 4, &p);
	cr_expect_eq(p.quota, 4, "its share");
	in.in_flight = 8;
	kc_limits_plan(&in, NOW, 4, &p);
	cr_expect_eq(p.quota, 2, "max_in_flight's room");
	in.in_flight = 12; /* max_in_flight lowered below what is out */
	kc_limits_plan(&in, NOW, 4, &p);
	cr_expect_eq(p.quota, 0);
	in.in_flight = 0;
	in.rate = 5;
	in.tokens = 1.5;
	in.tokens_at_ms = NOW;
	kc_limits_plan(&in, NOW, 4, &p);
	cr_expect_eq(p.quota, 1, "whole tokens only");
	/* A bucket never written is full: one second's worth. */
	in.tokens_at_ms = 0;
	kc_limits_plan(&in, NOW, 100, &p);
	cr_expect_eq(p.quota, 5);
}

Test(limits, bucket_refills_at_the_rate_up_to_one_second)
{
	cr_expect_float_eq(kc_bucket_level(0, NOW, NOW + 200, 5), 1.0, 1e-9);
	cr_expect_float_eq(kc_bucket_level(0.5, NOW, NOW + 100, 5), 1.0, 1e-9);
	cr_expect_float_eq(kc_bucket_level(0, NOW, NOW + 60000, 5), 5.0, 1e-9);
	/* A clock that stepped back gives nothing. */
	cr_expect_float_eq(kc_bucket_level(2, NOW, NOW - 1000, 5), 2.0, 1e-9);
	cr_expect_float_eq(kc_bucket_level(0, 0, NOW, 7), 7.0, 1e-9);
}

Test(limits, due_again_when_the_limit_that_stopped_it_lets_go)
{
	struct kc_limits_in in = healthy();
	struct kc_plan p;
	int owed;

	/* Took everything due: the caller finds the earliest it owes. */
	kc_limits_plan(&in, NOW, 4, &p);
	kc_limits_due(&in, &p, 3, NOW, LEASE, &owed);
	cr_expect(owed);
	/* Its share ran out: the back of the line, now. */
	cr_expect_eq(kc_limits_due(&in, &p, 4, NOW, LEASE, &owed), NOW);
	cr_expect(!owed);
	/* max_in_flight ran out: the first lease to end. */
	in.in_flight = 8;
	in.in_flight_end_ms = NOW + 20000;
	kc_limits_plan(&in, NOW, 4, &p);
	cr_expect_eq(kc_limits_due(&in, &p, 2, NOW, LEASE, &owed), NOW + 20000);
	in.in_flight = 10;
	kc_limits_plan(&in, NOW, 4, &p);
	cr_expect_eq(p.quota, 0);
	cr_expect_eq(kc_limits_due(&in, &p, 0, NOW, LEASE, &owed), NOW + 20000);
	cr_expect(!owed);
	/* The rate ran out: the next whole token (5/s: 200 ms each). */
	in = healthy();
	in.rate = 5;
	in.tokens = 2.5;
	in.tokens_at_ms = NOW;
	kc_limits_plan(&in, NOW, 10, &p);
	cr_assert_eq(p.quota, 2);
	cr_expect_eq(kc_limits_due(&in, &p, 2, NOW, LEASE, &owed), NOW + 100);
}

Test(limits, a_pause_or_an_open_breaker_holds_the_endpoint)
{
	struct kc_limits_in in = healthy();
	struct kc_plan p;
	int owed;

	in.paused_until_ms = NOW + 3000;
	kc_limits_plan(&in, NOW, 10, &p);
	cr_expect_eq(p.quota, 0);
	cr_expect_eq(kc_limits_due(&in, &p, 0, NOW, LEASE, &owed), NOW + 3000);
	/* The later of the two holds. */
	in.open = 1;
	in.breaker_until_ms = NOW + 9000;
	kc_limits_plan(&in, NOW, 10, &p);
	cr_expect_eq(p.hold_until_ms, NOW + 9000);
	/* Past both: half-open, one probe, and none while one is out. */
	kc_limits_plan(&in, NOW + 9000, 10, &p);
	cr_expect(p.probe);
	cr_expect_eq(p.quota, 1);
	in.in_flight = 1;
	in.in_flight_end_ms = NOW + 20000;
	kc_limits_plan(&in, NOW + 9000, 10, &p);
	cr_expect_eq(p.quota, 0);
	cr_expect_eq(kc_limits_due(&in, &p, 0, NOW + 9000, LEASE, &owed),
		     NOW + 20000);
	/* Owed to a disabled endpoint: no limit, they go dead untried. */
	in.live = 0;
	kc_limits_plan(&in, NOW, 10, &p);
	cr_expect_eq(p.quota, 10);
}

static struct kc_send_req
answer(long status, int ok, long long retry_after, int transport)
{
	struct kc_send_req q;

	memset(&q, 0, sizeof(q));
	q.status = status;
	q.ok = ok;
	q.retry_after = retry_after;
	q.transport = transport;
	return q;
}

Test(limits, what_counts_against_the_breaker)
{
	struct kc_send_req q;

	q = answer(200, 1, -1, 0);
	cr_expect_eq(kc_breaker_verdict(&q), KC_VERDICT_SUCCESS);
	q = answer(0, 0, -1, 1);
	cr_expect_eq(kc_breaker_verdict(&q), KC_VERDICT_FAILURE, "timeout");
	q = answer(200, 0, -1, 1);
	cr_expect_eq(kc_breaker_verdict(&q), KC_VERDICT_FAILURE,
		     "a 200 whose body stalled");
	q = answer(502, 0, -1, 0);
	cr_expect_eq(kc_breaker_verdict(&q), KC_VERDICT_FAILURE);
	q = answer(429, 0, -1, 0);
	cr_expect_eq(kc_breaker_verdict(&q), KC_VERDICT_FAILURE);
	q = answer(503, 0, 30, 0);
	cr_expect_eq(kc_breaker_verdict(&q), KC_VERDICT_NEUTRAL,
		     "it said when: a pause");
	q = answer(404, 0, -1, 0);
	cr_expect_eq(kc_breaker_verdict(&q), KC_VERDICT_NEUTRAL);
	q = answer(0, 0, -1, 0);
	q.not_sent = 1;
	cr_expect_eq(kc_breaker_verdict(&q), KC_VERDICT_UNSENT, "refused here");
}

Test(limits, breaker_opens_probes_and_closes)
{
	struct kc_config c = breaker_cfg();
	struct kc_breaker b;
	long long t = NOW;

	memset(&b, 0, sizeof(b));
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_FAILURE, 0, t, &c), 0);
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_NEUTRAL, 0, t, &c), 0);
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_FAILURE, 0, t, &c), 0);
	cr_expect_eq(b.failures, 2, "a 4xx neither counts nor resets");
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_FAILURE, 0, t, &c),
		     KC_BREAKER_OPENED);
	cr_expect(b.open);
	cr_expect_eq(b.until_ms, t + 30000);
	cr_expect_eq(b.opened_ms, t);
	/* A try that was out when it opened changes nothing. */
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_FAILURE, 0, t + 1000, &c),
		     0);
	cr_expect_eq(b.until_ms, t + 30000);
	/* The probe fails: open again, twice as long, then capped. */
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_FAILURE, 1, t + 30000, &c),
		     0);
	cr_expect_eq(b.until_ms, t + 30000 + 60000);
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_FAILURE, 1, t + 90000, &c),
		     0);
	cr_expect_eq(b.until_ms, t + 90000 + 100000);
	cr_expect_eq(b.opened_ms, t, "the outage began at the first open");
	/* The probe succeeds. */
	cr_expect_eq(
	    kc_breaker_apply(&b, KC_VERDICT_SUCCESS, 0, t + 190000, &c),
	    KC_BREAKER_RECOVERED);
	cr_expect(!b.open);
	cr_expect_eq(b.failures, 0);
	cr_expect_eq(b.opens, 0);
	/* A success resets the count of a closed one. */
	kc_breaker_apply(&b, KC_VERDICT_FAILURE, 0, t, &c);
	kc_breaker_apply(&b, KC_VERDICT_FAILURE, 0, t, &c);
	kc_breaker_apply(&b, KC_VERDICT_SUCCESS, 0, t, &c);
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_FAILURE, 0, t, &c), 0);
	cr_expect_eq(b.failures, 1);
}

Test(limits, cooldown_doubles_up_to_the_cap)
{
	struct kc_config c = breaker_cfg();

	cr_expect_eq(kc_breaker_cooldown(1, &c), 30);
	cr_expect_eq(kc_breaker_cooldown(2, &c), 60);
	cr_expect_eq(kc_breaker_cooldown(3, &c), 100);
	cr_expect_eq(kc_breaker_cooldown(1000, &c), 100);
}

/* A breaker opened at t by three failures. */
static void
opened(struct kc_breaker *b, long long t, const struct kc_config *c)
{
	int i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < 3; i++)
		kc_breaker_apply(b, KC_VERDICT_FAILURE, 0, t, c);
	cr_assert(b->open);
}

/* A try that was out when the breaker opened and failed after the
 * cool-down (on a worker whose clock runs ahead, or a long timeout) is not
 * the probe: it neither reopens the breaker nor grows its cool-down. */
Test(limits, a_straggler_is_not_taken_for_the_probe)
{
	struct kc_config c = breaker_cfg();
	struct kc_breaker b;
	long long t = NOW;

	opened(&b, t, &c);
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_FAILURE, 0, t + 45000, &c),
		     0);
	cr_expect_eq(b.until_ms, t + 30000, "a straggler reopened it");
	cr_expect_eq(b.opens, 1);
}

/* Half-open ends whatever the probe hears: a neutral answer (a 4xx, a 429
 * with Retry-After) closes it; a probe never sent waits the same
 * cool-down again. */
Test(limits, half_open_ends_on_any_answer)
{
	struct kc_config c = breaker_cfg();
	struct kc_breaker b;
	long long t = NOW;

	opened(&b, t, &c);
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_UNSENT, 1, t + 30000, &c),
		     0);
	cr_expect(b.open);
	cr_expect_eq(b.until_ms, t + 60000, "the same cool-down again");
	cr_expect_eq(b.opens, 1);
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_NEUTRAL, 0, t + 61000, &c),
		     0, "not the probe's answer");
	cr_expect(b.open);
	cr_expect_eq(kc_breaker_apply(&b, KC_VERDICT_NEUTRAL, 1, t + 61000, &c),
		     KC_BREAKER_RECOVERED);
	cr_expect(!b.open);
	cr_expect_eq(b.opens, 0);
	cr_expect_eq(b.failures, 0);
}
