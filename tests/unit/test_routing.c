/*
 * Unit tests for lib/kc_routing: every mode's valid shape, and for invalid
 * input the exact field path and code the API will report.
 *
 * The JSON below is written with single quotes for legibility; load() turns
 * them into double quotes.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "kc_routing.h"

#define AGT  "'fallback_agent_id':'agt_Fallback01'"
#define RING "'ring_first':{'owner_number':'+14155550123','ring_seconds':20}"
#define IVR                                                                    \
	"'ivr_menu':{'prompt':'Press 1 for sales','options':"                  \
	"[{'digit':'1','destination':'agent'}]}"

static json_t *
load(const char *single_quoted)
{
	json_error_t jerr;
	char *s = strdup(single_quoted), *p;
	json_t *v;

	cr_assert_not_null(s);
	for (p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(
	    s, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    &jerr);
	cr_assert_not_null(v, "test JSON does not parse: %s (%s)", jerr.text,
			   s);
	free(s);
	return v;
}

static void
expect_valid(const char *json)
{
	struct kc_verr e;
	json_t *v = load(json);

	memset(&e, 0, sizeof(e));
	cr_expect_eq(kc_routing_validate(v, &e), 0, "%s: %s %s: %s", json,
		     e.code, e.field, e.msg);
	json_decref(v);
}

static void
expect_invalid(const char *json, const char *field, const char *code)
{
	struct kc_verr e;
	json_t *v = load(json);

	memset(&e, 0, sizeof(e));
	cr_expect_eq(kc_routing_validate(v, &e), -1, "accepted: %s", json);
	cr_expect_eq(e.status, 422, "%s", json);
	cr_expect_str_eq(e.field, field, "%s (msg: %s)", json, e.msg);
	cr_expect_str_eq(e.code, code, "%s (msg: %s)", json, e.msg);
	cr_expect_neq(e.msg[0], '\0', "%s", json);
	json_decref(v);
}

/* Valid objects, one per mode. */

Test(routing_valid, ai_only)
{
	expect_valid("{'mode':'ai_only'," AGT "}");
}

Test(routing_valid, ring_first)
{
	expect_valid("{'mode':'ring_first'," AGT "," RING "}");
	expect_valid("{'mode':'ring_first'," AGT ",'ring_first':"
		     "{'owner_number':'+442071838750','ring_seconds':5}}");
	expect_valid("{'mode':'ring_first'," AGT ",'ring_first':"
		     "{'owner_number':'+442071838750','ring_seconds':120}}");
}

Test(routing_valid, ivr_menu)
{
	expect_valid("{'mode':'ivr_menu'," AGT "," IVR "}");
	expect_valid(
	    "{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'Choose',"
	    "'timeout_seconds':10,'options':["
	    "{'digit':'1','destination':'agent','label':'Sales'},"
	    "{'digit':'2','destination':'owner'},"
	    "{'digit':'0','destination':'number','number':'+14155550123'},"
	    "{'digit':'*','destination':'voicemail'},"
	    "{'digit':'#','destination':'agent'}]}}");
}

Test(routing_valid, ivr_menu_all_twelve_keys)
{
	expect_valid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'Choose',"
		     "'options':["
		     "{'digit':'0','destination':'agent'},"
		     "{'digit':'1','destination':'agent'},"
		     "{'digit':'2','destination':'agent'},"
		     "{'digit':'3','destination':'agent'},"
		     "{'digit':'4','destination':'agent'},"
		     "{'digit':'5','destination':'agent'},"
		     "{'digit':'6','destination':'agent'},"
		     "{'digit':'7','destination':'agent'},"
		     "{'digit':'8','destination':'agent'},"
		     "{'digit':'9','destination':'agent'},"
		     "{'digit':'*','destination':'agent'},"
		     "{'digit':'#','destination':'agent'}]}}");
}

Test(routing_valid, voicemail_only)
{
	expect_valid("{'mode':'voicemail_only'," AGT "}");
	expect_valid("{'mode':'voicemail_only'," AGT
		     ",'voicemail':{'greeting':'Leave a message'}}");
	expect_valid("{'mode':'voicemail_only'," AGT ",'voicemail':{}}");
}

Test(routing_valid, time_based)
{
	expect_valid("{'mode':'time_based'," AGT ",'time_based':{'rules':["
		     "{'days':['mon','tue','wed','thu','fri'],'start':'09:00',"
		     "'end':'17:00','mode':'ai_only'}],"
		     "'default_mode':'voicemail_only'}}");
}

