/*
 * Unit tests for lib/carrier/kc_carrier without a network: how the
 * carrier's answers are read and classified (Twilio's success and error
 * bodies, and answers that are neither), and the requests refused before
 * anything is sent. The requests themselves are tested against the fake
 * carrier (tests/integration/test_carrier.c).
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kc_carrier.h"

static struct kc_carrier_result
answer(long status, const char *body)
{
	struct kc_carrier_result r;

	memset(&r, 0x5a, sizeof(r));
	r.duration_ms = 12;
	kc_carrier_read_answer(status, body, body ? strlen(body) : 0, &r);
	cr_assert_eq(r.duration_ms, 12, "the duration is kept");
	cr_assert_eq(r.http_status, status);
	return r;
}

TestSuite(carrier);

Test(carrier, created)
{
	struct kc_carrier_result r =
	    answer(201, "{\"sid\":\"SM0123456789abcdef0123456789abcdef\","
			"\"status\":\"queued\",\"error_code\":null,"
			"\"to\":\"+15558675310\"}");

	cr_assert_eq(r.outcome, KC_CARRIER_OK);
	cr_assert_str_eq(r.sid, "SM0123456789abcdef0123456789abcdef");
	cr_assert_str_eq(r.status, "queued");
	cr_assert_eq(r.code, 0);
	cr_assert_str_eq(r.message, "");
}

/* It may have been created: never simply sent again (H5). */
Test(carrier, success_without_a_readable_sid_is_unknown)
{
	static const char *const bodies[] = {
	    NULL,
	    "",
	    "not json",
	    "[\"SM0123\"]",
	    "{\"status\":\"queued\"}",
	    "{\"sid\":42}",
	    "{\"sid\":\"SM<script>\"}",
	    "{\"sid\":\"SM\"}",
	    "{\"sid\":\"SM1\",\"sid\":\"SM2\"}",
	};
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct kc_carrier_result r = answer(200, bodies[i]);

		cr_expect_eq(r.outcome, KC_CARRIER_UNKNOWN, "%s",
			     bodies[i] ? bodies[i] : "(none)");
		cr_expect_str_eq(r.sid, "");
		cr_expect_not_null(strstr(r.message, "sid"), "%s", r.message);
	}
}

Test(carrier, twilio_errors_are_permanent)
{
	static const struct {
		int code;
		const char *message;
	} cases[] = {
	    {21610, "Attempt to send to unsubscribed recipient"},
	    {21211, "The 'To' number +1555 is not a valid phone number."},
	    {21614, "'To' number is not a valid mobile number"},
	    {21602, "Message body is required."},
	};
	char body[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kc_carrier_result r;

		snprintf(body, sizeof(body),
			 "{\"code\": %d, \"message\": \"%s\", \"more_info\": "
			 "\"https://www.twilio.com/docs/errors/%d\", "
			 "\"status\": 400}",
			 cases[i].code, cases[i].message, cases[i].code);
		r = answer(400, body);
		cr_expect_eq(r.outcome, KC_CARRIER_PERMANENT, "%d",
			     cases[i].code);
		cr_expect_eq(r.code, cases[i].code);
		cr_expect_str_eq(r.message, cases[i].message);
		cr_expect_str_eq(r.sid, "");
		snprintf(body, sizeof(body),
			 "https://www.twilio.com/docs/errors/%d",
			 cases[i].code);
		cr_expect_str_eq(r.more_info, body);
	}
	/* Any other 4xx, with or without a body. */
	cr_expect_eq(answer(422, NULL).outcome, KC_CARRIER_PERMANENT);
	cr_expect_str_eq(answer(422, NULL).message, "HTTP 422");
	cr_expect_eq(answer(400, "<html>").outcome, KC_CARRIER_PERMANENT);
	cr_expect_eq(answer(400, "<html>").code, 0);
}

Test(carrier, temporary_answers_are_retryable)
{
	struct kc_carrier_result r;

	r = answer(429, "{\"code\":20429,\"message\":\"Too Many Requests\","
			"\"status\":429}");
	cr_expect_eq(r.outcome, KC_CARRIER_RETRYABLE);
	cr_expect_eq(r.code, 20429);
	cr_expect_str_eq(r.message, "Too Many Requests");
	r = answer(400, "{\"code\":21611,\"message\":\"queue full\"}");
	cr_expect_eq(r.outcome, KC_CARRIER_RETRYABLE, "21611 says not now");
}

/* A 5xx says nothing of whether the carrier took the request first:
 * Twilio documents none as "nothing created". */
Test(carrier, server_errors_are_unknown)
{
	cr_expect_eq(answer(500, "Internal Server Error").outcome,
		     KC_CARRIER_UNKNOWN);
	cr_expect_str_eq(answer(500, "Internal Server Error").message,
			 "HTTP 500");
	cr_expect_eq(answer(502, NULL).outcome, KC_CARRIER_UNKNOWN);
	cr_expect_eq(answer(503, "{\"code\":20503}").outcome,
		     KC_CARRIER_UNKNOWN);
	cr_expect_eq(answer(503, "{\"code\":20503}").code, 20503);
	cr_expect_eq(answer(0, NULL).outcome, KC_CARRIER_UNKNOWN);
}

