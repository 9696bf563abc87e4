/* Unit tests for lib/compliance/kc_compliance: the check's decision from
 * its facts (order, codes, what each check says), the SMS keywords, and
 * the bodies of consents, DNC entries and settings. */
#include <criterion/criterion.h>

#include "kc_compliance.h"
#include "kc_consent.h"
#include "kc_dnc.h"
#include "kc_registry.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* What the database would say: letters, so a table row stays one line.
 * o: from owned, d: on the business's DNC list, r: on the registry,
 * x: opted out, e/w: express/written consent; the registry was loaded a
 * day ago, or N: never, S: 32 days ago. */
static void
facts(const char *flags, struct kc_compliance_facts *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->business_timezone, sizeof(f->business_timezone),
		 "America/Denver");
	f->hours_start = 8 * 60;
	f->hours_end = 21 * 60;
	f->from_owned = strchr(flags, 'o') != NULL;
	if (strchr(flags, 'd'))
		snprintf(f->dnc_id, sizeof(f->dnc_id), "dnc_test1");
	if (strchr(flags, 'x'))
		snprintf(f->optout_id, sizeof(f->optout_id), "dnc_stop1");
	f->on_registry = strchr(flags, 'r') != NULL;
	f->registry_age = strchr(flags, 'N')   ? -1
			  : strchr(flags, 'S') ? 32 * 86400LL
					       : 86400;
	if (f->registry_age >= 0)
		snprintf(f->registry_loaded_at, sizeof(f->registry_loaded_at),
			 "%s",
			 f->registry_age > 86400 ? "2026-06-13T15:00:00Z"
						 : "2026-07-14T15:00:00Z");
	if (strchr(flags, 'e'))
		f->consent = KC_CONSENT_EXPRESS;
	if (strchr(flags, 'w'))
		f->consent = KC_CONSENT_WRITTEN;
	if (f->consent)
		snprintf(f->consent_id, sizeof(f->consent_id), "cns_test1");
}

#define NY   "+12125550199" /* America/New_York */
#define FL   "+18505550123" /* America/Chicago and America/New_York */
#define UK   "+442071838750"
#define X555 "+15555550123" /* not in the table: every NANP zone */
#define X350 "+13505550123" /* opened after the table was made */

