/* Unit tests for lib/compliance/kc_hours: local time from the system's tz
 * database at fixed instants, across both DST changes of 2026, in single-
 * and multi-zone sets, and TZ left as it was. */
#include <criterion/criterion.h>

#include "kc_business.h"
#include "kc_hours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "2026-03-08T12:30" (UTC) -> the instant. */
static time_t
at(const char *utc)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	cr_assert_eq(sscanf(utc, "%d-%d-%dT%d:%d", &tm.tm_year, &tm.tm_mon,
			    &tm.tm_mday, &tm.tm_hour, &tm.tm_min),
		     5);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* Judged in zones with the legal window; returns allowed, local times
 * into minutes (may be NULL). */
static int
judge(const char *const *zones, size_t n, const char *utc, int *minutes)
{
	struct kc_hours_zone out[KC_HOURS_ZONES_MAX];
	int allowed = -1;
	size_t i;

	cr_assert_eq(kc_hours_judge(zones, n, at(utc), KC_HOURS_EARLIEST,
				    KC_HOURS_LATEST, out, &allowed),
		     0, "%s", utc);
	for (i = 0; minutes && i < n; i++)
		minutes[i] = out[i].minute;
	return allowed;
}

static const char *const new_york[] = {"America/New_York"};

Test(hours, parse_and_format)
{
	char buf[8];

	cr_assert_eq(kc_hours_parse("08:00"), 480);
	cr_assert_eq(kc_hours_parse("21:00"), 1260);
	cr_assert_eq(kc_hours_parse("00:00"), 0);
	cr_assert_eq(kc_hours_parse("24:00"), 1440);
	cr_assert_eq(kc_hours_parse("13:37"), 817);
	cr_assert_eq(kc_hours_parse("8:00"), -1);
	cr_assert_eq(kc_hours_parse("08:60"), -1);
	cr_assert_eq(kc_hours_parse("24:01"), -1);
	cr_assert_eq(kc_hours_parse("25:00"), -1);
	cr_assert_eq(kc_hours_parse("08-00"), -1);
	cr_assert_eq(kc_hours_parse("08:00 "), -1);
	cr_assert_eq(kc_hours_parse(NULL), -1);
	kc_hours_format(480, buf, sizeof(buf));
	cr_assert_str_eq(buf, "08:00");
	kc_hours_format(1259, buf, sizeof(buf));
	cr_assert_str_eq(buf, "20:59");
}

/* 2026-03-08 02:00 EST becomes 03:00 EDT: the same 12:30 UTC is 07:30 the
 * day before and 08:30 that morning. A fixed -5 offset would get the
 * second wrong. */
Test(hours, spring_forward_in_new_york)
{
	int m;

	cr_assert_eq(judge(new_york, 1, "2026-03-07T12:30", &m), 0);
	cr_assert_eq(m, 7 * 60 + 30);
	cr_assert_eq(judge(new_york, 1, "2026-03-07T13:00", &m), 1);
	cr_assert_eq(m, 8 * 60);
	cr_assert_eq(judge(new_york, 1, "2026-03-08T12:30", &m), 1);
	cr_assert_eq(m, 8 * 60 + 30);
	cr_assert_eq(judge(new_york, 1, "2026-03-08T11:59", &m), 0);
	cr_assert_eq(m, 7 * 60 + 59);
}

/* 2026-11-01 02:00 EDT becomes 01:00 EST. */
Test(hours, fall_back_in_new_york)
{
	int m;

	cr_assert_eq(judge(new_york, 1, "2026-10-31T12:30", &m), 1);
	cr_assert_eq(m, 8 * 60 + 30);
	cr_assert_eq(judge(new_york, 1, "2026-11-01T12:30", &m), 0);
	cr_assert_eq(m, 7 * 60 + 30);
	/* The evening end moves too: 01:30 UTC is 21:30 EDT, then 20:30 EST. */
	cr_assert_eq(judge(new_york, 1, "2026-10-31T01:30", &m), 0);
	cr_assert_eq(m, 21 * 60 + 30);
	cr_assert_eq(judge(new_york, 1, "2026-11-02T01:30", &m), 1);
	cr_assert_eq(m, 20 * 60 + 30);
}

Test(hours, window_ends_are_08_00_in_and_21_00_out)
{
	cr_assert_eq(judge(new_york, 1, "2026-07-15T12:00", NULL), 1, "08:00");
	cr_assert_eq(judge(new_york, 1, "2026-07-15T11:59", NULL), 0, "07:59");
	cr_assert_eq(judge(new_york, 1, "2026-07-16T00:59", NULL), 1, "20:59");
	cr_assert_eq(judge(new_york, 1, "2026-07-16T01:00", NULL), 0, "21:00");
}

