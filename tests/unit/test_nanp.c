/* Unit tests for lib/compliance/kc_nanp: which +1 numbers may be called
 * (area code and exchange 2-9, no N11) and the generated area code -> time
 * zone table, checked against the system's tz database. */
#include <criterion/criterion.h>

#include "kc_business.h"
#include "kc_nanp.h"

#include <string.h>

Test(nanp, valid_numbers)
{
	cr_assert_null(kc_phone_problem("+14155550123"));
	cr_assert_null(kc_phone_problem("+12125550199"));
	cr_assert_null(kc_phone_problem("+19895559999"));
	cr_assert_eq(kc_phone_dialable("+14155550123"), 1);
	/* Other countries: E.164 only. */
	cr_assert_null(kc_phone_problem("+442071838750"));
	cr_assert_null(kc_phone_problem("+61291234567"));
}

Test(nanp, area_code_and_exchange_begin_with_2_to_9)
{
	cr_assert_str_eq(kc_phone_problem("+10155550123"),
			 "the area code must begin with 2-9");
	cr_assert_str_eq(kc_phone_problem("+11155550123"),
			 "the area code must begin with 2-9");
	cr_assert_str_eq(kc_phone_problem("+14150550123"),
			 "the exchange must begin with 2-9");
	cr_assert_str_eq(kc_phone_problem("+14151550123"),
			 "the exchange must begin with 2-9");
	cr_assert_null(kc_phone_problem("+12002000000"), "2 is the lowest");
}

Test(nanp, no_n11)
{
	static const char *const n11[] = {"+12115550123", "+14115550123",
					  "+19115550123"};
	size_t i;

	for (i = 0; i < 3; i++)
		cr_assert(strstr(kc_phone_problem(n11[i]), "N11"), "%s",
			  n11[i]);
	cr_assert(strstr(kc_phone_problem("+14154115555"), "exchange"));
	cr_assert(strstr(kc_phone_problem("+14159115555"), "N11"));
	/* Only X11 is N11: 1 in the middle alone is fine. */
	cr_assert_null(kc_phone_problem("+12105550123"));
	cr_assert_null(kc_phone_problem("+14152105555"));
	cr_assert_not_null(kc_phone_problem("+14155115555"), "511");
	cr_assert_null(kc_phone_problem("+14155125555"));
}

Test(nanp, ten_digits_after_plus_one)
{
	cr_assert_not_null(kc_phone_problem("+1415555012"));
	cr_assert_not_null(kc_phone_problem("+141555501234"));
	cr_assert_not_null(kc_phone_problem("14155550123"), "no +");
	cr_assert_not_null(kc_phone_problem("+1 415 555 0123"));
	cr_assert_not_null(kc_phone_problem(""));
	cr_assert_not_null(kc_phone_problem(NULL));
}

Test(nanp, registry_numbers)
{
	cr_assert_eq(kc_nanp_number("+12015550123"), 2015550123LL);
	cr_assert_eq(kc_nanp_number("+442071838750"), -1);
	cr_assert_eq(kc_nanp_number("+10155550123"), -1);
	cr_assert_eq(kc_nanp_number(NULL), -1);
	cr_assert_eq(kc_nanp_parse10("2015550123", 10), 2015550123LL);
	cr_assert_eq(kc_nanp_parse10("9895559999", 10), 9895559999LL);
	cr_assert_eq(kc_nanp_parse10("201555012", 9), -1);
	cr_assert_eq(kc_nanp_parse10("20155501234", 11), -1);
	cr_assert_eq(kc_nanp_parse10("1015550123", 10), -1);
	cr_assert_eq(kc_nanp_parse10("2011550123", 10), -1);
	cr_assert_eq(kc_nanp_parse10("201555012x", 10), -1);
	cr_assert_eq(kc_nanp_parse10("9115550123", 10), -1);
}

Test(nanp_tz, table_is_sorted_and_valid)
{
	size_t i, z;
	char number[16];

	cr_assert_gt(kc_nanp_tz_count, 300, "only %zu area codes",
		     kc_nanp_tz_count);
	for (i = 0; i < kc_nanp_tz_count; i++) {
		const struct kc_nanp_tz *t = &kc_nanp_tz_table[i];

		if (i > 0)
			cr_assert_gt(t->npa, kc_nanp_tz_table[i - 1].npa);
		snprintf(number, sizeof(number), "+1%d5550123", t->npa);
		cr_assert(kc_phone_dialable(number), "area code %d", t->npa);
		cr_assert_not_null(t->zones[0], "%d has no zone", t->npa);
		for (z = 0; z < KC_NANP_TZ_MAX && t->zones[z]; z++)
			cr_assert(kc_timezone_valid(t->zones[z]),
				  "%d: %s is not in the tz database", t->npa,
				  t->zones[z]);
		cr_assert_null(t->zones[KC_NANP_TZ_MAX]);
		cr_assert_eq(kc_nanp_tz_find(number), t);
	}
}

static void
expect_zones(const char *number, const char *const *want, size_t n)
{
	const struct kc_nanp_tz *t = kc_nanp_tz_find(number);
	size_t i;

	cr_assert_not_null(t, "%s has no zones", number);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(t->zones[i], want[i], "%s zone %zu", number,
				 i);
	cr_assert_null(t->zones[n], "%s has more than %zu zones", number, n);
}

Test(nanp_tz, single_and_multi_zone_area_codes)
{
	static const char *const ny[] = {"America/New_York"};
	static const char *const la[] = {"America/Los_Angeles"};
	static const char *const az[] = {"America/Phoenix"};
	/* The Florida panhandle is on Central and Eastern time. */
	static const char *const fl[] = {"America/Chicago", "America/New_York"};
	static const char *const sd[] = {"America/Chicago", "America/Denver",
					 "America/North_Dakota/Center"};

	expect_zones("+12125550199", ny, 1);
	expect_zones("+14155550123", la, 1);
	expect_zones("+16235550123", az, 1);
	expect_zones("+18505550123", fl, 2);
	expect_zones("+16055550123", sd, 3);
}

Test(nanp_tz, unknown_area_codes_and_other_countries)
{
	cr_assert_null(kc_nanp_tz_find("+15555550123"), "555 is no area");
	cr_assert_null(kc_nanp_tz_find("+18005550123"), "800 is toll-free");
	cr_assert_null(kc_nanp_tz_find("+442071838750"));
	cr_assert_null(kc_nanp_tz_find("+10155550123"));
}