static const struct decide_case {
	const char *name;
	enum kc_channel channel;
	enum kc_purpose purpose;
	const char *to, *flags, *contact_tz, *now;
	const char *code;     /* expected, NULL: allowed */
	const char *outcomes; /* p passed, f failed, s skipped; 7 checks */
} cases[] = {
#define V  KC_CHANNEL_VOICE
#define S  KC_CHANNEL_SMS
#define IN KC_PURPOSE_INFORMATIONAL
#define MK KC_PURPOSE_MARKETING
    {"allowed", S, IN, NY, "oe", NULL, "2026-07-15T15:00", NULL, "ppppppp"},
    {"marketing with written consent", V, MK, NY, "ow", NULL,
     "2026-07-15T15:00", NULL, "ppppppp"},
    {"area code 011", S, IN, "+10115550123", "oe", NULL, "2026-07-15T15:00",
     KC_CHECK_INVALID_PHONE_NUMBER, "fssssss"},
    {"N11 exchange", V, IN, "+12124115555", "oew", NULL, "2026-07-15T15:00",
     KC_CHECK_INVALID_PHONE_NUMBER, "fssssss"},
    {"not E.164", V, IN, "2125550199", "oe", NULL, "2026-07-15T15:00",
     KC_CHECK_INVALID_PHONE_NUMBER, "fssssss"},
    {"not our number", S, IN, NY, "e", NULL, "2026-07-15T15:00",
     KC_CHECK_NUMBER_NOT_OWNED, "pfppppp"},
    {"every check fails: the first is the code", S, MK, NY, "drxN", NULL,
     "2026-07-15T11:00", KC_CHECK_NUMBER_NOT_OWNED, "pffffff"},
    {"DNC wins over written consent", V, IN, NY, "odw", NULL,
     "2026-07-15T15:00", KC_CHECK_NUMBER_ON_DNC, "ppfpppp"},
    {"registry blocks marketing", S, MK, NY, "orw", NULL, "2026-07-15T15:00",
     KC_CHECK_NUMBER_ON_DNC, "ppfpppp"},
    {"registry does not block informational", V, IN, NY, "ore", NULL,
     "2026-07-15T15:00", NULL, "ppppppp"},
    {"no registry blocks marketing", S, MK, NY, "owN", NULL, "2026-07-15T15:00",
     KC_CHECK_DNC_REGISTRY_STALE, "pppfppp"},
    {"a registry 32 days old blocks marketing", V, MK, NY, "owS", NULL,
     "2026-07-15T15:00", KC_CHECK_DNC_REGISTRY_STALE, "pppfppp"},
    {"listed on a stale registry: on the DNC first", V, MK, NY, "orwS", NULL,
     "2026-07-15T15:00", KC_CHECK_NUMBER_ON_DNC, "ppffppp"},
    {"no registry does not block informational", S, IN, NY, "oeN", NULL,
     "2026-07-15T15:00", NULL, "ppppppp"},
    {"a stale registry does not block informational", V, IN, NY, "oeS", NULL,
     "2026-07-15T15:00", NULL, "ppppppp"},
    {"no registry: another country's number is not the registry's", S, MK, UK,
     "owN", NULL, "2026-07-15T14:30", NULL, "ppppppp"},
    {"opted out", S, IN, NY, "oxw", NULL, "2026-07-15T15:00",
     KC_CHECK_NUMBER_OPTED_OUT, "ppppfpp"},
    {"DNC before opt-out", S, IN, NY, "odxw", NULL, "2026-07-15T15:00",
     KC_CHECK_NUMBER_ON_DNC, "ppfpfpp"},
    {"marketing with express consent only", S, MK, NY, "oe", NULL,
     "2026-07-15T15:00", KC_CHECK_CONSENT_MISSING, "pppppfp"},
    {"informational without consent", V, IN, NY, "o", NULL, "2026-07-15T15:00",
     KC_CHECK_CONSENT_MISSING, "pppppfp"},
    {"07:30 in New York", V, IN, NY, "oe", NULL, "2026-07-15T11:30",
     KC_CHECK_OUTSIDE_CALLING_HOURS, "ppppppf"},
    {"consent before hours", V, IN, NY, "o", NULL, "2026-07-15T11:30",
     KC_CHECK_CONSENT_MISSING, "pppppff"},
    {"a contact zone besides the area code's must allow it too", S, IN, NY,
     "oe", "America/Los_Angeles", "2026-07-15T14:00",
     KC_CHECK_OUTSIDE_CALLING_HOURS, "ppppppf"},
    {"a contact zone cannot allow what the area code forbids", S, IN, NY, "oe",
     "Asia/Tokyo", "2026-07-15T01:30", KC_CHECK_OUTSIDE_CALLING_HOURS,
     "ppppppf"},
    {"Etc/GMT-9 cannot either", S, IN, NY, "oe", "Etc/GMT-9",
     "2026-07-15T01:30", KC_CHECK_OUTSIDE_CALLING_HOURS, "ppppppf"},
    {"a contact zone besides the area code's, both allowing", S, IN, NY, "oe",
     "America/Los_Angeles", "2026-07-15T15:00", NULL, "ppppppp"},
    {"a zone of a multi-zone area code narrows it", V, IN, FL, "oe",
     "America/New_York", "2026-07-15T12:30", NULL, "ppppppp"},
    {"not a zone: posix/", S, IN, NY, "oe", "posix/Asia/Tokyo",
     "2026-07-15T01:30", KC_CHECK_OUTSIDE_CALLING_HOURS, "ppppppf"},
    {"an unknown contact zone is ignored", S, IN, NY, "oe", "Mars/Base",
     "2026-07-15T11:30", KC_CHECK_OUTSIDE_CALLING_HOURS, "ppppppf"},
    {"panhandle: 07:30 in Chicago", V, IN, FL, "oe", NULL, "2026-07-15T12:30",
     KC_CHECK_OUTSIDE_CALLING_HOURS, "ppppppf"},
    {"panhandle: 08:00 in Chicago", V, IN, FL, "oe", NULL, "2026-07-15T13:00",
     NULL, "ppppppp"},
    {"unknown area code: not the business's zone (08:00 in Denver)", V, IN,
     X555, "oe", NULL, "2026-07-15T14:00", KC_CHECK_OUTSIDE_CALLING_HOURS,
     "ppppppf"},
    {"unknown area code: 07:59 in Honolulu", V, IN, X350, "oe", NULL,
     "2026-07-15T17:59", KC_CHECK_OUTSIDE_CALLING_HOURS, "ppppppf"},
    {"unknown area code: 08:00 in Honolulu", V, IN, X350, "oe", NULL,
     "2026-07-15T18:00", NULL, "ppppppp"},
    {"unknown area code: 20:59 in St. John's", S, IN, X350, "oe", NULL,
     "2026-07-15T23:29", NULL, "ppppppp"},
    {"unknown area code: 21:00 in St. John's (19:30 in New York)", S, IN, X350,
     "oe", NULL, "2026-07-15T23:30", KC_CHECK_OUTSIDE_CALLING_HOURS, "ppppppf"},
    {"unknown area code: a contact zone does not narrow it", S, IN, X350, "oe",
     "America/New_York", "2026-07-15T14:00", KC_CHECK_OUTSIDE_CALLING_HOURS,
     "ppppppf"},
    {"another country: the business's zone", S, IN, UK, "oe", NULL,
     "2026-07-15T14:30", NULL, "ppppppp"},
#undef V
#undef S
#undef IN
#undef MK
};

