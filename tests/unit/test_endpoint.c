/*
 * Unit tests for lib/kc_endpoint's check of an endpoint's delivery limits,
 * which the API (JSON) and the dashboard (form text) both go through: the
 * ranges at and past their bounds, null and "" as "no rate limit", absent
 * as "leave it", and form text that is not a whole number.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "kc_endpoint.h"

static struct kc_endpoint_input
fresh(void)
{
	struct kc_endpoint_input in;

	kc_endpoint_input_init(&in);
	return in;
}

Test(endpoint_limits, json_in_range_is_taken)
{
	struct kc_endpoint_input in = fresh();
	struct kc_verr e;
	json_t *b = json_pack("{s:i, s:i, s:s}", "rate_limit", 1000,
			      "max_in_flight", 1, "url", "ignored here");

	cr_assert_eq(kc_endpoint_limits_read(b, &in, &e), 0, "%s", e.msg);
	cr_assert_eq(in.rate_limit, 1000);
	cr_assert_eq(in.max_in_flight, 1);
	json_decref(b);
}

Test(endpoint_limits, json_null_rate_is_none_and_absent_is_unchanged)
{
	struct kc_endpoint_input in = fresh();
	struct kc_verr e;
	json_t *b = json_pack("{s:n}", "rate_limit");

	cr_assert_eq(kc_endpoint_limits_read(b, &in, &e), 0, "%s", e.msg);
	cr_assert_eq(in.rate_limit, 0);
	cr_assert_eq(in.max_in_flight, 0, "max_in_flight stays unchanged");
	json_decref(b);
	in = fresh();
	b = json_object();
	cr_assert_eq(kc_endpoint_limits_read(b, &in, &e), 0);
	cr_assert_eq(in.rate_limit, -1, "rate_limit stays unchanged");
	json_decref(b);
}

/* Each refused value names its field and changes nothing in in. */
static void
json_refused(const char *field, json_t *v)
{
	struct kc_endpoint_input in = fresh();
	struct kc_verr e;
	json_t *b = json_object();

	json_object_set_new(b, field, v);
	cr_assert_eq(kc_endpoint_limits_read(b, &in, &e), -1, "%s accepted",
		     field);
	cr_assert_str_eq(e.field, field);
	cr_assert_eq(e.status, 422);
	cr_assert_eq(in.rate_limit, -1);
	cr_assert_eq(in.max_in_flight, 0);
	json_decref(b);
}

Test(endpoint_limits, json_out_of_range_or_wrong_type_is_refused)
{
	json_refused("rate_limit", json_integer(0));
	json_refused("rate_limit", json_integer(1001));
	json_refused("rate_limit", json_string("5"));
	json_refused("max_in_flight", json_integer(0));
	json_refused("max_in_flight", json_integer(101));
	json_refused("max_in_flight", json_null());
}

Test(endpoint_limits, text_in_range_is_taken)
{
	struct kc_endpoint_input in = fresh();
	struct kc_verr e;

	cr_assert_eq(kc_endpoint_limits_text("7", "100", &in, &e), 0, "%s",
		     e.msg);
	cr_assert_eq(in.rate_limit, 7);
	cr_assert_eq(in.max_in_flight, 100);
	in = fresh();
	cr_assert_eq(kc_endpoint_limits_text("", "3", &in, &e), 0, "%s", e.msg);
	cr_assert_eq(in.rate_limit, 0, "empty: no rate limit");
	cr_assert_eq(in.max_in_flight, 3);
	in = fresh();
	cr_assert_eq(kc_endpoint_limits_text(NULL, NULL, &in, &e), 0);
	cr_assert_eq(in.rate_limit, -1);
	cr_assert_eq(in.max_in_flight, 0);
}

static void
text_refused(const char *rate, const char *max, const char *field)
{
	struct kc_endpoint_input in = fresh();
	struct kc_verr e;

	cr_assert_eq(kc_endpoint_limits_text(rate, max, &in, &e), -1,
		     "'%s' '%s' accepted", rate ? rate : "(null)",
		     max ? max : "(null)");
	cr_assert_str_eq(e.field, field);
	cr_assert_eq(in.rate_limit, -1);
	cr_assert_eq(in.max_in_flight, 0);
}

Test(endpoint_limits, text_that_is_no_whole_number_in_range_is_refused)
{
	text_refused("0", "10", "rate_limit");
	text_refused("1001", "10", "rate_limit");
	text_refused("-1", "10", "rate_limit");
	text_refused("2.5", "10", "rate_limit");
	text_refused(" 5", "10", "rate_limit");
	text_refused("1e3", "10", "rate_limit");
	text_refused("99999999999999999999", "10", "rate_limit");
	text_refused("5", "", "max_in_flight");
	text_refused("5", "0", "max_in_flight");
	text_refused("5", "101", "max_in_flight");
	text_refused(NULL, "ten", "max_in_flight");
}