Test(routing_valid, time_based_using_other_modes)
{
	expect_valid("{'mode':'time_based'," AGT "," RING "," IVR
		     ",'time_based':{'rules':["
		     "{'days':['mon'],'start':'08:00','end':'12:00',"
		     "'mode':'ring_first'},"
		     "{'days':['sat','sun'],'start':'00:00','end':'24:00',"
		     "'mode':'voicemail_only'}],"
		     "'default_mode':'ivr_menu'}}");
}

Test(routing_valid, time_based_end_of_day)
{
	expect_valid("{'mode':'time_based'," AGT ",'time_based':{'rules':["
		     "{'days':['fri'],'start':'18:30','end':'24:00',"
		     "'mode':'voicemail_only'}],'default_mode':'ai_only'}}");
	expect_valid("{'mode':'time_based'," AGT ",'time_based':{'rules':["
		     "{'days':['fri'],'start':'23:59','end':'24:00',"
		     "'mode':'voicemail_only'}],'default_mode':'ai_only'}}");
}

Test(routing_valid, unused_settings_are_kept_and_checked_only_for_shape)
{
	/* ai_only with a stored ring_first/ivr config for later is fine. */
	expect_valid("{'mode':'ai_only'," AGT "," RING "," IVR "}");
}

Test(routing_valid, default_routing)
{
	struct kc_verr e;
	json_t *r = kc_routing_default("agt_Abc123");

	cr_assert_not_null(r);
	cr_assert_str_eq(kc_json_str(r, "mode"), "ai_only");
	cr_assert_str_eq(kc_json_str(r, "fallback_agent_id"), "agt_Abc123");
	cr_assert_eq(json_object_size(r), 2);
	memset(&e, 0, sizeof(e));
	cr_assert_eq(kc_routing_validate(r, &e), 0, "%s: %s", e.field, e.msg);
	json_decref(r);
}

/* Top level. */

Test(routing_invalid, not_an_object)
{
	expect_invalid("['ai_only']", "", "invalid_type");
	expect_invalid("'ai_only'", "", "invalid_type");
	expect_invalid("null", "", "invalid_type");
}

Test(routing_invalid, unknown_top_field)
{
	expect_invalid("{'mode':'ai_only'," AGT ",'greeting':'hi'}", "greeting",
		       "unknown_field");
}

Test(routing_invalid, missing_mode)
{
	expect_invalid("{" AGT "}", "mode", "missing_field");
}

Test(routing_invalid, unknown_mode)
{
	expect_invalid("{'mode':'ai'," AGT "}", "mode", "invalid_enum");
	expect_invalid("{'mode':'AI_ONLY'," AGT "}", "mode", "invalid_enum");
}

Test(routing_invalid, mode_wrong_type)
{
	expect_invalid("{'mode':1," AGT "}", "mode", "invalid_type");
	expect_invalid("{'mode':null," AGT "}", "mode", "invalid_type");
}

Test(routing_invalid, missing_fallback_agent_id)
{
	expect_invalid("{'mode':'ai_only'}", "fallback_agent_id",
		       "missing_field");
}

Test(routing_invalid, fallback_agent_id_wrong_type)
{
	expect_invalid("{'mode':'ai_only','fallback_agent_id':7}",
		       "fallback_agent_id", "invalid_type");
}

Test(routing_invalid, bad_agent_id)
{
	expect_invalid("{'mode':'ai_only','fallback_agent_id':'usr_abc'}",
		       "fallback_agent_id", "invalid_value");
	expect_invalid("{'mode':'ai_only','fallback_agent_id':'agt_'}",
		       "fallback_agent_id", "invalid_value");
	expect_invalid("{'mode':'ai_only','fallback_agent_id':'agt_a-b'}",
		       "fallback_agent_id", "invalid_value");
	expect_invalid("{'mode':'ai_only','fallback_agent_id':'agtabc'}",
		       "fallback_agent_id", "invalid_value");
	expect_invalid("{'mode':'ai_only','fallback_agent_id':''}",
		       "fallback_agent_id", "invalid_value");
}

Test(routing_invalid, agent_id_too_long)
{
	expect_invalid("{'mode':'ai_only','fallback_agent_id':"
		       "'agt_0123456789012345678901234567890123456789xxxxx'}",
		       "fallback_agent_id", "too_long");
}

