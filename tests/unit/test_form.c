/*
 * Unit tests for lib/core/kc_form: the strict form-body parser that reads
 * the carrier's callbacks and the dashboard's forms (decoding, the order Twilio
 * signs in, repeated names, every rejection, and the limits at and past their
 * bounds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kc_form.h"

static struct kc_form *
parse_ok(const char *body)
{
	struct kc_form *f = NULL;
	char err[128] = "";

	cr_assert_eq(kc_form_parse(body, strlen(body), &f, err, sizeof(err)), 0,
		     "'%s': %s", body, err);
	cr_assert_not_null(f);
	return f;
}

/* Expects body (len bytes) to fail with needle in the error. */
static void
parse_fails_n(const char *body, size_t len, const char *needle)
{
	struct kc_form *f = (struct kc_form *)1;
	char err[128] = "";

	cr_assert_eq(kc_form_parse(body, len, &f, err, sizeof(err)), -1,
		     "'%.*s' was accepted", (int)(len > 60 ? 60 : len), body);
	cr_assert_null(f);
	cr_expect_not_null(strstr(err, needle), "'%s' not in '%s'", needle,
			   err);
}

static void
parse_fails(const char *body, const char *needle)
{
	parse_fails_n(body, strlen(body), needle);
}

TestSuite(form);

Test(form, decodes_and_sorts_by_name)
{
	struct kc_form *f = parse_ok("To=%2B15558675310&From=%2B15017122661"
				     "&Body=Hello+there%21+%26+%3D+bye"
				     "&AccountSid=AC123");

	cr_assert_eq(f->n, 4);
	cr_assert_str_eq(f->pairs[0].name, "AccountSid");
	cr_assert_str_eq(f->pairs[1].name, "Body");
	cr_assert_str_eq(f->pairs[1].value, "Hello there! & = bye");
	cr_assert_eq(f->pairs[1].value_len, strlen("Hello there! & = bye"));
	cr_assert_str_eq(f->pairs[2].name, "From");
	cr_assert_str_eq(f->pairs[2].value, "+15017122661");
	cr_assert_str_eq(f->pairs[3].name, "To");
	cr_assert_str_eq(kc_form_get(f, "To"), "+15558675310");
	cr_assert_null(kc_form_get(f, "to"), "names are case-sensitive");
	cr_assert_null(kc_form_get(f, "Missing"));
	kc_form_free(f);
}

Test(form, empty_body_and_empty_values)
{
	struct kc_form *f = parse_ok("");

	cr_assert_eq(f->n, 0);
	cr_assert_null(kc_form_get(f, "Body"));
	kc_form_free(f);
	f = parse_ok("Body=&ErrorCode=");
	cr_assert_eq(f->n, 2);
	cr_assert_str_eq(kc_form_get(f, "Body"), "");
	cr_assert_eq(f->pairs[0].value_len, 0);
	kc_form_free(f);
}

Test(form, raw_equals_and_printable_ascii_in_values)
{
	/* Everything after the first '=' is the value; encoders that leave
	 * "*-._~:/" and '=' raw are still read exactly. */
	struct kc_form *f = parse_ok("Url=https://x.test/a?b=c*d~e");

	cr_assert_str_eq(kc_form_get(f, "Url"), "https://x.test/a?b=c*d~e");
	kc_form_free(f);
}

Test(form, utf8_percent_encoded)
{
	struct kc_form *f = parse_ok("Body=Zo%C3%AB+%E6%9D%B1%F0%9F%98%80");

	cr_assert_str_eq(kc_form_get(f, "Body"),
			 "Zo\xc3\xab \xe6\x9d\xb1\xf0\x9f\x98\x80");
	kc_form_free(f);
}

Test(form, repeated_names_kept_sorted_by_value)
{
	struct kc_form *f = parse_ok("Ev=ringing&B=1&Ev=answered&Ev=completed"
				     "&Ev=answered");

	cr_assert_eq(f->n, 5);
	cr_assert_eq(kc_form_count(f, "Ev"), 4);
	cr_assert_eq(kc_form_count(f, "B"), 1);
	cr_assert_null(kc_form_get(f, "Ev"), "a repeated name is ambiguous");
	cr_assert_str_eq(kc_form_get(f, "B"), "1");
	cr_assert_str_eq(f->pairs[1].value, "answered");
	cr_assert_str_eq(f->pairs[2].value, "answered");
	cr_assert_str_eq(f->pairs[3].value, "completed");
	cr_assert_str_eq(f->pairs[4].value, "ringing");
	kc_form_free(f);
}

