/*
 * Unit tests for lib/delivery/kc_backoff: the retry schedule's +-20 % jitter,
 * the end of the schedule (dead), and Retry-After in both its forms.
 */
#include <criterion/criterion.h>

#include "kc_backoff.h"

static const long long sched[] = {5, 300, 1800};

Test(backoff, jitter_stays_within_twenty_percent)
{
	double r;

	/* The extremes of r give the extremes of the window. */
	cr_expect_eq(kc_backoff_delay_ms(sched, 3, 1, 0.0), 4000);
	cr_expect_eq(kc_backoff_delay_ms(sched, 3, 2, 0.5), 300000);
	cr_expect_leq(kc_backoff_delay_ms(sched, 3, 3, 0.999999), 2160000);
	cr_expect_geq(kc_backoff_delay_ms(sched, 3, 3, 0.999999), 2159990);
	for (r = 0; r < 1; r += 0.01) {
		long long d = kc_backoff_delay_ms(sched, 3, 2, r);

		cr_expect(d >= 240000 && d <= 360000, "%lld at r=%f", d, r);
	}
	/* Out-of-range randomness is clamped, never past the window. */
	cr_expect_eq(kc_backoff_delay_ms(sched, 3, 1, -3), 4000);
	cr_expect_leq(kc_backoff_delay_ms(sched, 3, 1, 7), 6000);
}

Test(backoff, schedule_used_up_means_dead)
{
	cr_expect_eq(kc_backoff_delay_ms(sched, 3, 4, 0.5), -1);
	cr_expect_eq(kc_backoff_delay_ms(sched, 3, 0, 0.5), -1);
}

Test(backoff, retry_after_seconds_and_dates)
{
	long long s;
	/* Thu, 26 Nov 2026 12:00:00 GMT */
	const long long now = 1795694400;

	cr_assert_eq(kc_retry_after_parse("120", now, &s), 0);
	cr_expect_eq(s, 120);
	cr_assert_eq(kc_retry_after_parse(" 7 ", now, &s), 0);
	cr_expect_eq(s, 7);
	cr_assert_eq(
	    kc_retry_after_parse("Thu, 26 Nov 2026 12:01:30 GMT", now, &s), 0);
	cr_expect_eq(s, 90);
	/* A date in the past means now. */
	cr_assert_eq(
	    kc_retry_after_parse("Thu, 26 Nov 2026 11:00:00 GMT", now, &s), 0);
	cr_expect_eq(s, 0);
	cr_expect_eq(kc_retry_after_parse("soon", now, &s), -1);
	cr_expect_eq(kc_retry_after_parse("12abc", now, &s), -1);
	cr_expect_eq(kc_retry_after_parse("", now, &s), -1);
	cr_expect_eq(kc_retry_after_parse(NULL, now, &s), -1);
	cr_expect_eq(
	    kc_retry_after_parse("Thu, 26 Nov 2026 12:01:30 GMT x", now, &s),
	    -1);
}