/* ring_first */

Test(routing_invalid, mode_ring_first_without_settings)
{
	expect_invalid("{'mode':'ring_first'," AGT "}", "ring_first",
		       "missing_field");
}

Test(routing_invalid, ring_first_wrong_type)
{
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':'yes'}",
		       "ring_first", "invalid_type");
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':[]}",
		       "ring_first", "invalid_type");
}

Test(routing_invalid, ring_first_unknown_field)
{
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':"
		       "{'owner_number':'+14155550123','ring_seconds':20,"
		       "'whisper':true}}",
		       "ring_first.whisper", "unknown_field");
}

Test(routing_invalid, ring_first_missing_fields)
{
	expect_invalid("{'mode':'ring_first'," AGT
		       ",'ring_first':{'ring_seconds':20}}",
		       "ring_first.owner_number", "missing_field");
	expect_invalid("{'mode':'ring_first'," AGT
		       ",'ring_first':{'owner_number':'+14155550123'}}",
		       "ring_first.ring_seconds", "missing_field");
}

Test(routing_invalid, ring_seconds_out_of_range)
{
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':"
		       "{'owner_number':'+14155550123','ring_seconds':4}}",
		       "ring_first.ring_seconds", "out_of_range");
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':"
		       "{'owner_number':'+14155550123','ring_seconds':121}}",
		       "ring_first.ring_seconds", "out_of_range");
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':"
		       "{'owner_number':'+14155550123','ring_seconds':-20}}",
		       "ring_first.ring_seconds", "out_of_range");
}

Test(routing_invalid, ring_seconds_wrong_type)
{
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':"
		       "{'owner_number':'+14155550123','ring_seconds':'20'}}",
		       "ring_first.ring_seconds", "invalid_type");
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':"
		       "{'owner_number':'+14155550123','ring_seconds':20.5}}",
		       "ring_first.ring_seconds", "invalid_type");
}

Test(routing_invalid, owner_number_not_e164)
{
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':"
		       "{'owner_number':'4155550123','ring_seconds':20}}",
		       "ring_first.owner_number", "invalid_phone_number");
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':"
		       "{'owner_number':'+1 415 555 0123','ring_seconds':20}}",
		       "ring_first.owner_number", "invalid_phone_number");
	expect_invalid(
	    "{'mode':'ring_first'," AGT ",'ring_first':"
	    "{'owner_number':'+1 (415) 555-0123','ring_seconds':20}}",
	    "ring_first.owner_number", "too_long");
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':"
		       "{'owner_number':'+141555','ring_seconds':20}}",
		       "ring_first.owner_number", "invalid_phone_number");
	expect_invalid("{'mode':'ring_first'," AGT ",'ring_first':"
		       "{'owner_number':14155550123,'ring_seconds':20}}",
		       "ring_first.owner_number", "invalid_type");
}

/* ivr_menu */

Test(routing_invalid, mode_ivr_menu_without_settings)
{
	expect_invalid("{'mode':'ivr_menu'," AGT "}", "ivr_menu",
		       "missing_field");
}

Test(routing_invalid, ivr_unknown_field)
{
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'1','destination':'agent'}],"
		       "'music':'jazz'}}",
		       "ivr_menu.music", "unknown_field");
}

Test(routing_invalid, ivr_option_unknown_field)
{
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'1','destination':'agent'},"
		       "{'digit':'2','destination':'agent','colour':'red'}]}}",
		       "ivr_menu.options[1].colour", "unknown_field");
}

Test(routing_invalid, ivr_missing_prompt_or_options)
{
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{"
		       "'options':[{'digit':'1','destination':'agent'}]}}",
		       "ivr_menu.prompt", "missing_field");
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P'}}",
		       "ivr_menu.options", "missing_field");
	expect_invalid("{'mode':'ivr_menu'," AGT
		       ",'ivr_menu':{'prompt':'P','options':[]}}",
		       "ivr_menu.options", "missing_field");
}

Test(routing_invalid, ivr_options_wrong_type)
{
	expect_invalid("{'mode':'ivr_menu'," AGT
		       ",'ivr_menu':{'prompt':'P','options':{}}}",
		       "ivr_menu.options", "invalid_type");
	expect_invalid("{'mode':'ivr_menu'," AGT
		       ",'ivr_menu':{'prompt':'P','options':['1']}}",
		       "ivr_menu.options[0]", "invalid_type");
}