static void
check_case(const struct decide_case *c)
{
	struct kc_action_check in = {c->channel,     c->purpose,    c->to,
				     "+13035550100", c->contact_tz, at(c->now)};
	static const char *const order[] = {
	    KC_CHECK_INVALID_PHONE_NUMBER, KC_CHECK_NUMBER_NOT_OWNED,
	    KC_CHECK_NUMBER_ON_DNC,        KC_CHECK_DNC_REGISTRY_STALE,
	    KC_CHECK_NUMBER_OPTED_OUT,     KC_CHECK_CONSENT_MISSING,
	    KC_CHECK_OUTSIDE_CALLING_HOURS};
	struct kc_compliance_facts f;
	struct kc_check_result r;
	const json_t *e;
	size_t i;

	facts(c->flags, &f);
	cr_assert_eq(kc_compliance_decide(&in, &f, &r), 0, "%s", c->name);
	if (c->code)
		cr_assert_str_eq(r.code ? r.code : "(allowed)", c->code, "%s",
				 c->name);
	else
		cr_assert_null(r.code, "%s: blocked by %s (%s)", c->name,
			       r.code, r.detail);
	cr_assert_eq(json_array_size(r.checks), 7, "%s", c->name);
	json_array_foreach(r.checks, i, e)
	{
		const char *outcome =
		    json_string_value(json_object_get(e, "outcome"));
		char want = c->outcomes[i];

		cr_assert_str_eq(json_string_value(json_object_get(e, "check")),
				 order[i], "%s: check %zu", c->name, i);
		cr_assert_eq(outcome[0], want, "%s: %s was %s", c->name,
			     order[i], outcome);
		cr_assert(json_string_length(json_object_get(e, "detail")) > 5);
	}
	if (r.code)
		cr_assert(strlen(r.detail) > 10, "%s", c->name);
	kc_check_result_free(&r);
	cr_assert_null(r.checks);
}

Test(decide, table_of_cases)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

