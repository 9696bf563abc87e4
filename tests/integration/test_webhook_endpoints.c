/* Webhook endpoints through the API: secrets shown once, URL policy (HTTPS,
 * no internal addresses unless allowed), filters, isolation, audit. */
#include "itest.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(endpoints, .init = itest_setup, .timeout = 60);

static void
create(const char *key, const char *body, char *id_out, char *secret_out)
{
	struct itest_resp r;

	itest_post(key, "/v1/webhook-endpoints", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(id_out, 64, "%s", itest_jstr(r.json, "id"));
	if (secret_out)
		snprintf(secret_out, 80, "%s", itest_jstr(r.json, "secret"));
	itest_resp_free(&r);
}

Test(endpoints, secret_is_shown_once_and_never_again)
{
	struct itest_tenant t;
	struct itest_resp r;
	char id[64], secret[80], path[128];

	itest_tenant_new(&t, "Hooks Co", "*");
	create(t.key,
	       "{\"url\":\"http://127.0.0.1:9/hook\",\"description\":\"CRM\","
	       "\"event_types\":[\"call.*\",\"lead.captured\"]}",
	       id, secret);
	cr_assert(strncmp(id, "ep_", 3) == 0);
	cr_assert(strncmp(secret, "whsec_", 6) == 0);
	cr_assert_eq(strlen(secret), 6 + 44, "32 bytes in base64: %s", secret);

	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s", id);
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_null(json_object_get(r.json, "secret"));
	cr_assert_null(strstr(r.body, secret + 6));
	cr_assert_str_eq(itest_jstr(r.json, "description"), "CRM");
	cr_assert(json_is_true(json_object_get(r.json, "enabled")));
	cr_assert_eq(json_array_size(json_object_get(r.json, "event_types")),
		     2);
	itest_resp_free(&r);

	itest_get("/v1/webhook-endpoints", t.key, &r);
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 1);
	cr_assert_null(strstr(r.body, secret + 6));
	itest_resp_free(&r);

	/* Nor in the audit log. */
	itest_get("/v1/audit-log?limit=100", t.key, &r);
	cr_assert(strstr(r.body, "webhook_endpoint.created"));
	cr_assert_null(strstr(r.body, secret + 6));
	cr_assert_null(strstr(r.body, "sealed"));
	itest_resp_free(&r);
}

Test(endpoints, rotation_gives_a_new_secret_with_a_grace_period)
{
	struct itest_tenant t;
	struct itest_resp r;
	char id[64], secret[80], path[128];

	itest_tenant_new(&t, "Rotate Hooks Co", "*");
	create(t.key, "{\"url\":\"http://localhost:9/hook\"}", id, secret);
	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s/rotate-secret",
		 id);
	itest_post(t.key, path, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strncmp(itest_jstr(r.json, "secret"), "whsec_", 6) == 0);
	cr_assert_str_neq(itest_jstr(r.json, "secret"), secret);
	cr_assert(itest_jstr(r.json, "previous_secret_expires_at"));
	itest_resp_free(&r);
}

Test(endpoints, url_policy_is_enforced)
{
	static const char *const refused[] = {
	    "{\"url\":\"http://example.com/hook\"}",
	    "{\"url\":\"https://10.1.2.3/hook\"}",
	    "{\"url\":\"https://192.168.1.10/hook\"}",
	    "{\"url\":\"https://169.254.169.254/latest/meta-data\"}",
	    "{\"url\":\"https://[::1]/hook\"}",
	    "{\"url\":\"https://[::ffff:127.0.0.2]/hook\"}",
	    "{\"url\":\"https://user:pw@127.0.0.2/hook\"}",
	    "{\"url\":\"ftp://127.0.0.1/hook\"}",
	    "{\"url\":\"https://127.0.0.1:99999/hook\"}",
	    "{\"url\":\"https://no-such-host.invalid/hook\"}",
	};
	struct itest_tenant t;
	struct itest_resp r;
	size_t i;

	itest_tenant_new(&t, "SSRF Co", "*");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		itest_post(t.key, "/v1/webhook-endpoints", refused[i], &r);
		cr_assert_eq(r.status, 422, "%s -> %ld %s", refused[i],
			     r.status, r.body);
		cr_assert_str_eq(itest_jstr(r.json, "code"), "invalid_url",
				 "%s", r.body);
		cr_assert_str_eq(itest_jstr(r.json, "field"), "url");
		itest_resp_free(&r);
	}
	itest_get("/v1/webhook-endpoints", t.key, &r);
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 0,
		     "a refused endpoint was stored: %s", r.body);
	itest_resp_free(&r);
}

