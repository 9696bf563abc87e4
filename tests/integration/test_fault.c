/* A fault injected into the database with a trigger on a shared table:
 * in test_jobs, which runs one test at a time, since creating and dropping
 * a trigger on deliveries disturbs the statements other tests run on that
 * table meanwhile (one of them got a 500 when test_api ran this beside
 * it). */
#include "itest.h"

#include <criterion/criterion.h>

#include <string.h>

/* An enabled endpoint for every event type; its id in id. */
static void
endpoint_on(const char *key, char *id)
{
	struct itest_resp r;
	static const char body[] =
	    "{\"url\":\"http://127.0.0.1:9/h\",\"event_types\":[\"*\"]}";

	itest_http("POST", "/v1/webhook-endpoints", key, body, sizeof(body) - 1,
		   NULL, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(id, 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
}

/* A failure in the middle of the fan-out (the second delivery insert is
 * refused by the database: a trigger makes it violate NOT NULL) leaves no lead,
 * no event and no delivery. */
Test(fault, failed_fan_out_writes_nothing)
{
	struct itest_tenant t;
	struct itest_resp r;
	char ok_ep[64], bad_ep[64], body[256];

	itest_tenant_new(&t, "Fault Co", "*");
	endpoint_on(t.key, ok_ep);
	snprintf(body, sizeof(body),
		 "{\"url\":\"http://127.0.0.1:9/fail-fanout-%s\"}", t.biz);
	itest_http("POST", "/v1/webhook-endpoints", t.key, body, strlen(body),
		   NULL, &r);
	cr_assert_eq(r.status, 201);
	snprintf(bad_ep, sizeof(bad_ep), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	cr_assert_eq(itest_admin_sql(
			 "CREATE OR REPLACE TRIGGER itest_fail_fanout BEFORE "
			 "INSERT ON deliveries FOR EACH ROW SET NEW.status = "
			 "IF((SELECT url FROM webhook_endpoints WHERE id = "
			 "NEW.endpoint_id) LIKE '%fail-fanout%', NULL, "
			 "NEW.status)"),
		     0);
	itest_post(t.key, "/v1/leads",
		   "{\"phone\":\"+14155550123\",\"intent\":\"booking\"}", &r);
	itest_admin_sql("DROP TRIGGER IF EXISTS itest_fail_fanout");
	cr_assert_eq(r.status, 500, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "internal");
	itest_resp_free(&r);
	cr_assert_eq(itest_count(t.key, "/v1/leads"), 0);
	cr_assert_eq(itest_count(t.key, "/v1/events"), 0);
	cr_assert_eq(itest_count(t.key, "/v1/deliveries"), 0);

	/* Without the fault the same request goes through whole. */
	itest_post(t.key, "/v1/leads",
		   "{\"phone\":\"+14155550123\",\"intent\":\"booking\"}", &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	itest_resp_free(&r);
	cr_assert_eq(itest_count(t.key, "/v1/leads"), 1);
	cr_assert_eq(itest_count(t.key, "/v1/deliveries"), 2);
	(void)bad_ep;
}