Test(decide, details_name_what_blocked)
{
	struct kc_action_check in = {KC_CHANNEL_VOICE,
				     KC_PURPOSE_INFORMATIONAL,
				     NY,
				     "+13035550100",
				     NULL,
				     at("2026-07-15T15:00")};
	struct kc_compliance_facts f;
	struct kc_check_result r;

	facts("odw", &f);
	cr_assert_eq(kc_compliance_decide(&in, &f, &r), 0);
	cr_assert(strstr(r.detail, "dnc_test1"), "%s", r.detail);
	kc_check_result_free(&r);

	facts("orw", &f);
	in.purpose = KC_PURPOSE_MARKETING;
	cr_assert_eq(kc_compliance_decide(&in, &f, &r), 0);
	cr_assert(strstr(r.detail, "National Do-Not-Call Registry"), "%s",
		  r.detail);
	kc_check_result_free(&r);

	facts("oe", &f);
	cr_assert_eq(kc_compliance_decide(&in, &f, &r), 0);
	cr_assert_str_eq(r.code, KC_CHECK_CONSENT_MISSING);
	cr_assert(strstr(r.detail, "written"), "%s", r.detail);
	kc_check_result_free(&r);
}

/* Marketing waits for a registry loaded no longer ago than the
 * dnc_registry_max_age setting (31 days at most); the detail says when
 * it was loaded and what the operator runs. */
Test(decide, registry_age_against_the_setting)
{
	struct kc_action_check in = {
	    KC_CHANNEL_SMS, KC_PURPOSE_MARKETING,  NY, "+13035550100",
	    NULL,           at("2026-07-15T15:00")};
	struct kc_compliance_facts f;
	struct kc_check_result r;
	const json_t *e;

	cr_assert_eq(kc_registry_max_age(), 31 * 86400LL);
	facts("ow", &f);
	f.registry_age = 31 * 86400LL;
	cr_assert_eq(kc_compliance_decide(&in, &f, &r), 0);
	cr_assert_null(r.code, "31 days is not too old: %s", r.detail);
	e = json_array_get(r.checks, 3);
	cr_assert_str_eq(json_string_value(json_object_get(e, "check")),
			 KC_CHECK_DNC_REGISTRY_STALE);
	cr_assert_str_eq(json_string_value(json_object_get(e, "outcome")),
			 "passed");
	kc_check_result_free(&r);

	f.registry_age = 31 * 86400LL + 1;
	cr_assert_eq(kc_compliance_decide(&in, &f, &r), 0);
	cr_assert_str_eq(r.code ? r.code : "(allowed)",
			 KC_CHECK_DNC_REGISTRY_STALE);
	cr_assert(strstr(r.detail, "31 days ago"), "%s", r.detail);
	cr_assert(strstr(r.detail, "2026-07-14T15:00:00Z"), "%s", r.detail);
	cr_assert(strstr(r.detail, "kcctl dnc import"), "%s", r.detail);
	kc_check_result_free(&r);

	/* A shorter setting is stricter. */
	kc_registry_max_age_set(7 * 86400LL);
	f.registry_age = 8 * 86400LL;
	cr_assert_eq(kc_compliance_decide(&in, &f, &r), 0);
	cr_assert_str_eq(r.code ? r.code : "(allowed)",
			 KC_CHECK_DNC_REGISTRY_STALE);
	cr_assert(strstr(r.detail, "8 days ago"), "%s", r.detail);
	cr_assert(strstr(r.detail, "the 7 days allowed"), "%s", r.detail);
	kc_check_result_free(&r);
	/* A longer one than the FTC allows is not taken. */
	kc_registry_max_age_set(40 * 86400LL);
	cr_assert_eq(kc_registry_max_age(), 7 * 86400LL);
	kc_registry_max_age_set(0);
	cr_assert_eq(kc_registry_max_age(), 7 * 86400LL);
	cr_assert(kc_registry_stale(7 * 86400LL + 1));
	cr_assert(!kc_registry_stale(7 * 86400LL));
	cr_assert(kc_registry_stale(-1), "never imported");
	kc_registry_max_age_set(31 * 86400LL);

	/* None at all. */
	f.registry_age = -1;
	f.registry_loaded_at[0] = '\0';
	cr_assert_eq(kc_compliance_decide(&in, &f, &r), 0);
	cr_assert_str_eq(r.code ? r.code : "(allowed)",
			 KC_CHECK_DNC_REGISTRY_STALE);
	cr_assert(strstr(r.detail, "no National Do-Not-Call Registry"), "%s",
		  r.detail);
	cr_assert(strstr(r.detail, "kcctl dnc import"), "%s", r.detail);
	kc_check_result_free(&r);
}