Test(hours, arizona_keeps_standard_time)
{
	static const char *const phoenix[] = {"America/Phoenix"};

	cr_assert_eq(judge(phoenix, 1, "2026-01-15T15:00", NULL), 1);
	cr_assert_eq(judge(phoenix, 1, "2026-07-15T15:00", NULL), 1);
	cr_assert_eq(judge(phoenix, 1, "2026-07-15T14:59", NULL), 0);
}

/* An area code on Central and Eastern time: allowed only when it is
 * allowed in both. */
Test(hours, multi_zone_needs_every_zone)
{
	static const char *const panhandle[] = {"America/Chicago",
						"America/New_York"};
	int m[2];

	cr_assert_eq(judge(panhandle, 2, "2026-07-15T12:30", m), 0,
		     "08:30 in New York, 07:30 in Chicago");
	cr_assert_eq(m[0], 7 * 60 + 30);
	cr_assert_eq(m[1], 8 * 60 + 30);
	cr_assert_eq(judge(panhandle, 2, "2026-07-15T13:00", m), 1);
	cr_assert_eq(judge(panhandle, 2, "2026-07-16T00:30", m), 1,
		     "20:30 and 19:30");
	cr_assert_eq(judge(panhandle, 2, "2026-07-16T01:00", m), 0,
		     "21:00 in New York");
}

Test(hours, narrower_window)
{
	struct kc_hours_zone out[1];
	int allowed;

	cr_assert_eq(kc_hours_judge(new_york, 1, at("2026-07-15T12:30"), 9 * 60,
				    17 * 60, out, &allowed),
		     0);
	cr_assert_eq(allowed, 0, "08:30 is before 09:00");
	cr_assert_eq(kc_hours_judge(new_york, 1, at("2026-07-15T20:59"), 9 * 60,
				    17 * 60, out, &allowed),
		     0);
	cr_assert_eq(allowed, 1, "16:59");
	cr_assert_eq(out[0].allowed, 1);
}

Test(hours, unknown_zone_is_an_error)
{
	static const char *const bad[] = {"America/New_York", "Mars/Olympus"};
	static const char *const sneaky[] = {"../../etc/passwd"};
	struct kc_hours_zone out[2];
	int allowed = 7;

	cr_assert_eq(kc_hours_judge(bad, 2, at("2026-07-15T15:00"), 480, 1260,
				    out, &allowed),
		     -1);
	cr_assert_eq(kc_hours_judge(sneaky, 1, at("2026-07-15T15:00"), 480,
				    1260, out, &allowed),
		     -1);
	cr_assert_eq(allowed, 7, "nothing judged");
	cr_assert_eq(kc_hours_judge(bad, 0, 0, 480, 1260, out, &allowed), -1);
}

Test(hours, tz_is_put_back)
{
	cr_assert_eq(setenv("TZ", "Asia/Tokyo", 1), 0);
	judge(new_york, 1, "2026-07-15T15:00", NULL);
	cr_assert_str_eq(getenv("TZ"), "Asia/Tokyo");
	cr_assert_eq(unsetenv("TZ"), 0);
	judge(new_york, 1, "2026-07-15T15:00", NULL);
	cr_assert_null(getenv("TZ"));
}

/* The tz directory holds more than zones: none of it may pass as a
 * recipient's or a business's zone. */
Test(hours, only_places_and_offsets_are_zones)
{
	static const char *const zones[] = {"UTC",
					    "America/New_York",
					    "America/Indiana/Knox",
					    "Pacific/Honolulu",
					    "Etc/GMT-9",
					    "Europe/London"};
	static const char *const not_zones[] = {"localtime",
						"posixrules",
						"Factory",
						"leapseconds",
						"posix/America/New_York",
						"right/America/New_York",
						"right/UTC",
						"posix",
						"America",
						"zone1970.tab",
						"iso3166.tab",
						"tzdata.zi",
						"leap-seconds.list",
						"America/Nowhere",
						"../zoneinfo/UTC",
						"/usr/share/zoneinfo/UTC",
						"",
						"America/New_York/"};
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		cr_assert(kc_timezone_valid(zones[i]), "%s", zones[i]);
	for (i = 0; i < sizeof(not_zones) / sizeof(not_zones[0]); i++)
		cr_assert(!kc_timezone_valid(not_zones[i]), "%s", not_zones[i]);
	cr_assert(!kc_timezone_valid(NULL));
}