Test(form, order_is_utf16_not_bytes)
{
	/* U+1F600 is the surrogate pair D83D DE00 in UTF-16, below U+FF01;
	 * in UTF-8 bytes (F0 ... against EF ...) it is above. */
	const char *emoji = "\xf0\x9f\x98\x80", *bang = "\xef\xbc\x81";
	struct kc_form *f;

	cr_assert_lt(kc_form_cmp(emoji, 4, bang, 3), 0);
	cr_assert_gt(kc_form_cmp(bang, 3, emoji, 4), 0);
	cr_assert_gt(memcmp(emoji, bang, 1), 0,
		     "bytes order them the "
		     "other way");
	/* Below U+E000 code point order holds: U+D7FF < U+10000. */
	cr_assert_lt(kc_form_cmp("\xed\x9f\xbf", 3, emoji, 4), 0);
	cr_assert_lt(kc_form_cmp("B", 1, "a", 1), 0, "upper case first");
	cr_assert_lt(kc_form_cmp("To", 2, "ToCity", 6), 0, "prefix first");
	cr_assert_eq(kc_form_cmp("x\xc3\xa9", 3, "x\xc3\xa9", 3), 0);
	cr_assert_lt(kc_form_cmp("x\xc3\xa9", 3, "x\xc3\xaa", 3), 0);

	f = parse_ok("V=%EF%BC%81&V=%F0%9F%98%80&V=z");
	cr_assert_str_eq(f->pairs[0].value, "z");
	cr_assert_str_eq(f->pairs[1].value, emoji);
	cr_assert_str_eq(f->pairs[2].value, bang);
	kc_form_free(f);
}

Test(form, malformed_pairs)
{
	parse_fails("Body", "field 1: no '='");
	parse_fails("A=1&Body", "field 2: no '='");
	parse_fails("=x", "empty name");
	parse_fails("A=1&", "field 2");
	parse_fails("&A=1", "field 1");
	parse_fails("A=1&&B=2", "field 2");
}

Test(form, bad_escapes)
{
	parse_fails("A=%", "two hex digits");
	parse_fails("A=%4", "two hex digits");
	parse_fails("A=%G1", "two hex digits");
	parse_fails("A=%1g", "two hex digits");
	parse_fails("A%=1", "two hex digits");
}

Test(form, raw_bytes_that_must_be_escaped)
{
	parse_fails("A=a b", "percent-encoded");
	parse_fails("A=a\tb", "percent-encoded");
	parse_fails("A=a\r\nB=2", "percent-encoded");
	parse_fails("A=\xc3\xa9", "percent-encoded");
	parse_fails("A=\x7f", "percent-encoded");
	parse_fails_n("A=1\0B=2", 7, "percent-encoded");
}

Test(form, decoded_text_must_be_utf8_without_nul)
{
	parse_fails("A=%00", "UTF-8");
	parse_fails("A%00=1", "UTF-8");
	parse_fails("A=%C3%28", "UTF-8");       /* bad continuation */
	parse_fails("A=%C3", "UTF-8");          /* cut short */
	parse_fails("A=%C0%AF", "UTF-8");       /* overlong '/' */
	parse_fails("A=%ED%A0%80", "UTF-8");    /* a lone surrogate */
	parse_fails("A=%F4%90%80%80", "UTF-8"); /* past U+10FFFF */
	parse_fails("A=%FF", "UTF-8");
}

/* A body of count pairs "Nxxx=v". */
static char *
pairs(size_t count)
{
	char *b = malloc(count * 16 + 1), *p = b;
	size_t i;

	cr_assert_not_null(b);
	for (i = 0; i < count; i++)
		p += sprintf(p, "%sN%zu=v", i ? "&" : "", i);
	return b;
}

Test(form, pair_count_limit)
{
	char *b = pairs(KC_FORM_PAIRS_MAX);
	struct kc_form *f = parse_ok(b);

	cr_assert_eq(f->n, KC_FORM_PAIRS_MAX);
	kc_form_free(f);
	free(b);
	b = pairs(KC_FORM_PAIRS_MAX + 1);
	parse_fails(b, "more than");
	free(b);
}