Test(routing_invalid, ivr_too_many_options)
{
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':["
		       "{'digit':'0','destination':'agent'},"
		       "{'digit':'1','destination':'agent'},"
		       "{'digit':'2','destination':'agent'},"
		       "{'digit':'3','destination':'agent'},"
		       "{'digit':'4','destination':'agent'},"
		       "{'digit':'5','destination':'agent'},"
		       "{'digit':'6','destination':'agent'},"
		       "{'digit':'7','destination':'agent'},"
		       "{'digit':'8','destination':'agent'},"
		       "{'digit':'9','destination':'agent'},"
		       "{'digit':'*','destination':'agent'},"
		       "{'digit':'#','destination':'agent'},"
		       "{'digit':'1','destination':'agent'}]}}",
		       "ivr_menu.options", "too_long");
}

Test(routing_invalid, ivr_timeout_out_of_range)
{
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'timeout_seconds':2,"
		       "'options':[{'digit':'1','destination':'agent'}]}}",
		       "ivr_menu.timeout_seconds", "out_of_range");
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'timeout_seconds':61,"
		       "'options':[{'digit':'1','destination':'agent'}]}}",
		       "ivr_menu.timeout_seconds", "out_of_range");
}

Test(routing_invalid, ivr_duplicate_digit)
{
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'1','destination':'agent'},"
		       "{'digit':'2','destination':'owner'},"
		       "{'digit':'1','destination':'voicemail'}]}}",
		       "ivr_menu.options[2].digit", "duplicate_value");
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'#','destination':'agent'},"
		       "{'digit':'#','destination':'owner'}]}}",
		       "ivr_menu.options[1].digit", "duplicate_value");
}

Test(routing_invalid, ivr_bad_digit)
{
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'a','destination':'agent'}]}}",
		       "ivr_menu.options[0].digit", "invalid_value");
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'','destination':'agent'}]}}",
		       "ivr_menu.options[0].digit", "invalid_value");
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'10','destination':'agent'}]}}",
		       "ivr_menu.options[0].digit", "too_long");
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':1,'destination':'agent'}]}}",
		       "ivr_menu.options[0].digit", "invalid_type");
	expect_invalid(
	    "{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
	    "'options':[{'digit':'\\u0000','destination':'agent'}]}}",
	    "ivr_menu.options[0].digit", "invalid_value");
}

Test(routing_invalid, ivr_bad_destination)
{
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'1','destination':'sales'}]}}",
		       "ivr_menu.options[0].destination", "invalid_enum");
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'1'}]}}",
		       "ivr_menu.options[0].destination", "missing_field");
}

Test(routing_invalid, ivr_number_destination_without_number)
{
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'1','destination':'agent'},"
		       "{'digit':'2','destination':'number'}]}}",
		       "ivr_menu.options[1].number", "missing_field");
}

Test(routing_invalid, ivr_number_without_number_destination)
{
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'1','destination':'owner',"
		       "'number':'+14155550123'}]}}",
		       "ivr_menu.options[0].number", "invalid_value");
}

Test(routing_invalid, ivr_bad_number)
{
	expect_invalid("{'mode':'ivr_menu'," AGT ",'ivr_menu':{'prompt':'P',"
		       "'options':[{'digit':'1','destination':'number',"
		       "'number':'+04155550123'}]}}",
		       "ivr_menu.options[0].number", "invalid_phone_number");
}

Test(routing_invalid, ivr_shape_checked_even_when_unused)
{
	expect_invalid("{'mode':'ai_only'," AGT
		       ",'ivr_menu':{'prompt':'P','options':[]}}",
		       "ivr_menu.options", "missing_field");
}

/* voicemail */

Test(routing_invalid, voicemail_unknown_field)
{
	expect_invalid("{'mode':'voicemail_only'," AGT
		       ",'voicemail':{'greeting':'hi','transcribe':true}}",
		       "voicemail.transcribe", "unknown_field");
}

Test(routing_invalid, voicemail_wrong_types)
{
	expect_invalid("{'mode':'voicemail_only'," AGT ",'voicemail':true}",
		       "voicemail", "invalid_type");
	expect_invalid("{'mode':'voicemail_only'," AGT
		       ",'voicemail':{'greeting':5}}",
		       "voicemail.greeting", "invalid_type");
}

