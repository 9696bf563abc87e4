/* Follow-ups: followup.created and followup.completed for a lead. */
#include "itest.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdio.h>
#include <string.h>

TestSuite(followups, .init = itest_setup, .timeout = 60);

static void
new_lead(const char *key, char *id)
{
	struct itest_resp r;

	itest_post(key, "/v1/leads",
		   "{\"phone\":\"+14155550123\",\"intent\":\"quote\"}", &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(id, 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
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
	itest_post(t.key, "/v1/follow-ups", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(fu, sizeof(fu), "%s", itest_jstr(r.json, "id"));
	cr_assert_str_eq(itest_jstr(r.json, "status"), "open");
	cr_assert_str_eq(itest_jstr(r.json, "lead_id"), lead);
	itest_resp_free(&r);
	cr_assert_eq(itest_count(t.key, "/v1/events?type=followup.created"), 1);
	cr_assert_eq(itest_count(t.key, "/v1/follow-ups?status=open"), 1);

	snprintf(path, sizeof(path), "/v1/follow-ups/%s/complete", fu);
	itest_post(t.key, path, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "completed");
	cr_assert(itest_jstr(r.json, "completed_at"));
	itest_resp_free(&r);
	itest_post(t.key, path, NULL, &r);
	cr_assert_eq(r.status, 409);
	itest_resp_free(&r);
	cr_assert_eq(itest_count(t.key, "/v1/events?type=followup.completed"),
		     1);
	cr_assert_eq(itest_count(t.key, "/v1/follow-ups?status=completed"), 1);
}

Test(followups, bad_input_and_isolation)
{
	struct itest_tenant a, b;
	struct itest_resp r, rm, before, after;
	char lead[64], body[256], fu[64], missing[64], path[160];
	const json_t *d;
	size_t a_events;

	itest_tenant_new(&a, "Followups A", "*");
	itest_tenant_new(&b, "Followups B", "*");
	new_lead(a.key, lead);
	snprintf(body, sizeof(body),
		 "{\"lead_id\":\"%s\",\"kind\":\"visit\",\"due_at\":"
		 "\"2026-11-27T16:00:00Z\"}",
		 lead);
	itest_post(a.key, "/v1/follow-ups", body, &r);
	cr_assert_eq(r.status, 422);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "kind");
	itest_resp_free(&r);
	snprintf(body, sizeof(body),
		 "{\"lead_id\":\"%s\",\"kind\":\"task\",\"due_at\":\"soon\"}",
		 lead);
	itest_post(a.key, "/v1/follow-ups", body, &r);
	cr_assert_eq(r.status, 422);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "due_at");
	itest_resp_free(&r);
	/* B cannot attach a follow-up to A's lead. */
	snprintf(body, sizeof(body),
		 "{\"lead_id\":\"%s\",\"kind\":\"task\",\"due_at\":"
		 "\"2026-11-27T16:00:00Z\"}",
		 lead);
	itest_post(b.key, "/v1/follow-ups", body, &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "unknown_lead");
	itest_missing_id(lead, missing, sizeof(missing));
	snprintf(body, sizeof(body),
		 "{\"lead_id\":\"%s\",\"kind\":\"task\",\"due_at\":"
		 "\"2026-11-27T16:00:00Z\"}",
		 missing);
	itest_post(b.key, "/v1/follow-ups", body, &rm);
	itest_assert_like_missing(&r, &rm);
	itest_resp_free(&r);
	itest_resp_free(&rm);
	cr_assert_eq(itest_count(a.key, "/v1/follow-ups"), 0);

	/* B completing A's real follow-up is told exactly what an id that
	 * never existed gets, and A's follow-up stays as it was. */
	snprintf(body, sizeof(body),
		 "{\"lead_id\":\"%s\",\"kind\":\"task\",\"due_at\":"
		 "\"2026-11-27T16:00:00Z\"}",
		 lead);
	itest_post(a.key, "/v1/follow-ups", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(fu, sizeof(fu), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	itest_get("/v1/follow-ups", a.key, &before);
	cr_assert_eq(before.status, 200);
	a_events = itest_count(a.key, "/v1/events");
	itest_missing_id(fu, missing, sizeof(missing));
	snprintf(path, sizeof(path), "/v1/follow-ups/%s/complete", fu);
	itest_post(b.key, path, NULL, &r);
	snprintf(path, sizeof(path), "/v1/follow-ups/%s/complete", missing);
	itest_post(b.key, path, NULL, &rm);
	cr_assert_eq(rm.status, 404, "%s", rm.body);
	itest_assert_like_missing(&r, &rm);
	itest_resp_free(&r);
	itest_resp_free(&rm);

	itest_get("/v1/follow-ups", a.key, &after);
	cr_assert_eq(after.status, 200);
	d = json_array_get(json_object_get(after.json, "data"), 0);
	cr_assert_str_eq(itest_jstr(d, "id"), fu);
	cr_assert_str_eq(itest_jstr(d, "status"), "open");
	cr_assert(json_is_null(json_object_get(d, "completed_at")));
	cr_assert(json_equal(json_object_get(before.json, "data"),
			     json_object_get(after.json, "data")),
		  "before: %s\nafter: %s", before.body, after.body);
	itest_resp_free(&before);
	itest_resp_free(&after);
	cr_assert_eq(itest_count(a.key, "/v1/events"), a_events);
	cr_assert_eq(itest_count(a.key, "/v1/events?type=followup.completed"),
		     0);
	cr_assert_eq(itest_count(b.key, "/v1/follow-ups"), 0);
	cr_assert_eq(itest_count(b.key, "/v1/events"), 0);

	/* A itself still can complete it. */
	snprintf(path, sizeof(path), "/v1/follow-ups/%s/complete", fu);
	itest_post(a.key, path, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_resp_free(&r);
}
