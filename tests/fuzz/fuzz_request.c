/* libFuzzer target over everything a request passes through before the
 * database: method, URI and query parsing, routing, paging, JSON body
 * parsing, routing-object validation and merge patch, and the small
 * parsers (scopes, E.164, times, durations, retry schedules, Retry-After);
 * compliance: consent, DNC and settings bodies, NANP numbers and their
 * zones, calling hours ("HH:MM"), the SMS keywords; and the carrier's
 * side: the form-encoded callback body, its signature check over the URI,
 * and the carrier's JSON answers; outbound: the bodies of POST
 * /v1/messages and /v1/outbound-calls, a callback's status, and the
 * TwiML of a reply; the dashboard: a form body and its check against a
 * table of fields.
 * Input: "METHOD\nURI\nBODY". */
#include "kc_addr.h"
#include "kc_backoff.h"
#include "kc_call.h"
#include "kc_compliance.h"
#include "kc_consent.h"
#include "kc_dnc.h"
#include "kc_hours.h"
#include "kc_nanp.h"
#include "kc_carrier.h"
#include "kc_config.h"
#include "kc_event_types.h"
#include "kc_followup.h"
#include "kc_form.h"
#include "kc_json.h"
#include "kc_lead.h"
#include "kc_outbound.h"
#include "kc_url.h"
#include "kc_phone.h"
#include "kc_routing.h"
#include "kc_scope.h"
#include "kc_time.h"
#include "kc_twilio_sig.h"
#include "dash.h"
#include "request.h"
#include "response.h"
#include "routes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A carrier callback: body as its form, signed over uri (as the callback
 * routes check it), and body as the carrier's answer to a request. */
static void
fuzz_carrier(const char *uri, const char *body, size_t len)
{
	struct kc_carrier_result r;
	struct kc_form *f;
	char err[128];

	memset(&r, 0, sizeof(r));
	kc_carrier_read_answer(201, body, len, &r);
	kc_carrier_read_answer(400, body, len, &r);
	if (kc_form_parse(body, len, &f, err, sizeof(err)) != 0)
		return;
	(void)kc_form_get(f, "Body");
	(void)kc_outbound_state_rank(
	    KC_OUTBOUND_CALL,
	    kc_outbound_state_of(KC_OUTBOUND_CALL,
				 kc_form_get(f, "CallStatus")));
	(void)kc_outbound_state_event(
	    KC_OUTBOUND_MESSAGE,
	    kc_outbound_state_of(KC_OUTBOUND_MESSAGE,
				 kc_form_get(f, "MessageStatus")));
	free(kc_twiml_reply(kc_form_get(f, "Body")));
	(void)kc_twilio_signature_valid("token", uri ? uri : "https://x.test/",
					f, kc_form_get(f, "Signature"));
	kc_form_free(f);
}

static void
fuzz_strings(const char *s)
{
	char out[KC_TIME_MAX];
	uint32_t mask;
	long long secs;
	char bad[64];
	struct kc_url u;

	(void)kc_e164_valid(s);
	(void)kc_time_to_db(s, out, sizeof(out));
	(void)kc_duration_parse(s, &secs);
	(void)kc_scope_parse(s, &mask, bad, sizeof(bad));
	(void)kc_url_parse(s, &u, bad, sizeof(bad));
	(void)kc_ip_is_internal(s);
	(void)kc_phone_problem(s);
	(void)kc_nanp_tz_find(s);
	(void)kc_nanp_parse10(s, strlen(s));
	(void)kc_hours_parse(s);
	(void)kc_sms_keyword(s, strlen(s));
	{
		struct kc_addr_list l;

		if (kc_addr_list_parse(s, &l) == 0)
			(void)kc_addr_list_match(&l, s);
	}
	{
		long long sched[KC_SCHEDULE_MAX];
		size_t n;

		(void)kc_duration_list_parse(s, sched, KC_SCHEDULE_MAX, &n);
		(void)kc_retry_after_parse(s, 1795694400, &secs);
	}
}

static void
fuzz_body(struct kc_req *req, const char *body, size_t len)
{
	struct kc_verr e;
	json_t *v, *base, *merged;

	req->body = body;
	req->body_len = len;
	if ((v = kc_req_json(req, &e)) == NULL) {
		kc_problem_verr(req, &e);
		return;
	}
	if (kc_routing_validate(v, &e) != 0)
		kc_problem_verr(req, &e);
	base = kc_routing_default("agt_fuzz");
	merged = kc_json_merge_patch(base, v);
	if (merged && kc_routing_validate(merged, &e) != 0)
		kc_problem_verr(req, &e);
	json_decref(merged);
	json_decref(base);
	if (kc_lead_validate(v, &e) != 0)
		kc_problem_verr(req, &e);
	(void)kc_call_validate_start(v, &e);
	(void)kc_call_validate_end(v, &e);
	(void)kc_followup_validate(v, &e);
	(void)kc_event_filter_validate(json_object_get(v, "event_types"),
				       "event_types", &e);
	(void)kc_consent_validate(v, &e);
	(void)kc_dnc_validate(v, &e);
	(void)kc_compliance_settings_validate(v, &e);
	(void)kc_outbound_validate(KC_OUTBOUND_MESSAGE, v, &e);
	(void)kc_outbound_validate(KC_OUTBOUND_CALL, v, &e);
	json_decref(v);
}

/* A dashboard form (req->body), as a page reads it. */
static void
fuzz_dash_form(struct kc_req *req)
{
	static const struct dash_field f[] = {
	    {"phone", 32, 1, 0},
	    {"channels", 8, 0, 1},
	    {"routing", 64 * 1024, 0, 0},
	};
	const char *v[8];
	struct kc_verr e;

	if (kc_req_parse_form(req, &e) != 0)
		return;
	(void)dash_form_check(req, f, sizeof(f) / sizeof(f[0]), &e);
	(void)dash_form_all(req, "channels", v, 8);
	(void)kc_req_form_get(req, "routing");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *uri, *body, allow[96];
	struct kc_req req;
	struct kc_verr e;
	struct kc_buf head;
	const char *after;
	int status, limit;
	long long n;

	if (size > 64 * 1024)
		return 0;
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	kc_req_init(&req);
	kc_buf_init(&head, 4096);
	uri = strchr(copy, '\n');
	if (uri)
		*uri++ = '\0';
	body = uri ? strchr(uri, '\n') : NULL;
	if (body)
		*body++ = '\0';
	fuzz_strings(copy);
	if (kc_method_parse(copy, &req.method) != 0)
		req.method = KC_M_GET;
	if (uri && kc_req_set_uri(&req, uri, &e) == 0) {
		if (kc_route_match(&req, &status, allow, sizeof(allow)) == NULL)
			kc_problem(&req, status, "not_found", NULL, "%s",
				   allow);
		(void)kc_query_allowed(&req, "limit,starting_after", &e);
		(void)kc_query_page(&req, "pn", &limit, &after, &e);
		(void)kc_query_int(&req, "n", -5, 5, 0, &n, &e);
	}
	if (body) {
		fuzz_strings(body);
		fuzz_body(&req, body, size - (size_t)(body - copy));
		fuzz_dash_form(&req);
		fuzz_carrier(uri, body, size - (size_t)(body - copy));
	}
	if (req.resp.status)
		(void)kc_resp_headers(&req, &head);
	kc_buf_free(&head);
	kc_req_free(&req);
	free(copy);
	return 0;
}