Test(form, name_and_value_limits)
{
	char *b = malloc(KC_FORM_VALUE_MAX * 3 + 64);
	struct kc_form *f;

	cr_assert_not_null(b);
	memset(b, 'n', KC_FORM_NAME_MAX);
	strcpy(b + KC_FORM_NAME_MAX, "=1");
	f = parse_ok(b);
	cr_assert_eq(f->pairs[0].name_len, KC_FORM_NAME_MAX);
	kc_form_free(f);
	memset(b, 'n', KC_FORM_NAME_MAX + 1);
	strcpy(b + KC_FORM_NAME_MAX + 1, "=1");
	parse_fails(b, "name too long");

	/* The bound is on decoded bytes: "%41" counts once. */
	strcpy(b, "V=");
	for (size_t i = 0; i < KC_FORM_VALUE_MAX / 4; i++)
		strcpy(b + 2 + i * 3, "%41");
	memset(b + 2 + KC_FORM_VALUE_MAX / 4 * 3, 'a',
	       KC_FORM_VALUE_MAX - KC_FORM_VALUE_MAX / 4);
	b[2 + KC_FORM_VALUE_MAX / 4 * 3 + KC_FORM_VALUE_MAX -
	  KC_FORM_VALUE_MAX / 4] = '\0';
	f = parse_ok(b);
	cr_assert_eq(f->pairs[0].value_len, KC_FORM_VALUE_MAX);
	kc_form_free(f);
	strcat(b, "a");
	parse_fails(b, "value too long");
	free(b);
}

Test(form, body_size_limit)
{
	char *b = malloc(KC_FORM_BODY_MAX + 2);

	cr_assert_not_null(b);
	memset(b, 'a', KC_FORM_BODY_MAX + 1);
	memcpy(b, "A=", 2);
	parse_fails_n(b, KC_FORM_BODY_MAX + 1, "over");
	free(b);
}

Test(form, free_null)
{
	kc_form_free(NULL);
}

/* The limits are the caller's: the dashboard's forms allow other sizes
 * than the carrier's callbacks, each bound held exactly. */
Test(form, limits_of_the_callers_own)
{
	static const struct kc_form_limits lim = {32, 3, 4, 6};
	struct kc_form *f = NULL;
	char err[128];

	cr_assert_eq(kc_form_parse_limits("nnnn=vvvvvv&a=1&b=2", 19, &lim, &f,
					  err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(f->n, 3);
	kc_form_free(f);
	cr_assert_eq(kc_form_parse_limits("a=1&b=2&c=3&d=4", 15, &lim, &f, err,
					  sizeof(err)),
		     -1);
	cr_assert_not_null(strstr(err, "more than 3"));
	cr_assert_eq(
	    kc_form_parse_limits("nnnnn=1", 7, &lim, &f, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "name too long"));
	cr_assert_eq(
	    kc_form_parse_limits("a=vvvvvvv", 9, &lim, &f, err, sizeof(err)),
	    -1);
	cr_assert_not_null(strstr(err, "value too long"));
	cr_assert_eq(kc_form_parse_limits("a=1&b=222222&c=33333333333333333",
					  32, &lim, &f, err, sizeof(err)),
		     -1, "a value too long, in a body at its bound");
	cr_assert_eq(kc_form_parse_limits("a=1&b=222222&c=333333333333333333",
					  33, &lim, &f, err, sizeof(err)),
		     -1);
	cr_assert_not_null(strstr(err, "over 32 bytes"));
	cr_assert_null(f);
}

/* A checkbox list: every value of a repeated name; a NULL form (a page
 * that was not posted) has none. */
Test(form, every_value_of_a_name)
{
	struct kc_form *f = parse_ok("s=b&x=1&s=a&s=c");
	const char *v[4];

	cr_assert_eq(kc_form_all(f, "s", v, 4), 3);
	cr_assert_str_eq(v[0], "a");
	cr_assert_str_eq(v[1], "b");
	cr_assert_str_eq(v[2], "c");
	cr_assert_eq(kc_form_all(f, "s", v, 2), 2);
	cr_assert_eq(kc_form_all(f, "y", v, 4), 0);
	kc_form_free(f);
	cr_assert_eq(kc_form_all(NULL, "s", v, 4), 0);
	cr_assert_eq(kc_form_count(NULL, "s"), 0);
	cr_assert_null(kc_form_get(NULL, "s"));
}