Test(carrier, configuration_errors)
{
	struct kc_carrier_result r;

	r = answer(401, "{\"code\":20003,\"detail\":\"Your AccountSid or "
			"AuthToken was incorrect.\",\"message\":"
			"\"Authentication Error - invalid username\","
			"\"more_info\":\"https://www.twilio.com/docs/errors/"
			"20003\",\"status\":401}");
	cr_expect_eq(r.outcome, KC_CARRIER_CONFIG);
	cr_expect_eq(r.code, 20003);
	cr_expect_str_eq(r.message, "Authentication Error - invalid username");
	cr_expect_eq(answer(403, NULL).outcome, KC_CARRIER_CONFIG);
	cr_expect_eq(answer(404, "{\"code\":20404}").outcome,
		     KC_CARRIER_CONFIG);
	r = answer(302, NULL);
	cr_expect_eq(r.outcome, KC_CARRIER_CONFIG);
	cr_expect_not_null(strstr(r.message, "redirect"), "%s", r.message);
	cr_expect_eq(answer(307, "{\"sid\":\"SM1\"}").outcome,
		     KC_CARRIER_CONFIG);
}

Test(carrier, error_fields_are_bounded)
{
	char body[4096];
	struct kc_carrier_result r;

	memset(body, 0, sizeof(body));
	strcpy(body, "{\"code\":21211,\"message\":\"");
	memset(body + strlen(body), 'm', 2000);
	strcat(body, "\",\"more_info\":\"https://x/");
	memset(body + strlen(body), 'i', 1000);
	strcat(body, "\"}");
	r = answer(400, body);
	cr_assert_eq(r.code, 21211);
	cr_assert_eq(strlen(r.message), sizeof(r.message) - 1);
	cr_assert_eq(strlen(r.more_info), sizeof(r.more_info) - 1);
	/* A code that is not a positive integer is no code. */
	cr_expect_eq(answer(400, "{\"code\":\"21211\"}").code, 0);
	cr_expect_eq(answer(400, "{\"code\":-1}").code, 0);
	cr_expect_eq(answer(400, "{\"code\":1e3}").code, 0);
}

static void
configured(struct kc_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->carrier_base_url = "http://127.0.0.1:9";
	cfg->carrier_account_sid = "AC0123456789abcdef0123456789abcdef";
	cfg->carrier_auth_token = "0123456789abcdef0123456789abcdef";
	cfg->carrier_timeout = 1;
	cfg->carrier_concurrency = 2;
}

Test(carrier, new_needs_a_configured_carrier)
{
	struct kc_config cfg;
	struct kc_carrier *c = (struct kc_carrier *)1;
	char err[256] = "";

	configured(&cfg);
	cfg.carrier_account_sid = NULL;
	cfg.carrier_auth_token = NULL;
	cr_assert_eq(kc_carrier_new(&cfg, &c, err, sizeof(err)), -1);
	cr_assert_null(c);
	cr_assert_not_null(strstr(err, "carrier_account_sid"), "%s", err);
	/* Configured, but the token did not open (kc_config says why). */
	configured(&cfg);
	cfg.carrier_auth_token = NULL;
	snprintf(cfg.carrier_error, sizeof(cfg.carrier_error),
		 "carrier_auth_token_sealed does not open under master_key");
	cr_assert_eq(kc_carrier_new(&cfg, &c, err, sizeof(err)), -1);
	cr_assert_str_eq(err, cfg.carrier_error);
	configured(&cfg);
	cr_assert_eq(kc_carrier_new(&cfg, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(kc_carrier_free_slots(c), 2);
	kc_carrier_free(c);
	kc_carrier_free(NULL);
}

Test(carrier, malformed_requests_are_refused_before_sending)
{
	struct kc_config cfg;
	struct kc_carrier *c;
	struct kc_carrier_req req;
	struct kc_carrier_result r;
	struct kc_carrier_message m = {"+15558675310", NULL, "hi", NULL};
	struct kc_carrier_call call = {"+15558675310", "+15017122661", NULL,
				       NULL,           NULL,           NULL};
	char err[256];

	configured(&cfg);
	cr_assert_eq(kc_carrier_new(&cfg, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_PERMANENT);
	cr_assert_eq(r.http_status, 0);
	cr_assert_not_null(strstr(r.message, "From"), "%s", r.message);
	m.from = "+15017122661";
	m.body = NULL;
	cr_assert_eq(kc_carrier_message_create(c, &m, &r), -1);
	cr_assert_not_null(strstr(r.message, "Body"), "%s", r.message);

	/* A call needs exactly one of Url and Twiml. */
	cr_assert_eq(kc_carrier_call_create(c, &call, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_PERMANENT);
	call.url = "https://x.test/twiml";
	call.twiml = "<Response/>";
	cr_assert_eq(kc_carrier_call_create(c, &call, &r), -1);
	cr_assert_eq(r.outcome, KC_CARRIER_PERMANENT);

	memset(&req, 0, sizeof(req));
	req.kind = KC_CARRIER_CALL;
	req.call = call;
	cr_assert_eq(kc_carrier_start(c, &req), -1);
	cr_assert_eq(req.result.outcome, KC_CARRIER_PERMANENT);
	cr_assert_eq(kc_carrier_active(c), 0, "nothing in flight");
	cr_assert_eq(kc_carrier_free_slots(c), 2);
	kc_carrier_free(c);
}