/* The calling-hours entry says which zones, where they came from, their
 * local times and the window. */
Test(decide, calling_hours_entry)
{
	struct kc_action_check in = {KC_CHANNEL_VOICE,
				     KC_PURPOSE_INFORMATIONAL,
				     FL,
				     "+13035550100",
				     NULL,
				     at("2026-07-15T12:30")};
	struct kc_compliance_facts f;
	struct kc_check_result r;
	const json_t *e, *zones;

	facts("oe", &f);
	f.hours_start = 8 * 60 + 15;
	f.hours_end = 20 * 60;
	cr_assert_eq(kc_compliance_decide(&in, &f, &r), 0);
	e = json_array_get(r.checks, 6);
	cr_assert_str_eq(json_string_value(json_object_get(e, "zone_source")),
			 "number");
	zones = json_object_get(e, "time_zones");
	cr_assert_eq(json_array_size(zones), 2);
	cr_assert_str_eq(json_string_value(json_object_get(
			     json_array_get(zones, 0), "local_time")),
			 "07:30");
	cr_assert(json_is_false(
	    json_object_get(json_array_get(zones, 0), "allowed")));
	cr_assert_str_eq(json_string_value(json_object_get(
			     json_array_get(zones, 1), "local_time")),
			 "08:30");
	cr_assert(
	    json_is_true(json_object_get(json_array_get(zones, 1), "allowed")));
	cr_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(e, "window"), "start")),
			 "08:15");
	cr_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(e, "window"), "end")),
			 "20:00");
	kc_check_result_free(&r);
}

Test(keywords, stop_start_help)
{
	static const struct {
		const char *body;
		enum kc_sms_keyword kw;
	} k[] = {
	    {"STOP", KC_SMS_KEYWORD_STOP},
	    {"stop", KC_SMS_KEYWORD_STOP},
	    {"  Stop \r\n", KC_SMS_KEYWORD_STOP},
	    {"STOPALL", KC_SMS_KEYWORD_STOP},
	    {"unsubscribe", KC_SMS_KEYWORD_STOP},
	    {"Cancel", KC_SMS_KEYWORD_STOP},
	    {"END", KC_SMS_KEYWORD_STOP},
	    {"\tquit", KC_SMS_KEYWORD_STOP},
	    /* The FCC's words (47 CFR 64.1200(a)(12)), and Twilio's OPTOUT. */
	    {"REVOKE", KC_SMS_KEYWORD_STOP},
	    {" revoke\n", KC_SMS_KEYWORD_STOP},
	    {"OPT OUT", KC_SMS_KEYWORD_STOP},
	    {"opt out", KC_SMS_KEYWORD_STOP},
	    {" Opt \t Out ", KC_SMS_KEYWORD_STOP},
	    {"optout", KC_SMS_KEYWORD_STOP},
	    {"OPT", KC_SMS_KEYWORD_NONE},
	    {"OPT OUT NOW", KC_SMS_KEYWORD_NONE},
	    {"OPT OUTS", KC_SMS_KEYWORD_NONE},
	    {"REVOKED", KC_SMS_KEYWORD_NONE},
	    {"START", KC_SMS_KEYWORD_START},
	    {"unstop", KC_SMS_KEYWORD_START},
	    {"Yes", KC_SMS_KEYWORD_START},
	    {"HELP", KC_SMS_KEYWORD_HELP},
	    {" info ", KC_SMS_KEYWORD_HELP},
	    {"STOP please", KC_SMS_KEYWORD_NONE},
	    {"STOP.", KC_SMS_KEYWORD_NONE},
	    {"STO", KC_SMS_KEYWORD_NONE},
	    {"STOPP", KC_SMS_KEYWORD_NONE},
	    {"HELPME", KC_SMS_KEYWORD_NONE},
	    {"yes!", KC_SMS_KEYWORD_NONE},
	    {"", KC_SMS_KEYWORD_NONE},
	    {"   ", KC_SMS_KEYWORD_NONE},
	    {"Thanks, see you Tuesday", KC_SMS_KEYWORD_NONE},
	};
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		cr_assert_eq(kc_sms_keyword(k[i].body, strlen(k[i].body)),
			     k[i].kw, "'%s'", k[i].body);
	/* The length counts, not a NUL. */
	cr_assert_eq(kc_sms_keyword("STOP\0junk", 9), KC_SMS_KEYWORD_NONE);
	cr_assert_eq(kc_sms_keyword("STOPALL", 4), KC_SMS_KEYWORD_STOP);
	cr_assert_eq(kc_sms_keyword(NULL, 0), KC_SMS_KEYWORD_NONE);
}

