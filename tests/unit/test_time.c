/*
 * Unit tests for lib/core/kc_time: MariaDB DATETIME(6) text to RFC 3339 and
 * back (offsets normalised to UTC, calendar-checked), and duration parsing.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kc_time.h"

/* kc_time_from_db */

Test(from_db, with_microseconds)
{
	char out[KC_TIME_MAX];

	cr_assert_eq(
	    kc_time_from_db("2026-11-26 19:36:20.123456", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "2026-11-26T19:36:20.123Z");
	cr_assert_eq(
	    kc_time_from_db("2026-01-01 00:00:00.000999", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "2026-01-01T00:00:00.000Z");
}

Test(from_db, without_fraction)
{
	char out[KC_TIME_MAX];

	cr_assert_eq(kc_time_from_db("2026-11-26 19:36:20", out, sizeof(out)),
		     0);
	cr_assert_str_eq(out, "2026-11-26T19:36:20.000Z");
}

Test(from_db, output_round_trips)
{
	char api[KC_TIME_MAX], db[KC_TIME_MAX];

	cr_assert_eq(
	    kc_time_from_db("2026-03-04 05:06:07.890000", api, sizeof(api)), 0);
	cr_assert_eq(kc_time_to_db(api, db, sizeof(db)), 0);
	cr_assert_str_eq(db, "2026-03-04 05:06:07.890000");
}

Test(from_db, bad_shape)
{
	char out[KC_TIME_MAX];

	cr_assert_eq(kc_time_from_db(NULL, out, sizeof(out)), -1);
	cr_assert_eq(kc_time_from_db("", out, sizeof(out)), -1);
	cr_assert_eq(kc_time_from_db("2026-11-26", out, sizeof(out)), -1);
	cr_assert_eq(kc_time_from_db("2026-11-26 19:36", out, sizeof(out)), -1);
	cr_assert_eq(kc_time_from_db("2026/11/26 19:36:20", out, sizeof(out)),
		     -1);
	cr_assert_eq(kc_time_from_db("2026-11-26T19:36:20", out, sizeof(out)),
		     -1);
}

Test(from_db, garbled_values_rejected)
{
	char out[KC_TIME_MAX] = "";

	/* "a garbled one must not become a plausible-looking timestamp" */
	cr_expect_eq(kc_time_from_db("2026-1X-26 19:36:20", out, sizeof(out)),
		     -1, "letters in the month gave %s", out);
	cr_expect_eq(
	    kc_time_from_db("2026-11-26 19:36:20garbage", out, sizeof(out)), -1,
	    "trailing garbage gave %s", out);
	cr_expect_eq(
	    kc_time_from_db("2026-11-26 19:36:20.12x456", out, sizeof(out)), -1,
	    "garbled fraction gave %s", out);
}

Test(from_db, small_output)
{
	char out[32];

	/* "2026-11-26T19:36:20.123Z" needs 25 bytes. */
	cr_assert_eq(kc_time_from_db("2026-11-26 19:36:20.123456", out, 24),
		     -1);
	cr_assert_eq(kc_time_from_db("2026-11-26 19:36:20.123456", out, 25), 0);
	cr_assert_str_eq(out, "2026-11-26T19:36:20.123Z");
}

/* kc_time_to_db */

static void
to_db_is(const char *in, const char *want)
{
	char out[KC_TIME_MAX];

	memset(out, 0, sizeof(out));
	cr_expect_eq(kc_time_to_db(in, out, sizeof(out)), 0, "%s", in);
	cr_expect_str_eq(out, want, "%s", in);
}

static void
to_db_bad(const char *in)
{
	char out[KC_TIME_MAX];

	cr_expect_eq(kc_time_to_db(in, out, sizeof(out)), -1, "accepted %s",
		     in ? in : "NULL");
}

Test(to_db, utc)
{
	to_db_is("2026-01-31T14:00:00Z", "2026-01-31 14:00:00.000000");
	to_db_is("2026-01-31t14:00:00z", "2026-01-31 14:00:00.000000");
	to_db_is("1970-01-01T00:00:00Z", "1970-01-01 00:00:00.000000");
	to_db_is("9999-12-31T23:59:59Z", "9999-12-31 23:59:59.000000");
}

Test(to_db, offsets_convert_to_utc)
{
	to_db_is("2026-01-31T14:00:00+02:00", "2026-01-31 12:00:00.000000");
	to_db_is("2026-01-31T14:00:00-07:00", "2026-01-31 21:00:00.000000");
	to_db_is("2026-01-31T14:00:00+00:00", "2026-01-31 14:00:00.000000");
	to_db_is("2026-01-31T14:00:00-00:00", "2026-01-31 14:00:00.000000");
	to_db_is("2026-01-31T14:00:00+05:30", "2026-01-31 08:30:00.000000");
	to_db_is("2026-01-31T14:00:00+23:59", "2026-01-30 14:01:00.000000");
}

Test(to_db, offsets_cross_days_months_years)
{
	to_db_is("2026-01-31T23:30:00-05:00", "2026-02-01 04:30:00.000000");
	to_db_is("2026-01-01T01:00:00+05:30", "2025-12-31 19:30:00.000000");
	to_db_is("2024-02-28T22:00:00-03:00", "2024-02-29 01:00:00.000000");
	to_db_is("2026-02-28T22:00:00-03:00", "2026-03-01 01:00:00.000000");
}

Test(to_db, fractions)
{
	to_db_is("2026-01-31T14:00:00.5Z", "2026-01-31 14:00:00.500000");
	to_db_is("2026-01-31T14:00:00.123Z", "2026-01-31 14:00:00.123000");
	to_db_is("2026-01-31T14:00:00.123456Z", "2026-01-31 14:00:00.123456");
	to_db_is("2026-01-31T14:00:00.000001Z", "2026-01-31 14:00:00.000001");
	/* Beyond microseconds is truncated. */
	to_db_is("2026-01-31T14:00:00.123456789Z",
		 "2026-01-31 14:00:00.123456");
	to_db_is("2026-01-31T14:00:00.25+01:00", "2026-01-31 13:00:00.250000");
}

Test(to_db, leap_day)
{
	to_db_is("2024-02-29T12:00:00Z", "2024-02-29 12:00:00.000000");
	to_db_is("2000-02-29T12:00:00Z", "2000-02-29 12:00:00.000000");
	to_db_bad("2026-02-29T12:00:00Z");
	to_db_bad("2100-02-29T12:00:00Z");
	to_db_bad("2024-02-30T12:00:00Z");
}

Test(to_db, invalid_calendar_values)
{
	to_db_bad("2026-13-01T00:00:00Z");
	to_db_bad("2026-00-01T00:00:00Z");
	to_db_bad("2026-01-00T00:00:00Z");
	to_db_bad("2026-01-32T00:00:00Z");
	to_db_bad("2026-04-31T00:00:00Z");
	to_db_bad("2026-01-31T24:00:00Z");
	to_db_bad("2026-01-31T23:60:00Z");
	to_db_bad("2026-01-31T23:59:60Z");
	to_db_bad("1969-12-31T23:59:59Z");
	to_db_bad("0000-01-01T00:00:00Z");
}

Test(to_db, result_stays_within_datetime_range)
{
	/* MariaDB DATETIME ends at 9999-12-31 23:59:59.999999: an offset
	 * that carries the UTC time past it is not storable. */
	to_db_bad("9999-12-31T23:00:00-02:00");
	to_db_is("9999-12-31T23:00:00+02:00", "9999-12-31 21:00:00.000000");
}

Test(to_db, bad_offsets)
{
	to_db_bad("2026-01-31T14:00:00");
	to_db_bad("2026-01-31T14:00:00+0200");
	to_db_bad("2026-01-31T14:00:00+02");
	to_db_bad("2026-01-31T14:00:00+2:00");
	to_db_bad("2026-01-31T14:00:00+24:00");
	to_db_bad("2026-01-31T14:00:00+02:60");
	to_db_bad("2026-01-31T14:00:00 +02:00");
	to_db_bad("2026-01-31T14:00:00UTC");
	to_db_bad("2026-01-31T14:00:00.123");
}

Test(to_db, bad_fractions)
{
	to_db_bad("2026-01-31T14:00:00.Z");
	to_db_bad("2026-01-31T14:00:00,5Z");
	to_db_bad("2026-01-31T14:00:00.5.5Z");
	to_db_bad("2026-01-31T14:00:00.1234567890123456Z");
}

Test(to_db, garbage)
{
	to_db_bad(NULL);
	to_db_bad("");
	to_db_bad("now");
	to_db_bad("yesterday at noon, roughly");
	to_db_bad("2026-01-31 14:00:00Z");
	to_db_bad("2026-01-31");
	to_db_bad("31/01/2026T14:00:00Z");
	to_db_bad("2026-1-31T14:00:00Z");
	to_db_bad("2026-01-31T14:0:00Z");
	to_db_bad("+2026-01-31T14:00:00Z");
	to_db_bad("2026-01-31T14:00:00\xef\xbc\xba");
	to_db_bad("\xef\xbc\x92"
		  "026-01-31T14:00:00Z");
}

Test(to_db, trailing_characters)
{
	to_db_bad("2026-01-31T14:00:00Zx");
	to_db_bad("2026-01-31T14:00:00Z ");
	to_db_bad("2026-01-31T14:00:00ZZ");
	to_db_bad("2026-01-31T14:00:00+02:00Z");
	to_db_bad("2026-01-31T14:00:00+02:00 ");
	to_db_bad(" 2026-01-31T14:00:00Z");
	to_db_bad("2026-01-31T14:00:00Z\n");
}

Test(to_db, small_output)
{
	char out[32];

	/* "2026-01-31 14:00:00.000000" needs 27 bytes. */
	cr_assert_eq(kc_time_to_db("2026-01-31T14:00:00Z", out, 26), -1);
	cr_assert_eq(kc_time_to_db("2026-01-31T14:00:00Z", out, 27), 0);
	cr_assert_str_eq(out, "2026-01-31 14:00:00.000000");
}

/* kc_duration_parse */

static void
duration_is(const char *s, long long want)
{
	long long got = -42;

	cr_expect_eq(kc_duration_parse(s, &got), 0, "%s", s);
	cr_expect_eq(got, want, "%s", s);
}

static void
duration_bad(const char *s)
{
	long long got = -42;

	cr_expect_eq(kc_duration_parse(s, &got), -1, "accepted %s",
		     s ? s : "NULL");
	cr_expect_eq(got, -42, "%s: output written on failure", s ? s : "NULL");
}

Test(duration, units)
{
	duration_is("24h", 86400);
	duration_is("30m", 1800);
	duration_is("90s", 90);
	duration_is("2d", 172800);
	duration_is("1h", 3600);
}

Test(duration, plain_seconds)
{
	duration_is("0", 0);
	duration_is("3600", 3600);
	duration_is("0s", 0);
	duration_is("0d", 0);
	duration_is("007", 7);
}

Test(duration, bad_units)
{
	duration_bad("5w");
	duration_bad("5y");
	duration_bad("5H");
	duration_bad("5hh");
	duration_bad("5hm");
	duration_bad("1h30m");
	duration_bad("5 m");
	duration_bad("1.5h");
	duration_bad("h");
	duration_bad("s");
}

Test(duration, negative_and_signs)
{
	duration_bad("-5");
	duration_bad("-5m");
	duration_bad("+5");
	duration_bad(" 5");
}

Test(duration, empty_and_null)
{
	duration_bad("");
	duration_bad(NULL);
}

Test(duration, upper_bound_ten_years)
{
	duration_is("3650d", 3650LL * 86400);
	duration_bad("3651d");
	duration_is("87600h", 3650LL * 86400);
	duration_bad("87601h");
	duration_is("5256000m", 3650LL * 86400);
	duration_bad("5256001m");
	duration_is("315360000", 315360000LL);
	duration_bad("315360001");
	duration_bad("315360001s");
}

Test(duration, overflow)
{
	duration_bad("9223372036854775807");
	duration_bad("9223372036854775808");
	duration_bad("99999999999999999999999d");
	duration_bad("106751991167300d");
	duration_bad("2562047788015216h");
}

Test(time, duration_list_parses_durations)
{
	long long out[5];
	size_t n;

	cr_assert_eq(kc_duration_list_parse("5s, 5m,30m ,2h,1d", out, 5, &n),
		     0);
	cr_assert_eq(n, 5);
	cr_expect_eq(out[0], 5);
	cr_expect_eq(out[1], 300);
	cr_expect_eq(out[2], 1800);
	cr_expect_eq(out[3], 7200);
	cr_expect_eq(out[4], 86400);
}

Test(time, duration_list_rejects_bad_lists)
{
	long long out[3];
	size_t n;

	cr_expect_eq(kc_duration_list_parse("", out, 3, &n), -1);
	cr_expect_eq(kc_duration_list_parse(NULL, out, 3, &n), -1);
	cr_expect_eq(kc_duration_list_parse("5s,", out, 3, &n), -1);
	cr_expect_eq(kc_duration_list_parse(",5s", out, 3, &n), -1);
	cr_expect_eq(kc_duration_list_parse("5x", out, 3, &n), -1);
	cr_expect_eq(kc_duration_list_parse("-5s", out, 3, &n), -1);
	/* More than fits. */
	cr_expect_eq(kc_duration_list_parse("1s,2s,3s,4s", out, 3, &n), -1);
}
