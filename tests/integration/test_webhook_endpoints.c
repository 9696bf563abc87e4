/* Webhook endpoints through the API: secrets shown once, URL policy (HTTPS,
 * no internal addresses unless allowed), filters, isolation, audit. */
#include "itest.h"
#include "kc_crypto.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* What each of A's requests on B's endpoint was told, beside what the same
 * request on an id that never existed was told. */
static void
like_missing(const char *key, const char *method, const char *id,
	     const char *missing, const char *tail, const char *body)
{
	struct itest_resp rt, rm;
	char path[160];

	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s%s", id, tail);
	itest_http(method, path, key, body, body ? strlen(body) : 0, NULL, &rt);
	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s%s", missing,
		 tail);
	itest_http(method, path, key, body, body ? strlen(body) : 0, NULL, &rm);
	cr_assert_eq(rm.status, 404, "%s %s: %s", method, path, rm.body);
	itest_assert_like_missing(&rt, &rm);
	itest_resp_free(&rt);
	itest_resp_free(&rm);
}

/* B's signing secret is still the one it was given, and only it: a
 * signature made now has one entry, and it verifies with that secret. */
static void
assert_secret_unchanged(const struct itest_tenant *b, const char *id,
			const char *secret)
{
	struct itest_resp r;
	char path[160], evt[64];
	const char *args[] = {"sign", "--business", b->biz, "--endpoint",
			      id,     "--event",    evt,    NULL};
	const json_t *h;
	const char *body;
	json_t *v;
	int st;

	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s/test", id);
	itest_post(b->key, path, NULL, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(evt, sizeof(evt), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	v = itest_kcctl(&st, args);
	cr_assert(st == 0 && v, "kcctl sign failed (%d)", st);
	h = json_object_get(v, "headers");
	body = itest_jstr(v, "body");
	cr_assert_null(strchr(itest_jstr(h, "webhook-signature"), ' '),
		       "a second secret appeared: %s",
		       itest_jstr(h, "webhook-signature"));
	cr_assert_eq(kc_webhook_verify(secret, itest_jstr(h, "webhook-id"),
				       itest_jstr(h, "webhook-timestamp"), body,
				       strlen(body),
				       itest_jstr(h, "webhook-signature"),
				       (long long)time(NULL), 300),
		     0, "B's endpoint no longer signs with B's secret");
	json_decref(v);
}

Test(endpoints, scopes_and_tenants)
{
	struct itest_tenant a, b;
	struct itest_resp rb, before, after;
	char id[64], secret[80], missing[64], path[128], ro_key[64], ro_id[64];
	size_t b_audit, b_events;

	itest_tenant_new(&a, "Hooks A", "*");
	itest_tenant_new(&b, "Hooks B", "*");
	create(b.key, "{\"url\":\"http://127.0.0.1:9/b\"}", id, secret);
	itest_missing_id(id, missing, sizeof(missing));
	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s", id);
	itest_get(path, b.key, &before);
	cr_assert_eq(before.status, 200, "%s", before.body);
	b_audit = itest_count(b.key, "/v1/audit-log?limit=100");
	b_events = itest_count(b.key, "/v1/events");

	/* A reads, changes, tests, rotates and deletes B's endpoint: each is
	 * answered exactly as for an endpoint that does not exist. The
	 * change is a valid one, so only the lookup can refuse it. */
	like_missing(a.key, "GET", id, missing, "", NULL);
	like_missing(a.key, "PATCH", id, missing, "",
		     "{\"url\":\"http://127.0.0.1:9/stolen\","
		     "\"enabled\":false,\"event_types\":[\"lead.captured\"]}");
	like_missing(a.key, "POST", id, missing, "/test", NULL);
	like_missing(a.key, "POST", id, missing, "/rotate-secret", NULL);
	like_missing(a.key, "POST", id, missing, "/replay", "{}");
	like_missing(a.key, "DELETE", id, missing, "", NULL);
	itest_get("/v1/webhook-endpoints", a.key, &rb);
	cr_assert_null(strstr(rb.body, id));
	itest_resp_free(&rb);

	/* B's endpoint is exactly as it was: its URL, its state, its
	 * secret; B's audit log and event log have nothing new. */
	itest_get(path, b.key, &after);
	cr_assert_eq(after.status, 200, "%s", after.body);
	cr_assert_str_eq(itest_jstr(after.json, "url"), "http://127.0.0.1:9/b");
	cr_assert(json_is_true(json_object_get(after.json, "enabled")));
	cr_assert(json_equal(before.json, after.json), "before: %s\nafter: %s",
		  before.body, after.body);
	itest_resp_free(&before);
	itest_resp_free(&after);
	cr_assert_eq(itest_count(b.key, "/v1/audit-log?limit=100"), b_audit);
	cr_assert_eq(itest_count(b.key, "/v1/events"), b_events);
	cr_assert_eq(itest_count(a.key, "/v1/events"), 0);
	assert_secret_unchanged(&b, id, secret);

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