/* body, validator, expected code and field (NULL: valid). */
static void
expect_body(int (*validate)(const json_t *, struct kc_verr *), const char *body,
	    const char *code, const char *field)
{
	json_t *v = json_loads(body, 0, NULL);
	struct kc_verr e;
	int rc;

	cr_assert_not_null(v, "%s", body);
	memset(&e, 0, sizeof(e));
	rc = validate(v, &e);
	json_decref(v);
	if (code == NULL) {
		cr_assert_eq(rc, 0, "%s: %s %s", body, e.code, e.msg);
		return;
	}
	cr_assert_neq(rc, 0, "%s was accepted", body);
	cr_assert_eq(e.status, 422, "%s", body);
	cr_assert_str_eq(e.code, code, "%s: %s", body, e.msg);
	cr_assert_str_eq(e.field, field, "%s", body);
}

#define CONSENT(extra)                                                         \
	"{\"phone\":\"+14155550123\",\"channel\":\"sms\",\"kind\":"            \
	"\"written\",\"source\":\"web_form\",\"captured_at\":"                 \
	"\"2026-01-02T03:04:05Z\"" extra "}"

Test(bodies, consent)
{
	expect_body(kc_consent_validate, CONSENT(""), NULL, NULL);
	expect_body(kc_consent_validate, CONSENT(",\"evidence\":\"form 81\""),
		    NULL, NULL);
	expect_body(kc_consent_validate, CONSENT(",\"evidence\":null"), NULL,
		    NULL);
	expect_body(kc_consent_validate, "{\"channel\":\"sms\"}",
		    "missing_field", "phone");
	expect_body(kc_consent_validate,
		    "{\"phone\":\"+14151550123\",\"channel\":\"sms\",\"kind\":"
		    "\"written\",\"source\":\"x\",\"captured_at\":"
		    "\"2026-01-02T03:04:05Z\"}",
		    "invalid_phone_number", "phone");
	expect_body(kc_consent_validate,
		    "{\"phone\":\"+14155550123\",\"channel\":\"fax\",\"kind\":"
		    "\"written\",\"source\":\"x\",\"captured_at\":"
		    "\"2026-01-02T03:04:05Z\"}",
		    "invalid_enum", "channel");
	expect_body(kc_consent_validate,
		    "{\"phone\":\"+14155550123\",\"channel\":\"sms\",\"kind\":"
		    "\"implied\",\"source\":\"x\",\"captured_at\":"
		    "\"2026-01-02T03:04:05Z\"}",
		    "invalid_enum", "kind");
	expect_body(kc_consent_validate,
		    "{\"phone\":\"+14155550123\",\"channel\":\"sms\",\"kind\":"
		    "\"written\",\"source\":\"\",\"captured_at\":"
		    "\"2026-01-02T03:04:05Z\"}",
		    "invalid_value", "source");
	expect_body(kc_consent_validate,
		    "{\"phone\":\"+14155550123\",\"channel\":\"sms\",\"kind\":"
		    "\"written\",\"source\":\"x\",\"captured_at\":"
		    "\"2999-01-02T03:04:05Z\"}",
		    "out_of_range", "captured_at");
	expect_body(
	    kc_consent_validate,
	    "{\"phone\":\"+14155550123\",\"channel\":\"sms\",\"kind\":"
	    "\"written\",\"source\":\"x\",\"captured_at\":\"yesterday\"}",
	    "invalid_time", "captured_at");
	expect_body(kc_consent_validate, CONSENT(",\"business_id\":\"biz_1\""),
		    "unknown_field", "business_id");
	expect_body(kc_consent_validate, CONSENT(",\"evidence\":{\"a\":1}"),
		    "invalid_type", "evidence");
}

