/*
 * Unit tests for lib/kc_scope: parsing lists (commas, spaces, "*"), naming
 * the unknown scope, the canonical format and the read-only default set.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kc_scope.h"

#define NBITS 17

static const char *const all_names[NBITS] = {
    "agents:read",   "agents:write",  "numbers:read",   "calls:read",
    "calls:write",   "leads:read",    "leads:write",    "sms:read",
    "sms:write",     "webhooks:read", "webhooks:write", "events:read",
    "events:replay", "audit:read",    "consent:read",   "consent:write",
    "ingest",
};

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

Test(scope, parse_single)
{
	uint32_t m = 0;
	char bad[32] = "junk";

	cr_assert_eq(kc_scope_parse("agents:read", &m, bad, sizeof(bad)), 0);
	cr_assert_eq(m, KC_SCOPE_AGENTS_READ);
	cr_assert_str_eq(bad, "");
}

Test(scope, parse_comma_list)
{
	uint32_t m = 0;

	cr_assert_eq(
	    kc_scope_parse("agents:read,calls:write,ingest", &m, NULL, 0), 0);
	cr_assert_eq(m, KC_SCOPE_AGENTS_READ | KC_SCOPE_CALLS_WRITE |
			    KC_SCOPE_INGEST);
}

Test(scope, parse_space_list)
{
	uint32_t m = 0;

	cr_assert_eq(kc_scope_parse("numbers:read audit:read", &m, NULL, 0), 0);
	cr_assert_eq(m, KC_SCOPE_NUMBERS_READ | KC_SCOPE_AUDIT_READ);
}

Test(scope, parse_mixed_separators_and_repeats)
{
	uint32_t m = 0;

	cr_assert_eq(
	    kc_scope_parse(" ,sms:read, , sms:write,,sms:read ", &m, NULL, 0),
	    0);
	cr_assert_eq(m, KC_SCOPE_SMS_READ | KC_SCOPE_SMS_WRITE);
}

Test(scope, parse_every_name)
{
	uint32_t m;
	size_t i;

	for (i = 0; i < NBITS; i++) {
		m = 0;
		cr_assert_eq(kc_scope_parse(all_names[i], &m, NULL, 0), 0, "%s",
			     all_names[i]);
		cr_assert_eq(m, 1u << i, "%s", all_names[i]);
	}
}

Test(scope, parse_star_means_all)
{
	uint32_t m = 0;

	cr_assert_eq(kc_scope_parse("*", &m, NULL, 0), 0);
	cr_assert_eq(m, KC_SCOPE_ALL);
	m = 0;
	cr_assert_eq(kc_scope_parse("agents:read,*", &m, NULL, 0), 0);
	cr_assert_eq(m, KC_SCOPE_ALL);
}

Test(scope, star_only_as_whole_name)
{
	uint32_t m = 0;
	char bad[32];

	cr_assert_eq(kc_scope_parse("**", &m, bad, sizeof(bad)), -1);
	cr_assert_str_eq(bad, "**");
	cr_assert_eq(kc_scope_parse("agents:*", &m, bad, sizeof(bad)), -1);
	cr_assert_str_eq(bad, "agents:*");
}

Test(scope, unknown_name_reported)
{
	uint32_t m = 12345;
	char bad[32] = "";

	cr_assert_eq(kc_scope_parse("agents:read,agents:delete,calls:read", &m,
				    bad, sizeof(bad)),
		     -1);
	cr_assert_str_eq(bad, "agents:delete");
	cr_assert_eq(m, 12345, "mask untouched on failure");
}

Test(scope, names_match_exactly)
{
	uint32_t m;
	char bad[32];

	cr_assert_eq(kc_scope_parse("agents:rea", &m, bad, sizeof(bad)), -1);
	cr_assert_str_eq(bad, "agents:rea");
	cr_assert_eq(kc_scope_parse("agents:readx", &m, bad, sizeof(bad)), -1);
	cr_assert_str_eq(bad, "agents:readx");
	cr_assert_eq(kc_scope_parse("AGENTS:READ", &m, bad, sizeof(bad)), -1);
	cr_assert_str_eq(bad, "AGENTS:READ");
	cr_assert_eq(kc_scope_parse("agents", &m, bad, sizeof(bad)), -1);
	cr_assert_str_eq(bad, "agents");
}

Test(scope, unknown_name_truncated_to_bad_buffer)
{
	uint32_t m;
	char bad[6];

	cr_assert_eq(
	    kc_scope_parse("calls:read,nonsense:scope", &m, bad, sizeof(bad)),
	    -1);
	cr_assert_str_eq(bad, "nonse");
}

Test(scope, unknown_long_name_capped)
{
	uint32_t m;
	char bad[256], longname[201];

	memset(longname, 'q', 200);
	longname[200] = '\0';
	cr_assert_eq(kc_scope_parse(longname, &m, bad, sizeof(bad)), -1);
	cr_assert_eq(strlen(bad), 64);
	cr_assert_eq(strspn(bad, "q"), 64);
}

Test(scope, empty_list_rejected)
{
	uint32_t m = 7;
	char bad[32] = "x";

	cr_assert_eq(kc_scope_parse("", &m, bad, sizeof(bad)), -1);
	cr_assert_eq(kc_scope_parse(" ", &m, bad, sizeof(bad)), -1);
	cr_assert_eq(kc_scope_parse(",, ,", &m, bad, sizeof(bad)), -1);
	cr_assert_eq(m, 7);
	cr_assert_str_eq(bad, "", "no unknown name to report");
}

Test(scope, format_canonical_order)
{
	char out[256];

	cr_assert_eq(kc_scope_format(KC_SCOPE_INGEST | KC_SCOPE_CALLS_READ |
					 KC_SCOPE_AGENTS_WRITE,
				     out, sizeof(out)),
		     0);
	cr_assert_str_eq(out, "agents:write,calls:read,ingest");
}

Test(scope, format_empty_mask)
{
	char out[8] = "junk";

	cr_assert_eq(kc_scope_format(0, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "");
}

Test(scope, format_all)
{
	char out[512], want[512] = "";
	size_t i;

	for (i = 0; i < NBITS; i++) {
		if (i)
			strcat(want, ",");
		strcat(want, all_names[i]);
	}
	cr_assert_eq(kc_scope_format(KC_SCOPE_ALL, out, sizeof(out)), 0);
	cr_assert_str_eq(out, want);
}

Test(scope, format_ignores_unknown_bits)
{
	char out[64];

	cr_assert_eq(
	    kc_scope_format(KC_SCOPE_AUDIT_READ | (1u << 20) | (1u << 31), out,
			    sizeof(out)),
	    0);
	cr_assert_str_eq(out, "audit:read");
}

Test(scope, format_too_small)
{
	char out[64];

	/* "agents:read,calls:read" is 22 bytes plus NUL. */
	cr_assert_eq(kc_scope_format(KC_SCOPE_AGENTS_READ | KC_SCOPE_CALLS_READ,
				     out, 22),
		     -1);
	cr_assert_eq(kc_scope_format(KC_SCOPE_AGENTS_READ | KC_SCOPE_CALLS_READ,
				     out, 23),
		     0);
	cr_assert_str_eq(out, "agents:read,calls:read");
	cr_assert_eq(kc_scope_format(KC_SCOPE_AGENTS_READ, out, 0), -1);
}

