/*
 * Unit tests for lib/core/kc_phone: E.164 is '+', a non-zero country digit and
 * 7 to 15 digits in all, nothing else.
 */
#include <criterion/criterion.h>

#include "kc_phone.h"

Test(e164, valid_numbers)
{
	cr_assert_eq(kc_e164_valid("+14155550123"), 1);
	cr_assert_eq(kc_e164_valid("+442071838750"), 1);
	cr_assert_eq(kc_e164_valid("+61291234567"), 1);
	cr_assert_eq(kc_e164_valid("+1023456789"), 1, "0 after the first");
}

Test(e164, length_bounds)
{
	cr_assert_eq(kc_e164_valid("+1234567"), 1, "7 digits is the minimum");
	cr_assert_eq(kc_e164_valid("+123456"), 0, "6 digits is too short");
	cr_assert_eq(kc_e164_valid("+123456789012345"), 1,
		     "15 digits is the maximum");
	cr_assert_eq(kc_e164_valid("+1234567890123456"), 0,
		     "16 digits is too long");
	cr_assert_eq(kc_e164_valid("+12345678901234567890"), 0);
	cr_assert_eq(kc_e164_valid("+1"), 0);
}

Test(e164, missing_plus)
{
	cr_assert_eq(kc_e164_valid("14155550123"), 0);
	cr_assert_eq(kc_e164_valid("004414155550"), 0);
	cr_assert_eq(kc_e164_valid(" +14155550123"), 0);
	cr_assert_eq(kc_e164_valid("++14155550123"), 0);
}

Test(e164, leading_zero)
{
	cr_assert_eq(kc_e164_valid("+04155550123"), 0);
	cr_assert_eq(kc_e164_valid("+0"), 0);
}

Test(e164, letters_and_punctuation)
{
	cr_assert_eq(kc_e164_valid("+1415555O123"), 0);
	cr_assert_eq(kc_e164_valid("+1415CALLNOW"), 0);
	cr_assert_eq(kc_e164_valid("+14155550123x"), 0);
	cr_assert_eq(kc_e164_valid("+1-415-555-0123"), 0);
	cr_assert_eq(kc_e164_valid("+1(415)5550123"), 0);
	cr_assert_eq(kc_e164_valid("+1415555012\xd9\xa3"), 0);
}

Test(e164, spaces)
{
	cr_assert_eq(kc_e164_valid("+1 415 555 0123"), 0);
	cr_assert_eq(kc_e164_valid("+14155550123 "), 0);
	cr_assert_eq(kc_e164_valid("+ 14155550123"), 0);
	cr_assert_eq(kc_e164_valid("+14155550123\n"), 0);
}

Test(e164, empty_and_null)
{
	cr_assert_eq(kc_e164_valid(""), 0);
	cr_assert_eq(kc_e164_valid("+"), 0);
	cr_assert_eq(kc_e164_valid(NULL), 0);
}