Test(bodies, dnc)
{
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+14155550123\",\"reason\":\"complaint\"}",
		    NULL, NULL);
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+14155550123\",\"reason\":\"legal\","
		    "\"channels\":[\"sms\"]}",
		    NULL, NULL);
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+14155550123\",\"reason\":\"legal\","
		    "\"channels\":[]}",
		    "invalid_value", "channels");
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+14155550123\",\"reason\":\"legal\","
		    "\"channels\":[\"sms\",\"fax\"]}",
		    "invalid_enum", "channels[1]");
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+14155550123\",\"reason\":\"legal\","
		    "\"channels\":[\"sms\",\"voice\",\"sms\"]}",
		    "too_long", "channels");
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+14155550123\",\"reason\":\"legal\","
		    "\"channels\":[1]}",
		    "invalid_type", "channels[0]");
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+14155550123\",\"reason\":\"annoyed\"}",
		    "invalid_enum", "reason");
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+19115550123\",\"reason\":\"legal\"}",
		    "invalid_phone_number", "phone");
	expect_body(kc_dnc_validate, "{\"reason\":\"legal\"}", "missing_field",
		    "phone");
	/* An opt-out by STOP is about texts alone: START lifts it, and it
	 * must block SMS. */
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+14155550123\",\"reason\":\"stop_keyword\","
		    "\"channels\":[\"sms\"]}",
		    NULL, NULL);
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+14155550123\",\"reason\":\"stop_keyword\","
		    "\"channels\":[\"voice\"]}",
		    "invalid_value", "channels");
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+14155550123\",\"reason\":\"stop_keyword\","
		    "\"channels\":[\"sms\",\"voice\"]}",
		    "invalid_value", "channels");
	expect_body(kc_dnc_validate,
		    "{\"phone\":\"+14155550123\",\"reason\":\"stop_keyword\"}",
		    "invalid_value", "channels");
}

Test(bodies, settings)
{
	expect_body(kc_compliance_settings_validate, "{}", NULL, NULL);
	expect_body(
	    kc_compliance_settings_validate,
	    "{\"sms_help_text\":\"Bright Smile: call 555-0100\","
	    "\"calling_hours\":{\"start\":\"09:00\",\"end\":\"17:30\"}}",
	    NULL, NULL);
	expect_body(kc_compliance_settings_validate, "{\"sms_help_text\":null}",
		    NULL, NULL);
	expect_body(
	    kc_compliance_settings_validate,
	    "{\"calling_hours\":{\"start\":\"08:00\",\"end\":\"21:00\"}}", NULL,
	    NULL);
	expect_body(
	    kc_compliance_settings_validate,
	    "{\"calling_hours\":{\"start\":\"07:59\",\"end\":\"20:00\"}}",
	    "out_of_range", "calling_hours.start");
	expect_body(
	    kc_compliance_settings_validate,
	    "{\"calling_hours\":{\"start\":\"08:00\",\"end\":\"21:01\"}}",
	    "out_of_range", "calling_hours.end");
	expect_body(
	    kc_compliance_settings_validate,
	    "{\"calling_hours\":{\"start\":\"12:00\",\"end\":\"12:00\"}}",
	    "out_of_range", "calling_hours.end");
	expect_body(
	    kc_compliance_settings_validate,
	    "{\"calling_hours\":{\"start\":\"8:00\",\"end\":\"12:00\"}}",
	    "invalid_value", "calling_hours.start");
	expect_body(kc_compliance_settings_validate,
		    "{\"calling_hours\":{\"start\":\"09:00\"}}",
		    "missing_field", "calling_hours.end");
	expect_body(kc_compliance_settings_validate,
		    "{\"calling_hours\":{\"start\":\"09:00\",\"end\":\"17:00\","
		    "\"days\":\"weekdays\"}}",
		    "unknown_field", "calling_hours.days");
	expect_body(kc_compliance_settings_validate,
		    "{\"calling_hours\":\"9-5\"}", "invalid_type",
		    "calling_hours");
	expect_body(kc_compliance_settings_validate, "{\"sms_help_text\":\"\"}",
		    "invalid_value", "sms_help_text");
	expect_body(kc_compliance_settings_validate, "{\"timezone\":\"UTC\"}",
		    "unknown_field", "timezone");
}

