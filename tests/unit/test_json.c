/*
 * Unit tests for lib/kc_json: strict body parsing, table-driven field checks
 * (types, null, lengths, ranges, enums, unknown fields), RFC 7396 merge
 * patch (its appendix A) and list pages.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "kc_json.h"

static json_t *
J(const char *s)
{
	json_error_t jerr;
	json_t *v = json_loads(s, JSON_DECODE_ANY, &jerr);

	cr_assert_not_null(v, "test JSON does not parse: %s: %s", s, jerr.text);
	return v;
}

/* kc_verr_set */

Test(verr, set_fills_and_returns_minus_one)
{
	struct kc_verr e;

	cr_assert_eq(kc_verr_set(&e, 422, "too_long", "name", "%s is %d long",
				 "name", 300),
		     -1);
	cr_assert_eq(e.status, 422);
	cr_assert_str_eq(e.code, "too_long");
	cr_assert_str_eq(e.field, "name");
	cr_assert_str_eq(e.msg, "name is 300 long");
	kc_verr_set(&e, 400, "invalid_json", NULL, "x");
	cr_assert_str_eq(e.field, "");
}

/* kc_json_parse_object */

Test(parse, object_accepted)
{
	struct kc_verr e;
	static const char body[] = "{\"a\": 1, \"b\": [true, null]}";
	json_t *v = kc_json_parse_object(body, strlen(body), &e);

	cr_assert_not_null(v);
	cr_assert(json_is_object(v));
	cr_assert_eq(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);
}

Test(parse, length_is_respected)
{
	struct kc_verr e;
	/* Only the first 2 bytes are the body. */
	json_t *v = kc_json_parse_object("{}garbage", 2, &e);

	cr_assert_not_null(v);
	cr_assert_eq(json_object_size(v), 0);
	json_decref(v);
}

Test(parse, empty_body)
{
	struct kc_verr e;

	memset(&e, 0, sizeof(e));
	cr_assert_null(kc_json_parse_object("", 0, &e));
	cr_assert_eq(e.status, 400);
	cr_assert_str_eq(e.code, "invalid_json");
	cr_assert_str_eq(e.field, "");
	cr_assert_neq(e.msg[0], '\0');
	memset(&e, 0, sizeof(e));
	cr_assert_null(kc_json_parse_object(NULL, 0, &e));
	cr_assert_eq(e.status, 400);
}

Test(parse, syntax_error_names_line_and_column)
{
	struct kc_verr e;
	static const char body[] = "{\n  \"a\": 1,\n  \"b\": ]\n}";

	memset(&e, 0, sizeof(e));
	cr_assert_null(kc_json_parse_object(body, strlen(body), &e));
	cr_assert_eq(e.status, 400);
	cr_assert_str_eq(e.code, "invalid_json");
	cr_assert_not_null(strstr(e.msg, "line 3"), "%s", e.msg);
	cr_assert_not_null(strstr(e.msg, "column"), "%s", e.msg);
}

Test(parse, other_syntax_errors)
{
	static const char *const bad[] = {
	    "{",   "{\"a\":}",    "{'a':1}", "{\"a\":1,}",          "{} {}",
	    "{}x", "{\"a\":tru}", "\xff",    "{\"a\":\"\\u0000\"}",
	};
	struct kc_verr e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		cr_expect_null(kc_json_parse_object(bad[i], strlen(bad[i]), &e),
			       "%s", bad[i]);
		cr_expect_eq(e.status, 400, "%s", bad[i]);
		cr_expect_str_eq(e.code, "invalid_json", "%s", bad[i]);
		cr_expect_not_null(strstr(e.msg, "line"), "%s: %s", bad[i],
				   e.msg);
	}
}

Test(parse, non_object_rejected)
{
	static const char *const bad[] = {"[]",    "[{\"a\":1}]", "42",
					  "\"s\"", "null",        "true"};
	struct kc_verr e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		cr_expect_null(kc_json_parse_object(bad[i], strlen(bad[i]), &e),
			       "%s", bad[i]);
		cr_expect_eq(e.status, 400, "%s", bad[i]);
		cr_expect_str_eq(e.code, "invalid_json", "%s", bad[i]);
	}
	memset(&e, 0, sizeof(e));
	cr_assert_null(kc_json_parse_object("[]", 2, &e));
	cr_assert_not_null(strstr(e.msg, "object"), "%s", e.msg);
}