/* time_based */

#define TB_HEAD "{'mode':'time_based'," AGT ",'time_based':{'rules':["
#define TB_TAIL "],'default_mode':'ai_only'}}"

Test(routing_invalid, mode_time_based_without_settings)
{
	expect_invalid("{'mode':'time_based'," AGT "}", "time_based",
		       "missing_field");
}

Test(routing_invalid, time_based_unknown_field)
{
	expect_invalid("{'mode':'time_based'," AGT ",'time_based':{"
		       "'rules':[],'default_mode':'ai_only','timezone':'UTC'}}",
		       "time_based.timezone", "unknown_field");
}

Test(routing_invalid, time_based_missing_fields)
{
	expect_invalid("{'mode':'time_based'," AGT
		       ",'time_based':{'default_mode':'ai_only'}}",
		       "time_based.rules", "missing_field");
	expect_invalid("{'mode':'time_based'," AGT
		       ",'time_based':{'rules':[]}}",
		       "time_based.default_mode", "missing_field");
}

Test(routing_invalid, time_based_wrong_types)
{
	expect_invalid("{'mode':'time_based'," AGT ",'time_based':[]}",
		       "time_based", "invalid_type");
	expect_invalid("{'mode':'time_based'," AGT
		       ",'time_based':{'rules':{},'default_mode':'ai_only'}}",
		       "time_based.rules", "invalid_type");
	expect_invalid(TB_HEAD "'mon'" TB_TAIL, "time_based.rules[0]",
		       "invalid_type");
	expect_invalid(TB_HEAD "{'days':'mon','start':'09:00','end':'17:00',"
			       "'mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].days", "invalid_type");
	expect_invalid(TB_HEAD "{'days':['mon'],'start':900,'end':'17:00',"
			       "'mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].start", "invalid_type");
}

Test(routing_invalid, time_based_default_mode_cannot_nest)
{
	expect_invalid("{'mode':'time_based'," AGT ",'time_based':{'rules':[],"
		       "'default_mode':'time_based'}}",
		       "time_based.default_mode", "invalid_enum");
}

Test(routing_invalid, rule_unknown_field)
{
	expect_invalid(TB_HEAD "{'days':['mon'],'start':'09:00','end':'17:00',"
			       "'mode':'ai_only','holiday':true}" TB_TAIL,
		       "time_based.rules[0].holiday", "unknown_field");
}

Test(routing_invalid, rule_missing_fields)
{
	expect_invalid(TB_HEAD "{'start':'09:00','end':'17:00',"
			       "'mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].days", "missing_field");
	expect_invalid(TB_HEAD "{'days':['mon'],'end':'17:00',"
			       "'mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].start", "missing_field");
	expect_invalid(TB_HEAD "{'days':['mon'],'start':'09:00',"
			       "'mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].end", "missing_field");
	expect_invalid(TB_HEAD "{'days':['mon'],'start':'09:00',"
			       "'end':'17:00'}" TB_TAIL,
		       "time_based.rules[0].mode", "missing_field");
}

Test(routing_invalid, rule_mode_cannot_nest)
{
	expect_invalid(TB_HEAD "{'days':['mon'],'start':'09:00','end':'17:00',"
			       "'mode':'time_based'}" TB_TAIL,
		       "time_based.rules[0].mode", "invalid_enum");
}

Test(routing_invalid, rule_bad_day)
{
	expect_invalid(TB_HEAD "{'days':['mon','funday'],'start':'09:00',"
			       "'end':'17:00','mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].days[1]", "invalid_enum");
	expect_invalid(TB_HEAD "{'days':['Mon'],'start':'09:00',"
			       "'end':'17:00','mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].days[0]", "invalid_enum");
	expect_invalid(TB_HEAD "{'days':[1],'start':'09:00',"
			       "'end':'17:00','mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].days[0]", "invalid_enum");
}

Test(routing_invalid, rule_repeated_day)
{
	expect_invalid(TB_HEAD "{'days':['mon','tue','mon'],'start':'09:00',"
			       "'end':'17:00','mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].days[2]", "duplicate_value");
}

Test(routing_invalid, rule_too_many_days)
{
	expect_invalid(TB_HEAD "{'days':['mon','tue','wed','thu','fri','sat',"
			       "'sun','mon'],'start':'09:00','end':'17:00',"
			       "'mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].days", "too_long");
}