Test(bodies, long_help_text)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"sms_help_text\":\"%0320d\"}", 0);
	expect_body(kc_compliance_settings_validate, body, NULL, NULL);
	snprintf(body, sizeof(body), "{\"sms_help_text\":\"%0321d\"}", 0);
	expect_body(kc_compliance_settings_validate, body, "too_long",
		    "sms_help_text");
}

Test(names, channels_and_purposes)
{
	enum kc_channel c;
	enum kc_purpose p;

	cr_assert_eq(kc_channel_parse("sms", &c), 0);
	cr_assert_eq(c, KC_CHANNEL_SMS);
	cr_assert_eq(kc_channel_parse("voice", &c), 0);
	cr_assert_eq(c, KC_CHANNEL_VOICE);
	cr_assert_eq(kc_channel_parse("SMS", &c), -1);
	cr_assert_eq(kc_channel_parse(NULL, &c), -1);
	cr_assert_eq(kc_purpose_parse("marketing", &p), 0);
	cr_assert_eq(p, KC_PURPOSE_MARKETING);
	cr_assert_eq(kc_purpose_parse("informational", &p), 0);
	cr_assert_eq(p, KC_PURPOSE_INFORMATIONAL);
	cr_assert_eq(kc_purpose_parse("sales", &p), -1);
	cr_assert_str_eq(kc_channel_name(KC_CHANNEL_SMS), "sms");
	cr_assert_str_eq(kc_purpose_name(KC_PURPOSE_MARKETING), "marketing");
}

/* Where the zones come from, and how many are judged. */
Test(decide, zone_sources)
{
	static const struct {
		const char *to, *contact, *source;
		size_t zones;
	} z[] = {
	    {NY, NULL, "number", 1},
	    {FL, NULL, "number", 2},
	    {FL, "America/Chicago", "contact", 1},
	    {NY, "America/Chicago", "contact_and_number", 2},
	    {NY, "America/New_York", "contact", 1},
	    {X350, NULL, "all_nanp_zones", 10},
	    {X555, "America/Chicago", "contact_and_all_nanp_zones", 10},
	    {X555, "Asia/Tokyo", "contact_and_all_nanp_zones", 11},
	    {UK, NULL, "business", 1},
	    {UK, "Europe/London", "contact", 1},
	    {NY, "Factory", "number", 1},
	    {NY, "leapseconds", "number", 1},
	};
	struct kc_compliance_facts f;
	struct kc_check_result r;
	const json_t *e;
	size_t i;

	facts("oe", &f);
	for (i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		struct kc_action_check in = {
		    KC_CHANNEL_SMS, KC_PURPOSE_INFORMATIONAL,
		    z[i].to,        "+13035550100",
		    z[i].contact,   at("2026-07-15T20:00")};

		cr_assert_eq(kc_compliance_decide(&in, &f, &r), 0);
		e = json_array_get(r.checks, json_array_size(r.checks) - 1);
		cr_assert_str_eq(
		    json_string_value(json_object_get(e, "zone_source")),
		    z[i].source, "%s %s", z[i].to, z[i].contact);
		cr_assert_eq(json_array_size(json_object_get(e, "time_zones")),
			     z[i].zones, "%s %s", z[i].to, z[i].contact);
		kc_check_result_free(&r);
	}
}
