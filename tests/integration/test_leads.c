/* Lead ingest: the lead, its lead.captured event and one pending delivery
 * per matching enabled endpoint land together, or nothing does. */
#include "itest.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(leads, .init = itest_setup, .timeout = 60);

static void
endpoint(const char *key, const char *types, int enabled, char *id)
{
	char body[256];
	struct itest_resp r;

	snprintf(body, sizeof(body),
		 "{\"url\":\"http://127.0.0.1:9/h\",\"event_types\":%s,"
		 "\"enabled\":%s}",
		 types, enabled ? "true" : "false");
	itest_http("POST", "/v1/webhook-endpoints", key, body, strlen(body),
		   NULL, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(id, 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
}

static void
post_lead(const char *key, const char *body, struct itest_resp *r)
{
	itest_http("POST", "/v1/leads", key, body, strlen(body), NULL, r);
}

Test(leads, lead_becomes_an_event_with_deliveries_owed)
{
	struct itest_tenant t;
	struct itest_resp r;
	char all[64], leads_only[64], calls_only[64], off[64], lead[64],
	    evt[64], path[256];
	const json_t *d, *ev;
	size_t i;
	int saw_all = 0, saw_leads = 0;

	itest_tenant_new(&t, "Ingest Co", "*");
	endpoint(t.key, "[\"*\"]", 1, all);
	endpoint(t.key, "[\"lead.captured\"]", 1, leads_only);
	endpoint(t.key, "[\"call.*\"]", 1, calls_only);
	endpoint(t.key, "[\"*\"]", 0, off);

	post_lead(t.key,
		  "{\"name\":\"Dana Ruiz\",\"phone\":\"+14155550123\","
		  "\"email\":\"dana@example.com\",\"intent\":\"booking\","
		  "\"notes\":\"Prefers mornings\"}",
		  &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(lead, sizeof(lead), "%s", itest_jstr(r.json, "id"));
	cr_assert(strncmp(lead, "lead_", 5) == 0);
	cr_assert_str_eq(itest_jstr(r.json, "phone"), "+14155550123");
	itest_resp_free(&r);

	snprintf(path, sizeof(path), "/v1/leads/%s", lead);
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(itest_jstr(r.json, "name"), "Dana Ruiz");
	itest_resp_free(&r);

	itest_get("/v1/events?type=lead.captured", t.key, &r);
	d = json_object_get(r.json, "data");
	cr_assert_eq(json_array_size(d), 1, "%s", r.body);
	ev = json_array_get(d, 0);
	cr_assert_str_eq(itest_jstr(json_object_get(ev, "data"), "lead_id"),
			 lead);
	cr_assert_str_eq(itest_jstr(json_object_get(ev, "data"), "email"),
			 "dana@example.com");
	cr_assert_str_eq(itest_jstr(ev, "business_id"), t.biz);
	snprintf(evt, sizeof(evt), "%s", itest_jstr(ev, "id"));
	itest_resp_free(&r);

	snprintf(path, sizeof(path), "/v1/deliveries?event=%s", evt);
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	d = json_object_get(r.json, "data");
	cr_assert_eq(json_array_size(d), 2,
		     "one per matching enabled "
		     "endpoint: %s",
		     r.body);
	for (i = 0; i < json_array_size(d); i++) {
		const json_t *dl = json_array_get(d, i);
		cr_assert_str_eq(itest_jstr(dl, "status"), "pending");
		cr_assert_str_eq(itest_jstr(dl, "event_type"), "lead.captured");
		saw_all |= strcmp(itest_jstr(dl, "endpoint_id"), all) == 0;
		saw_leads |=
		    strcmp(itest_jstr(dl, "endpoint_id"), leads_only) == 0;
	}
	cr_assert(saw_all && saw_leads);
	itest_resp_free(&r);
	snprintf(path, sizeof(path), "/v1/deliveries?endpoint=%s", calls_only);
	cr_assert_eq(itest_count(t.key, path), 0);
	snprintf(path, sizeof(path), "/v1/deliveries?endpoint=%s", off);
	cr_assert_eq(itest_count(t.key, path), 0);
	cr_assert_eq(itest_count(t.key, "/v1/deliveries?status=pending"), 2);
	cr_assert_eq(itest_count(t.key, "/v1/leads"), 1);
}

Test(leads, bad_leads_write_nothing)
{
	static const struct {
		const char *body, *code, *field;
	} cases[] = {
	    {"{\"phone\":\"4155550123\",\"intent\":\"booking\"}",
	     "invalid_phone_number", "phone"},
	    {"{\"phone\":\"+14155550123\",\"intent\":\"shopping\"}",
	     "invalid_enum", "intent"},
	    {"{\"intent\":\"booking\"}", "missing_field", "phone"},
	    {"{\"phone\":\"+14155550123\",\"intent\":\"booking\","
	     "\"colour\":\"red\"}",
	     "unknown_field", "colour"},
	    {"{\"phone\":\"+14155550123\",\"intent\":\"booking\","
	     "\"email\":\"not-an-email\"}",
	     "invalid_email", "email"},
	    {"{\"phone\":\"+14155550123\",\"intent\":\"booking\","
	     "\"call_id\":\"lead_x\"}",
	     "invalid_value", "call_id"},
	    {"{\"phone\":\"+14155550123\",\"intent\":\"booking\","
	     "\"name\":7}",
	     "invalid_type", "name"},
	};
	struct itest_tenant t;
	struct itest_resp r;
	char ep[64];
	size_t i;

	itest_tenant_new(&t, "Bad Leads Co", "*");
	endpoint(t.key, "[\"*\"]", 1, ep);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		post_lead(t.key, cases[i].body, &r);
		cr_assert_eq(r.status, 422, "%s -> %s", cases[i].body, r.body);
		cr_assert_str_eq(itest_jstr(r.json, "code"), cases[i].code,
				 "%s", r.body);
		cr_assert_str_eq(itest_jstr(r.json, "field"), cases[i].field);
		itest_resp_free(&r);
	}
	post_lead(t.key, "{\"phone\":", &r);
	cr_assert_eq(r.status, 400);
	itest_resp_free(&r);
	cr_assert_eq(itest_count(t.key, "/v1/leads"), 0);
	cr_assert_eq(itest_count(t.key, "/v1/events"), 0);
	cr_assert_eq(itest_count(t.key, "/v1/deliveries"), 0);
}

Test(leads, scopes_and_isolation)
{
	struct itest_tenant a, b;
	struct itest_resp r, rm;
	char lead[64], path[128], ro[64], ro_id[64];

	itest_tenant_new(&a, "Leads A", "ingest,leads:read");
	itest_tenant_new(&b, "Leads B", "*");
	post_lead(a.key, "{\"phone\":\"+14155550123\",\"intent\":\"quote\"}",
		  &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(lead, sizeof(lead), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);

	snprintf(path, sizeof(path), "/v1/leads/%s", lead);
	itest_get(path, b.key, &r);
	itest_get("/v1/leads/lead_00000000000000000000", b.key, &rm);
	cr_assert_eq(r.status, 404);
	cr_assert_str_eq(itest_jstr(r.json, "detail"),
			 itest_jstr(rm.json, "detail"));
	itest_resp_free(&r);
	itest_resp_free(&rm);
	cr_assert_eq(itest_count(b.key, "/v1/leads"), 0);
	cr_assert_eq(itest_count(b.key, "/v1/events"), 0);

	/* Reading leads is not ingesting them. */
	itest_key_new(&a, "leads:read", ro, ro_id);
	post_lead(ro, "{\"phone\":\"+14155550123\",\"intent\":\"quote\"}", &r);
	cr_assert_eq(r.status, 403);
	cr_assert(strstr(itest_jstr(r.json, "detail"), "ingest"));
	itest_resp_free(&r);
	cr_assert_eq(itest_count(ro, "/v1/leads"), 1);
}