Test(parse, duplicate_keys_rejected)
{
	struct kc_verr e;
	static const char body[] = "{\"mode\":\"ai_only\",\"mode\":\"x\"}";
	static const char nested[] = "{\"a\":{\"b\":1,\"b\":2}}";

	memset(&e, 0, sizeof(e));
	cr_assert_null(kc_json_parse_object(body, strlen(body), &e));
	cr_assert_eq(e.status, 400);
	cr_assert_str_eq(e.code, "invalid_json");
	memset(&e, 0, sizeof(e));
	cr_assert_null(kc_json_parse_object(nested, strlen(nested), &e));
	cr_assert_eq(e.status, 400);
}

/* kc_json_check */

static const char *const colours[] = {"red", "green", NULL};

static const struct kc_field fields[] = {
    {"name", KC_F_STRING, 1, 10, 0, 0, NULL, 0},
    {"count", KC_F_INT, 0, 0, 0, 100, NULL, 0},
    {"flag", KC_F_BOOL, 0, 0, 0, 0, NULL, 0},
    {"meta", KC_F_OBJECT, 0, 0, 0, 0, NULL, 0},
    {"tags", KC_F_ARRAY, 0, 3, 0, 0, NULL, 0},
    {"phone", KC_F_E164, 0, 17, 0, 0, NULL, 1},
    {"colour", KC_F_ENUM, 0, 0, 0, 0, colours, 0},
    {"at", KC_F_TIME, 0, 0, 0, 0, NULL, 0},
    {"note", KC_F_STRING, 0, 5, 0, 0, NULL, 1},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static void
check_ok(const char *json)
{
	struct kc_verr e;
	json_t *v = J(json);

	memset(&e, 0, sizeof(e));
	cr_expect_eq(kc_json_check(v, "", fields, NFIELDS, &e), 0, "%s: %s %s",
		     json, e.field, e.msg);
	json_decref(v);
}

static void
check_bad_v(json_t *v, const char *prefix, const char *field, const char *code,
	    const char *what)
{
	struct kc_verr e;

	memset(&e, 0, sizeof(e));
	cr_expect_eq(kc_json_check(v, prefix, fields, NFIELDS, &e), -1,
		     "accepted: %s", what);
	cr_expect_eq(e.status, 422, "%s", what);
	cr_expect_str_eq(e.field, field, "%s (%s)", what, e.msg);
	cr_expect_str_eq(e.code, code, "%s (%s)", what, e.msg);
	if (*field)
		cr_expect_not_null(strstr(e.msg, field), "%s: %s", what, e.msg);
}

static void
check_bad(const char *json, const char *field, const char *code)
{
	json_t *v = J(json);

	check_bad_v(v, "", field, code, json);
	json_decref(v);
}

Test(check, all_types_valid)
{
	check_ok("{\"name\":\"n\"}");
	check_ok("{\"name\":\"n\",\"count\":5,\"flag\":true,\"meta\":{\"x\":1},"
		 "\"tags\":[1,\"a\"],\"phone\":\"+14155550123\","
		 "\"colour\":\"green\",\"at\":\"2026-01-31T14:00:00Z\","
		 "\"note\":\"hi\"}");
	check_ok("{\"name\":\"n\",\"flag\":false,\"meta\":{},\"tags\":[]}");
}

Test(check, required_field_missing)
{
	check_bad("{}", "name", "missing_field");
	check_bad("{\"count\":1}", "name", "missing_field");
}

Test(check, null_only_where_nullable)
{
	check_ok("{\"name\":\"n\",\"phone\":null,\"note\":null}");
	check_bad("{\"name\":null}", "name", "invalid_type");
	check_bad("{\"name\":\"n\",\"count\":null}", "count", "invalid_type");
	check_bad("{\"name\":\"n\",\"colour\":null}", "colour", "invalid_type");
}

Test(check, required_and_nullable_still_required)
{
	static const struct kc_field f[] = {
	    {"x", KC_F_STRING, 1, 0, 0, 0, NULL, 1},
	};
	struct kc_verr e;
	json_t *v = J("{\"x\":null}");

	memset(&e, 0, sizeof(e));
	cr_assert_eq(kc_json_check(v, "", f, 1, &e), -1);
	cr_assert_str_eq(e.field, "x");
	cr_assert_str_eq(e.code, "missing_field");
	json_decref(v);
}

Test(check, wrong_types)
{
	check_bad("{\"name\":5}", "name", "invalid_type");
	check_bad("{\"name\":\"n\",\"count\":\"5\"}", "count", "invalid_type");
	check_bad("{\"name\":\"n\",\"count\":5.0}", "count", "invalid_type");
	check_bad("{\"name\":\"n\",\"count\":true}", "count", "invalid_type");
	check_bad("{\"name\":\"n\",\"flag\":1}", "flag", "invalid_type");
	check_bad("{\"name\":\"n\",\"flag\":\"true\"}", "flag", "invalid_type");
	check_bad("{\"name\":\"n\",\"meta\":[]}", "meta", "invalid_type");
	check_bad("{\"name\":\"n\",\"tags\":{}}", "tags", "invalid_type");
	check_bad("{\"name\":\"n\",\"phone\":14155550123}", "phone",
		  "invalid_type");
	check_bad("{\"name\":\"n\",\"colour\":1}", "colour", "invalid_type");
	check_bad("{\"name\":\"n\",\"at\":1769868000}", "at", "invalid_type");
}

Test(check, type_message_names_the_type)
{
	struct kc_verr e;
	json_t *v = J("{\"name\":\"n\",\"count\":\"5\"}");

	cr_assert_eq(kc_json_check(v, "", fields, NFIELDS, &e), -1);
	cr_assert_str_eq(e.msg, "count must be an integer");
	json_decref(v);
}

Test(check, string_maxlen_in_bytes)
{
	check_ok("{\"name\":\"0123456789\"}");
	check_bad("{\"name\":\"0123456789a\"}", "name", "too_long");
	/* Five two-byte characters are ten bytes. */
	check_ok("{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}");
	check_bad("{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\"}",
		  "name", "too_long");
	check_bad("{\"name\":\"n\",\"note\":\"123456\"}", "note", "too_long");
}

Test(check, array_maxlen_in_items)
{
	check_ok("{\"name\":\"n\",\"tags\":[1,2,3]}");
	check_bad("{\"name\":\"n\",\"tags\":[1,2,3,4]}", "tags", "too_long");
}

Test(check, integer_range)
{
	check_ok("{\"name\":\"n\",\"count\":0}");
	check_ok("{\"name\":\"n\",\"count\":100}");
	check_bad("{\"name\":\"n\",\"count\":-1}", "count", "out_of_range");
	check_bad("{\"name\":\"n\",\"count\":101}", "count", "out_of_range");
	check_bad("{\"name\":\"n\",\"count\":9223372036854775807}", "count",
		  "out_of_range");
}

Test(check, range_message)
{
	struct kc_verr e;
	json_t *v = J("{\"name\":\"n\",\"count\":101}");

	cr_assert_eq(kc_json_check(v, "", fields, NFIELDS, &e), -1);
	cr_assert_str_eq(e.msg, "count must be between 0 and 100");
	json_decref(v);
}

Test(check, enum_values)
{
	check_ok("{\"name\":\"n\",\"colour\":\"red\"}");
	check_bad("{\"name\":\"n\",\"colour\":\"blue\"}", "colour",
		  "invalid_enum");
	check_bad("{\"name\":\"n\",\"colour\":\"Red\"}", "colour",
		  "invalid_enum");
	check_bad("{\"name\":\"n\",\"colour\":\"\"}", "colour", "invalid_enum");
}

Test(check, e164)
{
	check_bad("{\"name\":\"n\",\"phone\":\"4155550123\"}", "phone",
		  "invalid_phone_number");
	check_bad("{\"name\":\"n\",\"phone\":\"+1234567890123456\"}", "phone",
		  "invalid_phone_number");
	check_bad("{\"name\":\"n\",\"phone\":\"+12345678901234567\"}", "phone",
		  "too_long");
}

Test(check, time)
{
	check_ok("{\"name\":\"n\",\"at\":\"2026-01-31T14:00:00+05:30\"}");
	check_bad("{\"name\":\"n\",\"at\":\"yesterday\"}", "at",
		  "invalid_time");
	check_bad("{\"name\":\"n\",\"at\":\"2026-02-29T00:00:00Z\"}", "at",
		  "invalid_time");
}

Test(check, unknown_field)
{
	check_bad("{\"name\":\"n\",\"nmae\":\"n\"}", "nmae", "unknown_field");
	/* Unknown fields are found even when a required one is missing. */
	check_bad("{\"bogus\":1}", "bogus", "unknown_field");
}

Test(check, unknown_field_with_prefix)
{
	json_t *v = J("{\"name\":\"n\",\"extra\":1}");

	check_bad_v(v, "settings", "settings.extra", "unknown_field",
		    "prefix settings");
	check_bad_v(v, "a.b[2]", "a.b[2].extra", "unknown_field",
		    "prefix a.b[2]");
	json_decref(v);
}

Test(check, prefix_on_every_error)
{
	json_t *v = J("{\"name\":\"n\",\"count\":500}");

	check_bad_v(v, "outer", "outer.count", "out_of_range", "range");
	json_decref(v);
	v = J("{}");
	check_bad_v(v, "outer", "outer.name", "missing_field", "missing");
	json_decref(v);
}

Test(check, not_an_object)
{
	struct kc_verr e;
	json_t *v = J("[1]");

	memset(&e, 0, sizeof(e));
	cr_assert_eq(kc_json_check(v, "", fields, NFIELDS, &e), -1);
	cr_assert_str_eq(e.code, "invalid_type");
	cr_assert_str_eq(e.field, "");
	cr_assert_eq(e.status, 422);
	memset(&e, 0, sizeof(e));
	cr_assert_eq(kc_json_check(v, "ring_first", fields, NFIELDS, &e), -1);
	cr_assert_str_eq(e.field, "ring_first");
	cr_assert_str_eq(e.code, "invalid_type");
	json_decref(v);
	cr_assert_eq(kc_json_check(NULL, "x", fields, NFIELDS, &e), -1);
}

Test(check, nul_inside_string)
{
	json_t *v = json_pack("{s:s%}", "name", "ab\0cd", (size_t)5);

	cr_assert_not_null(v);
	check_bad_v(v, "", "name", "invalid_value", "NUL in name");
	json_decref(v);
	v = json_pack("{s:s, s:s%}", "name", "n", "colour", "red\0x",
		      (size_t)5);
	cr_assert_not_null(v);
	check_bad_v(v, "", "colour", "invalid_value", "NUL in enum");
	json_decref(v);
}

/* kc_json_merge_patch: RFC 7396 appendix A, every example. */

static const struct {
	const char *target, *patch, *result;
} rfc7396[] = {
    {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
    {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
    {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
    {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
     "{\"a\":{\"b\":\"d\"}}"},
    {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
    {"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
    {"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
    {"{\"a\":\"foo\"}", "null", "null"},
    {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
    {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
    {"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
    {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
};

Test(merge_patch, rfc7396_appendix_a)
{
	size_t i;

	for (i = 0; i < sizeof(rfc7396) / sizeof(rfc7396[0]); i++) {
		json_t *t = J(rfc7396[i].target), *p = J(rfc7396[i].patch);
		json_t *want = J(rfc7396[i].result), *got;
		char *before = json_dumps(t, JSON_SORT_KEYS | JSON_ENCODE_ANY);

		got = kc_json_merge_patch(t, p);
		cr_expect_not_null(got, "example %zu", i + 1);
		cr_expect(json_equal(got, want), "example %zu: %s + %s", i + 1,
			  rfc7396[i].target, rfc7396[i].patch);
		{
			char *after =
			    json_dumps(t, JSON_SORT_KEYS | JSON_ENCODE_ANY);
			cr_expect_str_eq(after, before,
					 "example %zu: target modified", i + 1);
			free(after);
		}
		free(before);
		json_decref(got);
		json_decref(want);
		json_decref(p);
		json_decref(t);
	}
}

Test(merge_patch, result_is_independent_of_patch)
{
	json_t *t = J("{\"a\":1}"), *p = J("{\"b\":{\"c\":[1]}}"), *got;

	got = kc_json_merge_patch(t, p);
	cr_assert_not_null(got);
	json_object_set_new(json_object_get(got, "b"), "c", json_integer(2));
	cr_assert_eq(
	    json_array_size(json_object_get(json_object_get(p, "b"), "c")), 1,
	    "patch changed through the result");
	json_decref(got);
	json_decref(p);
	json_decref(t);
}

Test(merge_patch, null_target)
{
	json_t *p = J("{\"a\":{\"b\":null,\"c\":1}}"), *got;
	json_t *want = J("{\"a\":{\"c\":1}}");

	got = kc_json_merge_patch(NULL, p);
	cr_assert_not_null(got);
	cr_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	json_decref(p);
}

Test(merge_patch, routing_style_update)
{
	json_t *t =
	    J("{\"mode\":\"ring_first\",\"fallback_agent_id\":\"agt_1\","
	      "\"ring_first\":{\"owner_number\":\"+14155550123\","
	      "\"ring_seconds\":20}}");
	json_t *p = J("{\"ring_first\":{\"ring_seconds\":30},"
		      "\"voicemail\":{\"greeting\":\"hi\"}}");
	json_t *want = J("{\"mode\":\"ring_first\",\"fallback_agent_id\":"
			 "\"agt_1\",\"ring_first\":{\"owner_number\":"
			 "\"+14155550123\",\"ring_seconds\":30},"
			 "\"voicemail\":{\"greeting\":\"hi\"}}");
	json_t *got = kc_json_merge_patch(t, p);

	cr_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	json_decref(p);
	json_decref(t);
}

/* kc_json_str */

Test(json_str, member_or_null)
{
	json_t *v = J("{\"s\":\"x\",\"n\":1}");

	cr_assert_str_eq(kc_json_str(v, "s"), "x");
	cr_assert_null(kc_json_str(v, "n"));
	cr_assert_null(kc_json_str(v, "missing"));
	cr_assert_null(kc_json_str(NULL, "s"));
	json_decref(v);
}

/* kc_json_list */

Test(list, page_with_more)
{
	json_t *data = J("[{\"id\":\"pn_1\"},{\"id\":\"pn_2\"}]");
	json_t *l;

	json_incref(data);
	l = kc_json_list(data, 1);
	cr_assert_not_null(l);
	cr_assert_str_eq(kc_json_str(l, "object"), "list");
	cr_assert_eq(json_object_get(l, "data"), data, "data is taken as is");
	cr_assert(json_is_true(json_object_get(l, "has_more")));
	cr_assert_str_eq(kc_json_str(l, "next_cursor"), "pn_2");
	cr_assert_eq(json_object_size(l), 4);
	json_decref(l);
	/* One reference (ours) is left: the list took the other. */
	cr_assert_eq(data->refcount, 1);
	json_decref(data);
}

Test(list, last_page)
{
	json_t *l = kc_json_list(J("[{\"id\":\"pn_1\"}]"), 0);

	cr_assert_not_null(l);
	cr_assert(json_is_false(json_object_get(l, "has_more")));
	cr_assert_not_null(json_object_get(l, "next_cursor"));
	cr_assert(json_is_null(json_object_get(l, "next_cursor")));
	cr_assert_eq(json_array_size(json_object_get(l, "data")), 1);
	json_decref(l);
}

Test(list, empty_page)
{
	json_t *l = kc_json_list(json_array(), 0);
	char *s;

	cr_assert_not_null(l);
	s = json_dumps(l, JSON_SORT_KEYS | JSON_COMPACT);
	cr_assert_str_eq(s, "{\"data\":[],\"has_more\":false,"
			    "\"next_cursor\":null,\"object\":\"list\"}");
	free(s);
	json_decref(l);
}
