/* Follow-ups: followup.created and followup.completed for a lead. */
#include "itest.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdio.h>
#include <string.h>

static void
setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

TestSuite(followups, .init = setup, .timeout = 60);

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
post(const char *key, const char *path, const char *body, struct itest_resp *r)
{
	itest_http("POST", path, key, body, body ? strlen(body) : 0, NULL, r);
}

static void
new_lead(const char *key, char *id)
{
	struct itest_resp r;

	post(key, "/v1/leads",
	     "{\"phone\":\"+14155550123\",\"intent\":\"quote\"}", &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(id, 64, "%s", jstr(r.json, "id"));
	itest_resp_free(&r);
}

static size_t
count(const char *key, const char *path)
{
	struct itest_resp r;
	size_t n;

	itest_get(path, key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	n = json_array_size(json_object_get(r.json, "data"));
	itest_resp_free(&r);
	return n;
}

Test(followups, create_and_complete)
{
	struct itest_tenant t;
	struct itest_resp r;
	char lead[64], fu[64], body[256], path[160];

	itest_tenant_new(&t, "Followups Co", "*");
	new_lead(t.key, lead);
	snprintf(body, sizeof(body),
		 "{\"lead_id\":\"%s\",\"kind\":\"callback\",\"due_at\":"
		 "\"2026-11-27T16:00:00Z\",\"notes\":\"insurance\"}",
		 lead);
	post(t.key, "/v1/follow-ups", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(fu, sizeof(fu), "%s", jstr(r.json, "id"));
	cr_assert_str_eq(jstr(r.json, "status"), "open");
	cr_assert_str_eq(jstr(r.json, "lead_id"), lead);
	itest_resp_free(&r);
	cr_assert_eq(count(t.key, "/v1/events?type=followup.created"), 1);
	cr_assert_eq(count(t.key, "/v1/follow-ups?status=open"), 1);

	snprintf(path, sizeof(path), "/v1/follow-ups/%s/complete", fu);
	post(t.key, path, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "status"), "completed");
	cr_assert(jstr(r.json, "completed_at"));
	itest_resp_free(&r);
	post(t.key, path, NULL, &r);
	cr_assert_eq(r.status, 409);
	itest_resp_free(&r);
	cr_assert_eq(count(t.key, "/v1/events?type=followup.completed"), 1);
	cr_assert_eq(count(t.key, "/v1/follow-ups?status=completed"), 1);
}

Test(followups, bad_input_and_isolation)
{
	struct itest_tenant a, b;
	struct itest_resp r;
	char lead[64], body[256];

	itest_tenant_new(&a, "Followups A", "*");
	itest_tenant_new(&b, "Followups B", "*");
	new_lead(a.key, lead);
	snprintf(body, sizeof(body),
		 "{\"lead_id\":\"%s\",\"kind\":\"visit\",\"due_at\":"
		 "\"2026-11-27T16:00:00Z\"}",
		 lead);
	post(a.key, "/v1/follow-ups", body, &r);
	cr_assert_eq(r.status, 422);
	cr_assert_str_eq(jstr(r.json, "field"), "kind");
	itest_resp_free(&r);
	snprintf(body, sizeof(body),
		 "{\"lead_id\":\"%s\",\"kind\":\"task\",\"due_at\":\"soon\"}",
		 lead);
	post(a.key, "/v1/follow-ups", body, &r);
	cr_assert_eq(r.status, 422);
	cr_assert_str_eq(jstr(r.json, "field"), "due_at");
	itest_resp_free(&r);
	/* B cannot attach a follow-up to A's lead. */
	snprintf(body, sizeof(body),
		 "{\"lead_id\":\"%s\",\"kind\":\"task\",\"due_at\":"
		 "\"2026-11-27T16:00:00Z\"}",
		 lead);
	post(b.key, "/v1/follow-ups", body, &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(jstr(r.json, "code"), "unknown_lead");
	itest_resp_free(&r);
	post(b.key, "/v1/follow-ups/fu_00000000000000000000/complete", NULL,
	     &r);
	cr_assert_eq(r.status, 404);
	itest_resp_free(&r);
	cr_assert_eq(count(a.key, "/v1/follow-ups"), 0);
	cr_assert_eq(count(b.key, "/v1/follow-ups"), 0);
	cr_assert_eq(count(b.key, "/v1/events"), 0);
}