Test(endpoints, bad_bodies_name_the_field)
{
	static const struct {
		const char *body, *code, *field;
	} cases[] = {
	    {"{}", "missing_field", "url"},
	    {"{\"url\":\"http://127.0.0.1/\",\"event_types\":[\"call.nope\"]}",
	     "invalid_enum", "event_types[0]"},
	    {"{\"url\":\"http://127.0.0.1/\",\"event_types\":[]}",
	     "invalid_value", "event_types"},
	    {"{\"url\":\"http://127.0.0.1/\",\"enabled\":\"yes\"}",
	     "invalid_type", "enabled"},
	    {"{\"url\":\"http://127.0.0.1/\",\"secret\":\"mine\"}",
	     "unknown_field", "secret"},
	};
	struct itest_tenant t;
	struct itest_resp r;
	size_t i;

	itest_tenant_new(&t, "Bad Hooks Co", "*");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		itest_post(t.key, "/v1/webhook-endpoints", cases[i].body, &r);
		cr_assert_eq(r.status, 422, "%s", r.body);
		cr_assert_str_eq(itest_jstr(r.json, "code"), cases[i].code,
				 "%s", r.body);
		cr_assert_str_eq(itest_jstr(r.json, "field"), cases[i].field,
				 "%s", r.body);
		itest_resp_free(&r);
	}
}

Test(endpoints, update_disable_and_delete)
{
	struct itest_tenant t;
	struct itest_resp r;
	char id[64], path[128];
	const char *off = "{\"enabled\":false,\"event_types\":[\"*\"]}";

	itest_tenant_new(&t, "Update Hooks Co", "*");
	create(t.key, "{\"url\":\"http://127.0.0.1:9/a\"}", id, NULL);
	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s", id);
	itest_http("PATCH", path, t.key, off, strlen(off), NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_is_false(json_object_get(r.json, "enabled")));
	cr_assert_str_eq(itest_jstr(r.json, "url"), "http://127.0.0.1:9/a");
	itest_resp_free(&r);
	itest_http("PATCH", path, t.key, "{\"url\":\"https://10.0.0.1/\"}", 27,
		   NULL, &r);
	cr_assert_eq(r.status, 422);
	itest_resp_free(&r);
	itest_http("DELETE", path, t.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 204, "%s", r.body);
	itest_resp_free(&r);
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 404);
	itest_resp_free(&r);
	itest_http("DELETE", path, t.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 404);
	itest_resp_free(&r);
}

Test(endpoints, scopes_and_tenants)
{
	struct itest_tenant a, b;
	struct itest_resp rb, rm;
	char id[64], path[128], missing[256], ro_key[64], ro_id[64];

	itest_tenant_new(&a, "Hooks A", "*");
	itest_tenant_new(&b, "Hooks B", "*");
	create(b.key, "{\"url\":\"http://127.0.0.1:9/b\"}", id, NULL);
	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s", id);
	snprintf(missing, sizeof(missing),
		 "/v1/webhook-endpoints/ep_00000000000000000000");

	/* A sees B's endpoint exactly as one that does not exist. */
	itest_get(path, a.key, &rb);
	itest_get(missing, a.key, &rm);
	cr_assert_eq(rb.status, 404);
	cr_assert_str_eq(itest_jstr(rb.json, "detail"),
			 itest_jstr(rm.json, "detail"));
	itest_resp_free(&rb);
	itest_resp_free(&rm);
	itest_http("DELETE", path, a.key, NULL, 0, NULL, &rb);
	cr_assert_eq(rb.status, 404);
	itest_resp_free(&rb);
	snprintf(missing, sizeof(missing), "%s/rotate-secret", path);
	itest_post(a.key, missing, NULL, &rb);
	cr_assert_eq(rb.status, 404);
	itest_resp_free(&rb);
	itest_get("/v1/webhook-endpoints", a.key, &rb);
	cr_assert_null(strstr(rb.body, id));
	itest_resp_free(&rb);
	/* B's endpoint survived A's attempts. */
	itest_get(path, b.key, &rb);
	cr_assert_eq(rb.status, 200);
	itest_resp_free(&rb);

	/* Read scopes may list but not create. */
	itest_key_new(&a, NULL, ro_key, ro_id);
	itest_post(ro_key, "/v1/webhook-endpoints",
		   "{\"url\":\"http://127.0.0.1/\"}", &rb);
	cr_assert_eq(rb.status, 403);
	cr_assert(strstr(itest_jstr(rb.json, "detail"), "webhooks:write"));
	itest_resp_free(&rb);
	itest_get("/v1/webhook-endpoints", ro_key, &rb);
	cr_assert_eq(rb.status, 200);
	itest_resp_free(&rb);
}
