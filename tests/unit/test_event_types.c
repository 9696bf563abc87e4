#include "kc_event_types.h"

#include <criterion/criterion.h>

static json_t *
arr(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	cr_assert(v, "%s", text);
	return v;
}

Test(event_types, catalog_names_are_unique_and_described)
{
	size_t i, j;

	cr_assert_gt(kc_event_types_count, 5);
	for (i = 0; i < kc_event_types_count; i++) {
		cr_assert(strchr(kc_event_types[i].name, '.'));
		cr_assert(strlen(kc_event_types[i].description) > 5);
		for (j = i + 1; j < kc_event_types_count; j++)
			cr_assert_str_neq(kc_event_types[i].name,
					  kc_event_types[j].name);
	}
}

Test(event_types, filters_validate)
{
	struct kc_verr e;
	json_t *v;

	v = arr("[\"*\"]");
	cr_assert_eq(kc_event_filter_validate(v, "event_types", &e), 0);
	json_decref(v);
	v = arr("[\"call.*\", \"lead.captured\", \"followup.completed\"]");
	cr_assert_eq(kc_event_filter_validate(v, "event_types", &e), 0);
	json_decref(v);
	v = arr("[\"lead.captured\", \"bogus.*\"]");
	cr_assert_eq(kc_event_filter_validate(v, "event_types", &e), -1);
	cr_assert_str_eq(e.field, "event_types[1]");
	cr_assert_str_eq(e.code, "invalid_enum");
	json_decref(v);
	v = arr("[\"call\"]");
	cr_assert_eq(kc_event_filter_validate(v, "event_types", &e), -1);
	json_decref(v);
	v = arr("[]");
	cr_assert_eq(kc_event_filter_validate(v, "event_types", &e), -1);
	cr_assert_str_eq(e.field, "event_types");
	json_decref(v);
	v = arr("[1]");
	cr_assert_eq(kc_event_filter_validate(v, "event_types", &e), -1);
	cr_assert_str_eq(e.code, "invalid_type");
	json_decref(v);
	cr_assert_eq(kc_event_filter_validate(NULL, "event_types", &e), -1);
}

Test(event_types, filters_match)
{
	json_t *v = arr("[\"call.*\", \"lead.captured\"]");

	cr_assert(kc_event_filter_matches(v, "call.started"));
	cr_assert(kc_event_filter_matches(v, "call.ended"));
	cr_assert(kc_event_filter_matches(v, "lead.captured"));
	cr_assert_not(kc_event_filter_matches(v, "followup.created"));
	cr_assert_not(kc_event_filter_matches(v, "callx.started"));
	json_decref(v);
	v = arr("[\"*\"]");
	cr_assert(kc_event_filter_matches(v, "webhook.test"));
	json_decref(v);
}