Test(scope, round_trip)
{
	static const uint32_t masks[] = {
	    KC_SCOPE_ALL,    KC_SCOPES_READ,
	    KC_SCOPE_INGEST, KC_SCOPE_AGENTS_READ | KC_SCOPE_EVENTS_REPLAY,
	    0x15555u,        0x0aaaau,
	};
	char out[512];
	uint32_t m;
	size_t i;

	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		cr_assert_eq(kc_scope_format(masks[i], out, sizeof(out)), 0);
		m = 0;
		cr_assert_eq(kc_scope_parse(out, &m, NULL, 0), 0, "%s", out);
		cr_assert_eq(m, masks[i], "%s", out);
	}
}

Test(scope, read_set_is_exactly_the_read_scopes)
{
	size_t i;

	for (i = 0; i < NBITS; i++) {
		int in_read = (KC_SCOPES_READ & (1u << i)) != 0;

		cr_assert_eq(in_read, ends_with(all_names[i], ":read"), "%s",
			     all_names[i]);
	}
	cr_assert_eq(KC_SCOPES_READ & ~KC_SCOPE_ALL, 0);
	cr_assert_eq(KC_SCOPES_READ & KC_SCOPE_INGEST, 0);
	cr_assert_eq(KC_SCOPES_READ & KC_SCOPE_EVENTS_REPLAY, 0);
}

Test(scope, names_of_bits)
{
	size_t i;

	for (i = 0; i < NBITS; i++) {
		cr_assert_not_null(kc_scope_name(1u << i));
		cr_assert_str_eq(kc_scope_name(1u << i), all_names[i]);
	}
	cr_assert_str_eq(kc_scope_name(KC_SCOPE_AUDIT_READ), "audit:read");
	cr_assert_str_eq(kc_scope_name(KC_SCOPE_INGEST), "ingest");
}

Test(scope, name_of_non_bits)
{
	cr_assert_null(kc_scope_name(0));
	cr_assert_null(
	    kc_scope_name(KC_SCOPE_AGENTS_READ | KC_SCOPE_AGENTS_WRITE));
	cr_assert_null(kc_scope_name(1u << NBITS));
	cr_assert_null(kc_scope_name(1u << 31));
	cr_assert_null(kc_scope_name(KC_SCOPE_ALL));
}