Test(routing_invalid, rule_no_days)
{
	/* The field is the empty days array, as for ivr_menu.options. */
	expect_invalid(TB_HEAD "{'days':[],'start':'09:00','end':'17:00',"
			       "'mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].days", "missing_field");
}

Test(routing_invalid, rule_bad_times)
{
	static const char *const bad[] = {"9:00",  "09-00", "25:00",
					  "24:01", "12:60", "ab:cd",
					  "",      "0900",  "24:00"};
	char json[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json),
			 TB_HEAD "{'days':['mon'],'start':'%s','end':'24:00',"
				 "'mode':'ai_only'}" TB_TAIL,
			 bad[i]);
		expect_invalid(json, "time_based.rules[0].start",
			       "invalid_value");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]) - 1; i++) {
		snprintf(json, sizeof(json),
			 TB_HEAD "{'days':['mon'],'start':'00:00','end':'%s',"
				 "'mode':'ai_only'}" TB_TAIL,
			 bad[i]);
		expect_invalid(json, "time_based.rules[0].end",
			       "invalid_value");
	}
	expect_invalid(TB_HEAD "{'days':['mon'],'start':'09:00:00',"
			       "'end':'17:00','mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].start", "too_long");
}

Test(routing_invalid, rule_start_not_before_end)
{
	expect_invalid(TB_HEAD "{'days':['mon'],'start':'17:00','end':'09:00',"
			       "'mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].end", "invalid_value");
	expect_invalid(TB_HEAD "{'days':['mon'],'start':'09:00','end':'09:00',"
			       "'mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].end", "invalid_value");
	expect_invalid(TB_HEAD "{'days':['mon'],'start':'09:00','end':'00:00',"
			       "'mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[0].end", "invalid_value");
}

Test(routing_invalid, second_rule_is_named)
{
	expect_invalid(TB_HEAD "{'days':['mon'],'start':'09:00','end':'17:00',"
			       "'mode':'ai_only'},"
			       "{'days':['tue'],'start':'10:00','end':'09:59',"
			       "'mode':'ai_only'}" TB_TAIL,
		       "time_based.rules[1].end", "invalid_value");
}

Test(routing_invalid, rule_chooses_ring_first_without_settings)
{
	struct kc_verr e;
	json_t *v = load(TB_HEAD "{'days':['mon'],'start':'09:00',"
				 "'end':'17:00','mode':'ring_first'}" TB_TAIL);

	memset(&e, 0, sizeof(e));
	cr_assert_eq(kc_routing_validate(v, &e), -1);
	cr_assert_eq(e.status, 422);
	cr_assert_str_eq(e.field, "ring_first");
	cr_assert_str_eq(e.code, "missing_field");
	cr_assert_not_null(strstr(e.msg, "time_based.rules[0].mode"), "%s",
			   e.msg);
	json_decref(v);
}

Test(routing_invalid, rule_chooses_ivr_without_settings)
{
	expect_invalid(TB_HEAD "{'days':['mon'],'start':'09:00','end':'17:00',"
			       "'mode':'ai_only'},"
			       "{'days':['tue'],'start':'09:00','end':'17:00',"
			       "'mode':'ivr_menu'}" TB_TAIL,
		       "ivr_menu", "missing_field");
}

Test(routing_invalid, default_mode_needs_its_settings)
{
	struct kc_verr e;
	json_t *v = load("{'mode':'time_based'," AGT ",'time_based':{"
			 "'rules':[],'default_mode':'ring_first'}}");

	memset(&e, 0, sizeof(e));
	cr_assert_eq(kc_routing_validate(v, &e), -1);
	cr_assert_str_eq(e.field, "ring_first");
	cr_assert_str_eq(e.code, "missing_field");
	cr_assert_not_null(strstr(e.msg, "time_based.default_mode"), "%s",
			   e.msg);
	json_decref(v);
}

Test(routing_invalid, time_based_shape_checked_even_when_unused)
{
	expect_invalid("{'mode':'ai_only'," AGT ",'time_based':{'rules':["
		       "{'days':['mon'],'start':'17:00','end':'09:00',"
		       "'mode':'ai_only'}],'default_mode':'ai_only'}}",
		       "time_based.rules[0].end", "invalid_value");
}
