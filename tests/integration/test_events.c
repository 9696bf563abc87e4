/* The event log and catalog through the API. */
#include "itest.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdio.h>
#include <string.h>

TestSuite(events, .init = itest_setup, .timeout = 60);

static void
new_endpoint(const char *key, char *id)
{
	struct itest_resp r;
	const char *body = "{\"url\":\"http://127.0.0.1:9/h\","
			   "\"event_types\":[\"lead.captured\"]}";

	itest_http("POST", "/v1/webhook-endpoints", key, body, strlen(body),
		   NULL, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(id, 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
}

static void
send_test(const char *key, const char *ep, struct itest_resp *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s/test", ep);
	itest_http("POST", path, key, NULL, 0, NULL, r);
}

Test(events, catalog_lists_every_type_with_an_example)
{
	struct itest_tenant t;
	struct itest_resp r;
	const json_t *d, *et;
	size_t i;

	itest_tenant_new(&t, "Catalog Co", NULL);
	itest_get("/v1/event-types", t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	d = json_object_get(r.json, "data");
	cr_assert_geq(json_array_size(d), 7);
	json_array_foreach(d, i, et)
	{
		const json_t *ex = json_object_get(et, "example");
		cr_assert(itest_jstr(et, "name") &&
			  itest_jstr(et, "description"));
		cr_assert_str_eq(itest_jstr(ex, "type"),
				 itest_jstr(et, "name"));
		cr_assert(json_is_object(json_object_get(ex, "data")),
			  "example for %s", itest_jstr(et, "name"));
	}
	cr_assert(strstr(r.body, "\"lead.captured\""));
	cr_assert(strstr(r.body, "\"call.ended\""));
	itest_resp_free(&r);
}

Test(events, test_event_is_logged_with_the_envelope)
{
	struct itest_tenant t;
	struct itest_resp r;
	char ep[64], evt[64], path[160];

	itest_tenant_new(&t, "Events Co", "*");
	new_endpoint(t.key, ep);
	send_test(t.key, ep, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(evt, sizeof(evt), "%s", itest_jstr(r.json, "id"));
	cr_assert(strncmp(evt, "evt_", 4) == 0);
	cr_assert_str_eq(itest_jstr(r.json, "type"), "webhook.test");
	cr_assert_str_eq(itest_jstr(r.json, "business_id"), t.biz);
	cr_assert(itest_jstr(r.json, "created_at"));
	cr_assert_str_eq(
	    itest_jstr(json_object_get(r.json, "data"), "endpoint_id"), ep);
	itest_resp_free(&r);

	snprintf(path, sizeof(path), "/v1/events/%s", evt);
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "id"), evt);
	itest_resp_free(&r);

	itest_get("/v1/events?type=webhook.test", t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 1);
	itest_resp_free(&r);
	itest_get("/v1/events?type=lead.captured", t.key, &r);
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 0);
	itest_resp_free(&r);
	itest_get("/v1/events?since=2999-01-01T00:00:00Z", t.key, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 0);
	itest_resp_free(&r);
	itest_get("/v1/events?since=2020-01-01T00:00:00Z", t.key, &r);
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 1);
	itest_resp_free(&r);
}

Test(events, bad_filters_are_400)
{
	struct itest_tenant t;
	struct itest_resp r;

	itest_tenant_new(&t, "Filters Co", NULL);
	itest_get("/v1/events?type=nope", t.key, &r);
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "type");
	itest_resp_free(&r);
	itest_get("/v1/events?since=yesterday", t.key, &r);
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "since");
	itest_resp_free(&r);
}

Test(events, events_are_isolated)
{
	struct itest_tenant a, b;
	struct itest_resp r, rm;
	char ep[64], evt[64], path[160];

	itest_tenant_new(&a, "Events A", "*");
	itest_tenant_new(&b, "Events B", "*");
	new_endpoint(b.key, ep);
	send_test(b.key, ep, &r);
	snprintf(evt, sizeof(evt), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);

	/* A can neither see B's event nor trigger B's endpoint. */
	snprintf(path, sizeof(path), "/v1/events/%s", evt);
	itest_get(path, a.key, &r);
	itest_get("/v1/events/evt_00000000000000000000", a.key, &rm);
	cr_assert_eq(r.status, 404);
	cr_assert_str_eq(itest_jstr(r.json, "detail"),
			 itest_jstr(rm.json, "detail"));
	itest_resp_free(&r);
	itest_resp_free(&rm);
	itest_get("/v1/events", a.key, &r);
	cr_assert_null(strstr(r.body, evt));
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 0);
	itest_resp_free(&r);
	send_test(a.key, ep, &r);
	cr_assert_eq(r.status, 404, "%s", r.body);
	itest_resp_free(&r);
	itest_get("/v1/events", b.key, &r);
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 1,
		     "A's attempt created an event: %s", r.body);
	itest_resp_free(&r);
}
