/* Plain http is for the hosts of webhook_allow_hosts only (the scripts
 * list 127.0.0.1 and localhost): any other host must be https, on create
 * and on update alike, and a refused URL is never saved. */
#include "itest.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

TestSuite(url_policy, .init = itest_setup, .timeout = 60);

static void
expect_invalid_url(const struct itest_resp *r)
{
	cr_expect_eq(r->status, 422, "%ld %s", r->status, r->body);
	cr_expect_str_eq(itest_jstr(r->json, "code"), "invalid_url", "%s",
			 r->body);
	cr_expect_str_eq(itest_jstr(r->json, "field"), "url", "%s", r->body);
	cr_expect(strstr(itest_jstr(r->json, "detail"), "https") != NULL, "%s",
		  r->body);
}

Test(url_policy, plain_http_is_refused_for_hosts_not_allowed)
{
	static const char *const refused[] = {
	    "http://example.com/x",
	    "http://example.com:8080/hooks",
	    "HTTP://Example.COM/x",
	};
	struct itest_tenant t;
	struct itest_resp r;
	char body[256], path[128], ep[64];
	size_t i;

	itest_tenant_new(&t, "Plain Http Co", "*");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(body, sizeof(body), "{\"url\":\"%s\"}", refused[i]);
		itest_post(t.key, "/v1/webhook-endpoints", body, &r);
		expect_invalid_url(&r);
		itest_resp_free(&r);
	}
	cr_expect_eq(itest_count(t.key, "/v1/webhook-endpoints"), 0);

	/* The same scheme to an allowed host is taken: the host list, not
	 * the scheme alone, decides. */
	itest_post(t.key, "/v1/webhook-endpoints",
		   "{\"url\":\"http://127.0.0.1:9/hooks\"}", &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(ep, sizeof(ep), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	itest_post(t.key, "/v1/webhook-endpoints",
		   "{\"url\":\"http://localhost:9/hooks\"}", &r);
	cr_expect_eq(r.status, 201, "%s", r.body);
	itest_resp_free(&r);

	/* Moving an endpoint to plain http elsewhere is refused too, and
	 * leaves its URL as it was. */
	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s", ep);
	snprintf(body, sizeof(body), "{\"url\":\"%s\"}", refused[0]);
	itest_http("PATCH", path, t.key, body, strlen(body), NULL, &r);
	expect_invalid_url(&r);
	itest_resp_free(&r);
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect_str_eq(itest_jstr(r.json, "url"), "http://127.0.0.1:9/hooks");
	itest_resp_free(&r);
	cr_expect_eq(itest_count(t.key, "/v1/webhook-endpoints"), 2);
}
