/* The API against the real stack: lighttpd, the FastCGI program, MariaDB.
 * Each test makes its own businesses and keys through kcctl. */
#include "itest.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

TestSuite(api, .init = itest_setup, .timeout = 60);

static void
assert_problem(const struct itest_resp *r, long status, const char *code)
{
	char *ct = itest_header(r, "content-type");

	cr_assert_eq(r->status, status, "want %ld, got %ld: %s", status,
		     r->status, r->body);
	cr_assert(ct && strcasecmp(ct, "application/problem+json") == 0,
		  "content-type %s", ct ? ct : "(none)");
	free(ct);
	cr_assert(r->json, "problem body is not JSON: %s", r->body);
	cr_assert_eq(json_integer_value(json_object_get(r->json, "status")),
		     status);
	cr_assert_str_eq(itest_jstr(r->json, "code"), code, "body: %s",
			 r->body);
	cr_assert(itest_jstr(r->json, "type") && itest_jstr(r->json, "title") &&
		  itest_jstr(r->json, "detail"));
}

/* Revocation and expiry reach every FastCGI process within the auth cache
 * time (auth_cache_ms, 1000 ms here as by default; the README promises
 * "within a second"). t0 is taken before kcctl starts: every process that
 * trusts the key verified it before then, so each must refuse it by
 * t0 + 1000 ms, however long kcctl itself takes.
 *
 * Polls back to back until t0 + 1.5 s. The slack: an answer says how
 * things stood when the server checked the key, somewhere within that
 * poll. The last accepting check came after the previous poll started, so
 * the first poll that can see the change starts at most one poll step (the
 * time from the previous poll's start to its own, measured: about 1 ms on
 * loopback) after the change. Hence elapsed <= 1000 ms + step, timed in
 * microseconds, since the first 401 often comes within a ms of the edge. */
static void
assert_401_within_a_second(const char *key, const char *code, long long t0)
{
	struct itest_resp r;
	long long start = 0, prev = 0, step = 0, now = 0;
	int n;

	for (n = 1;; n++) {
		start = itest_mono_us();
		cr_assert(start < t0 + 1500000,
			  "the key still works %lld ms after it was ended",
			  (start - t0) / 1000);
		itest_get("/v1/business", key, &r);
		if (r.status == 401)
			break;
		cr_assert_eq(r.status, 200, "%s", r.body);
		itest_resp_free(&r);
		prev = start;
	}
	assert_problem(&r, 401, code);
	itest_resp_free(&r);
	step = n > 1 ? start - prev : 0;
	fprintf(stderr,
		"%s: first 401 %.1f ms after the change, poll step %.1f ms, "
		"%d polls\n",
		code, (double)(start - t0) / 1000, (double)step / 1000, n);
	/* n == 1: refused at the first look, made as soon as kcctl was done. */
	cr_assert(n == 1 || start - t0 <= 1000000 + step,
		  "first 401 %lld us after the change (poll step %lld us)",
		  start - t0, step);

	/* And it stays refused: once past the cache time no process may
	 * still accept it (before then, another process that verified it
	 * may, until its own cache time ends). */
	for (n = 0; n < 5 || now <= t0 + 1000000 + step; n++) {
		now = itest_mono_us();
		itest_get("/v1/business", key, &r);
		if (now > t0 + 1000000 + step)
			cr_assert_eq(r.status, 401,
				     "accepted again %lld ms after the change",
				     (now - t0) / 1000);
		else
			cr_assert(r.status == 401 || r.status == 200, "%ld",
				  r.status);
		itest_resp_free(&r);
	}
}

static void
patch_routing(const char *key, const char *body, struct itest_resp *r)
{
	itest_http("PATCH", "/v1/agent/routing", key, body, strlen(body), NULL,
		   r);
}

static size_t
audit_count(const char *key)
{
	struct itest_resp r;
	size_t n;

	itest_get("/v1/audit-log?limit=100", key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	n = json_array_size(json_object_get(r.json, "data"));
	itest_resp_free(&r);
	return n;
}

static void
add_number(const char *biz, char *id_out)
{
	char num[32];
	const char *args[] = {"number", "add", "--business", biz, num, NULL};
	json_t *v;
	int st;

	itest_random_number(num, sizeof(num));
	v = itest_kcctl(&st, args);
	cr_assert(st == 0 && v, "number add failed");
	if (id_out)
		snprintf(id_out, 64, "%s", itest_jstr(v, "id"));
	json_decref(v);
}

Test(api, health_needs_no_key)
{
	struct itest_resp r;
	char *h;

	itest_get("/healthz", NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "database"), "ok");
	h = itest_header(&r, "x-content-type-options");
	cr_assert(h && strcasecmp(h, "nosniff") == 0);
	free(h);
	itest_resp_free(&r);
	itest_get("/livez", NULL, &r);
	cr_assert_eq(r.status, 200);
	itest_resp_free(&r);
}

Test(api, missing_malformed_unknown_keys_are_401)
{
	struct itest_resp r;
	char *h;
	const char *bad[] = {"Authorization: Basic Zm9vOmJhcg==", NULL};

	itest_get("/v1/agent", NULL, &r);
	assert_problem(&r, 401, "missing_api_key");
	h = itest_header(&r, "www-authenticate");
	cr_assert(h && strncasecmp(h, "Bearer", 6) == 0, "www-authenticate: %s",
		  h ? h : "(none)");
	free(h);
	itest_resp_free(&r);

	itest_get("/v1/agent", "kc_live_short", &r);
	assert_problem(&r, 401, "invalid_api_key");
	h = itest_header(&r, "www-authenticate");
	cr_assert(h && strstr(h, "invalid_token"));
	free(h);
	itest_resp_free(&r);

	/* Well formed, but never issued. */
	itest_get("/v1/agent", "kc_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r);
	assert_problem(&r, 401, "invalid_api_key");
	itest_resp_free(&r);

	itest_http("GET", "/v1/agent", NULL, NULL, 0, bad, &r);
	assert_problem(&r, 401, "invalid_api_key");
	itest_resp_free(&r);
}

Test(api, revoked_key_is_401)
{
	struct itest_tenant t;
	struct itest_resp r;
	const char *args[] = {"key", "revoke", t.key_id, NULL};
	json_t *v;
	long long t0;
	int st;

	itest_tenant_new(&t, "Revoke Co", NULL);
	/* Polled back to back below, faster than a key may read. */
	itest_key_unlimited(t.key_id);
	itest_get("/v1/business", t.key, &r);
	cr_assert_eq(r.status, 200);
	itest_resp_free(&r);
	args[2] = t.key_id;
	t0 = itest_mono_us();
	v = itest_kcctl(&st, args);
	cr_assert_eq(st, 0);
	cr_assert(json_is_string(json_object_get(v, "revoked_at")));
	json_decref(v);
	assert_401_within_a_second(t.key, "api_key_revoked", t0);
	/* Revoking twice is an error, not a silent success. */
	v = itest_kcctl(&st, args);
	cr_assert_eq(st, 1);
	json_decref(v);
}

Test(api, rotation_keeps_old_key_for_the_grace_period)
{
	struct itest_tenant t;
	struct itest_resp r;
	char old_key[64], old_id[64], mid_key[64];
	const char *rot24[] = {"key", "rotate", old_id, "--grace", "24h", NULL};
	const char *rot0[] = {"key", "rotate", NULL, "--grace", "0", NULL};
	json_t *v;
	long long t0;
	int st;

	itest_tenant_new(&t, "Rotate Co", "*");
	/* Polled back to back below, faster than a key may read; a key
	 * rotated from it inherits this. */
	itest_key_unlimited(t.key_id);
	snprintf(old_key, sizeof(old_key), "%s", t.key);
	snprintf(old_id, sizeof(old_id), "%s", t.key_id);
	v = itest_kcctl(&st, rot24);
	cr_assert(st == 0 && v);
	cr_assert(strncmp(itest_jstr(v, "key"), "kc_live_", 8) == 0);
	cr_assert_str_eq(itest_jstr(v, "rotated_from"), old_id);
	snprintf(mid_key, sizeof(mid_key), "%s", itest_jstr(v, "key"));
	rot0[2] = itest_jstr(v, "id");
	itest_get("/v1/business", old_key, &r);
	cr_assert_eq(r.status, 200, "old key during grace: %s", r.body);
	itest_resp_free(&r);
	itest_get("/v1/business", mid_key, &r);
	cr_assert_eq(r.status, 200);
	itest_resp_free(&r);
	/* Rotating the new key with no grace ends it at once. */
	t0 = itest_mono_us();
	json_t *v2 = itest_kcctl(&st, rot0);
	cr_assert(st == 0 && v2);
	assert_401_within_a_second(mid_key, "api_key_expired", t0);
	itest_get("/v1/business", itest_jstr(v2, "key"), &r);
	cr_assert_eq(r.status, 200);
	itest_resp_free(&r);
	json_decref(v2);
	json_decref(v);
}

Test(api, scopes_are_enforced_and_named)
{
	struct itest_tenant t;
	struct itest_resp r;
	char nkey[64], nid[64];

	/* Default scopes: reads only. */
	itest_tenant_new(&t, "Scope Co", NULL);
	itest_get("/v1/agent", t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_resp_free(&r);
	patch_routing(t.key, "{\"mode\":\"voicemail_only\"}", &r);
	assert_problem(&r, 403, "missing_scope");
	cr_assert(strstr(itest_jstr(r.json, "detail"), "agents:write"));
	itest_resp_free(&r);

	itest_key_new(&t, "numbers:read", nkey, nid);
	itest_get("/v1/agent", nkey, &r);
	assert_problem(&r, 403, "missing_scope");
	cr_assert(strstr(itest_jstr(r.json, "detail"), "agents:read"));
	itest_resp_free(&r);
	itest_get("/v1/audit-log", nkey, &r);
	assert_problem(&r, 403, "missing_scope");
	itest_resp_free(&r);
	itest_get("/v1/phone-numbers", nkey, &r);
	cr_assert_eq(r.status, 200);
	itest_resp_free(&r);
}

Test(api, agent_shows_profile_numbers_and_routing)
{
	struct itest_tenant t;
	struct itest_resp r;
	const json_t *nums, *routing;

	itest_tenant_new(&t, "Agent Co", "*");
	add_number(t.biz, NULL);
	add_number(t.biz, NULL);
	itest_get("/v1/agent", t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strncmp(itest_jstr(r.json, "id"), "agt_", 4) == 0);
	cr_assert(itest_jstr(r.json, "prompt") && itest_jstr(r.json, "voice") &&
		  itest_jstr(r.json, "greeting") &&
		  itest_jstr(r.json, "language"));
	nums = json_object_get(r.json, "phone_numbers");
	cr_assert_eq(json_array_size(nums), 2);
	routing = json_object_get(r.json, "routing");
	cr_assert_str_eq(itest_jstr(routing, "mode"), "ai_only");
	cr_assert_str_eq(itest_jstr(routing, "fallback_agent_id"),
			 itest_jstr(r.json, "id"));
	itest_resp_free(&r);

	itest_get("/v1/business", t.key, &r);
	cr_assert_str_eq(itest_jstr(r.json, "id"), t.biz);
	itest_resp_free(&r);
}

Test(api, routing_patch_is_validated_audited_and_visible)
{
	struct itest_tenant t;
	struct itest_resp r;
	const json_t *entry;
	size_t before;

	itest_tenant_new(&t, "Routing Co", "*");
	before = audit_count(t.key);
	patch_routing(
	    t.key,
	    "{\"mode\":\"time_based\",\"ring_first\":{\"owner_number\":"
	    "\"+14155550199\",\"ring_seconds\":25},\"time_based\":{"
	    "\"rules\":[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\","
	    "\"fri\"],\"start\":\"09:00\",\"end\":\"17:00\",\"mode\":"
	    "\"ring_first\"}],\"default_mode\":\"voicemail_only\"}}",
	    &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "mode"), "time_based");
	itest_resp_free(&r);

	itest_get("/v1/agent", t.key, &r);
	cr_assert_str_eq(itest_jstr(json_object_get(r.json, "routing"), "mode"),
			 "time_based");
	itest_resp_free(&r);

	cr_assert_eq(audit_count(t.key), before + 1);
	itest_get("/v1/audit-log?limit=1", t.key, &r);
	entry = json_array_get(json_object_get(r.json, "data"), 0);
	cr_assert_str_eq(itest_jstr(entry, "action"), "agent.routing.updated");
	cr_assert_str_eq(itest_jstr(json_object_get(entry, "actor"), "type"),
			 "api_key");
	cr_assert_str_eq(itest_jstr(json_object_get(entry, "actor"), "id"),
			 t.key_id);
	cr_assert_str_eq(itest_jstr(json_object_get(entry, "before"), "mode"),
			 "ai_only");
	cr_assert_str_eq(itest_jstr(json_object_get(entry, "after"), "mode"),
			 "time_based");
	cr_assert(strncmp(itest_jstr(entry, "request_id"), "req_", 4) == 0);
	itest_resp_free(&r);

	/* Merge patch: null removes a member; the result must stay valid. */
	patch_routing(t.key, "{\"time_based\":null}", &r);
	assert_problem(&r, 422, "missing_field");
	cr_assert_str_eq(itest_jstr(r.json, "field"), "time_based");
	itest_resp_free(&r);
	patch_routing(t.key, "{\"mode\":\"ai_only\",\"time_based\":null}", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_null(json_object_get(r.json, "time_based"));
	itest_resp_free(&r);
}

Test(api, bad_routing_writes_nothing)
{
	static const struct {
		const char *body;
		long status;
		const char *code, *field;
	} cases[] = {
	    {"{\"mode\":\"ring_first\"}", 422, "missing_field", "ring_first"},
	    {"{\"mode\":\"sometimes\"}", 422, "invalid_enum", "mode"},
	    {"{\"mode\":7}", 422, "invalid_type", "mode"},
	    {"{\"colour\":\"blue\"}", 422, "unknown_field", "colour"},
	    {"{\"ring_first\":{\"owner_number\":\"555-1234\","
	     "\"ring_seconds\":20}}",
	     422, "invalid_phone_number", "ring_first.owner_number"},
	    {"{\"ring_first\":{\"owner_number\":\"+14155550100\","
	     "\"ring_seconds\":\"20\"}}",
	     422, "invalid_type", "ring_first.ring_seconds"},
	    {"{\"fallback_agent_id\":\"agt_doesnotexist0000000\"}", 422,
	     "unknown_agent", "fallback_agent_id"},
	    {"{\"mode\":", 400, "invalid_json", NULL},
	    {"[1,2]", 400, "invalid_json", NULL},
	    {"", 400, "invalid_json", NULL},
	};
	struct itest_tenant t;
	struct itest_resp r, agent_before, agent_after;
	size_t i, before;

	itest_tenant_new(&t, "Bad Input Co", "*");
	before = audit_count(t.key);
	itest_get("/v1/agent", t.key, &agent_before);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		patch_routing(t.key, cases[i].body, &r);
		assert_problem(&r, cases[i].status, cases[i].code);
		if (cases[i].field)
			cr_assert_str_eq(itest_jstr(r.json, "field"),
					 cases[i].field, "case %zu: %s", i,
					 r.body);
		if (cases[i].status == 400 && *cases[i].body == '{')
			cr_assert(strstr(itest_jstr(r.json, "detail"), "line"),
				  "syntax errors say where: %s", r.body);
		itest_resp_free(&r);
	}
	itest_get("/v1/agent", t.key, &agent_after);
	cr_assert(json_equal(json_object_get(agent_before.json, "routing"),
			     json_object_get(agent_after.json, "routing")));
	cr_assert_str_eq(itest_jstr(agent_before.json, "updated_at"),
			 itest_jstr(agent_after.json, "updated_at"));
	itest_resp_free(&agent_before);
	itest_resp_free(&agent_after);
	cr_assert_eq(audit_count(t.key), before, "a failed request wrote");
}

Test(api, oversize_body_is_413)
{
	struct itest_tenant t;
	struct itest_resp r;
	size_t n = 1024 * 1024 + 10;
	char *big = malloc(n);

	cr_assert(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	itest_tenant_new(&t, "Big Co", "*");
	itest_http("PATCH", "/v1/agent/routing", t.key, big, n, NULL, &r);
	assert_problem(&r, 413, "body_too_large");
	itest_resp_free(&r);
	free(big);
}

Test(api, unknown_path_404_wrong_method_405)
{
	struct itest_tenant t;
	struct itest_resp r;
	char *allow;

	itest_tenant_new(&t, "Routes Co", NULL);
	itest_get("/v1/nothing-here", t.key, &r);
	assert_problem(&r, 404, "not_found");
	itest_resp_free(&r);
	itest_get("/v1/agent/", t.key, &r);
	assert_problem(&r, 404, "not_found");
	itest_resp_free(&r);
	itest_http("DELETE", "/v1/agent", t.key, NULL, 0, NULL, &r);
	assert_problem(&r, 405, "method_not_allowed");
	allow = itest_header(&r, "allow");
	cr_assert(allow && strcasecmp(allow, "GET") == 0, "allow: %s",
		  allow ? allow : "(none)");
	free(allow);
	itest_resp_free(&r);
	itest_get("/v1/agent/routing", t.key, &r);
	assert_problem(&r, 405, "method_not_allowed");
	allow = itest_header(&r, "allow");
	cr_assert(allow && strcasecmp(allow, "PATCH") == 0);
	free(allow);
	itest_resp_free(&r);
	itest_get("/v1/phone-numbers?limit=0", t.key, &r);
	assert_problem(&r, 400, "invalid_query");
	itest_resp_free(&r);
	itest_get("/v1/phone-numbers?sort=desc", t.key, &r);
	assert_problem(&r, 400, "unknown_query_parameter");
	itest_resp_free(&r);
}

Test(api, pagination_walks_every_item_once)
{
	struct itest_tenant t;
	struct itest_resp r;
	char ids[5][64], path[256], cursor[64] = "";
	size_t seen = 0, i, pages = 0;
	int more = 1;

	itest_tenant_new(&t, "Pages Co", NULL);
	for (i = 0; i < 5; i++)
		add_number(t.biz, ids[i]);
	while (more) {
		snprintf(path, sizeof(path), "/v1/phone-numbers?limit=2%s%s",
			 cursor[0] ? "&starting_after=" : "", cursor);
		itest_get(path, t.key, &r);
		cr_assert_eq(r.status, 200, "%s", r.body);
		const json_t *data = json_object_get(r.json, "data");
		for (i = 0; i < json_array_size(data); i++, seen++)
			cr_assert_str_eq(
			    itest_jstr(json_array_get(data, i), "id"),
			    ids[seen]);
		more = json_is_true(json_object_get(r.json, "has_more"));
		if (more)
			snprintf(cursor, sizeof(cursor), "%s",
				 itest_jstr(r.json, "next_cursor"));
		else
			cr_assert(json_is_null(
			    json_object_get(r.json, "next_cursor")));
		itest_resp_free(&r);
		pages++;
	}
	cr_assert_eq(seen, 5);
	cr_assert_eq(pages, 3);
}

/* Business A's key must never see, change or learn of business B's
 * objects; B's ids answer exactly as ids that do not exist. */
Test(api, tenants_are_isolated)
{
	struct itest_tenant a, b;
	struct itest_resp ra, rb, rm;
	char a_num[64], b_num[64], path[256], b_agent[64], body[256];
	const char *b_audit;
	const json_t *d;
	size_t i;

	itest_tenant_new(&a, "Tenant A", "*");
	itest_tenant_new(&b, "Tenant B", "*");
	add_number(a.biz, a_num);
	add_number(b.biz, b_num);

	itest_get("/v1/business", a.key, &ra);
	cr_assert_str_eq(itest_jstr(ra.json, "id"), a.biz);
	cr_assert_null(strstr(ra.body, b.biz));
	itest_resp_free(&ra);

	itest_get("/v1/phone-numbers", a.key, &ra);
	d = json_object_get(ra.json, "data");
	cr_assert_eq(json_array_size(d), 1);
	cr_assert_str_eq(itest_jstr(json_array_get(d, 0), "id"), a_num);
	cr_assert_null(strstr(ra.body, b_num));
	itest_resp_free(&ra);

	/* A foreign cursor answers like a missing one. */
	snprintf(path, sizeof(path), "/v1/phone-numbers?starting_after=%s",
		 b_num);
	itest_get(path, a.key, &rb);
	itest_get("/v1/phone-numbers?starting_after=pn_0000000000000000000X",
		  a.key, &rm);
	cr_assert_eq(rb.status, rm.status);
	cr_assert_str_eq(itest_jstr(rb.json, "code"),
			 itest_jstr(rm.json, "code"));
	cr_assert_str_eq(itest_jstr(rb.json, "detail"),
			 itest_jstr(rm.json, "detail"));
	itest_resp_free(&rb);
	itest_resp_free(&rm);

	/* B's agent cannot become A's fallback, and the error is the same as
	 * for an agent that does not exist. */
	itest_get("/v1/agent", b.key, &rb);
	snprintf(b_agent, sizeof(b_agent), "%s", itest_jstr(rb.json, "id"));
	itest_resp_free(&rb);
	snprintf(body, sizeof(body), "{\"fallback_agent_id\":\"%s\"}", b_agent);
	patch_routing(a.key, body, &rb);
	patch_routing(
	    a.key, "{\"fallback_agent_id\":\"agt_00000000000000000000\"}", &rm);
	cr_assert_eq(rb.status, 422);
	cr_assert_eq(rb.status, rm.status);
	cr_assert_str_eq(itest_jstr(rb.json, "code"),
			 itest_jstr(rm.json, "code"));
	cr_assert_str_eq(itest_jstr(rb.json, "detail"),
			 itest_jstr(rm.json, "detail"));
	itest_resp_free(&rb);
	itest_resp_free(&rm);

	/* B changes its routing; A's audit log and agent know nothing of it. */
	patch_routing(b.key, "{\"mode\":\"voicemail_only\"}", &rb);
	cr_assert_eq(rb.status, 200, "%s", rb.body);
	itest_resp_free(&rb);
	itest_get("/v1/agent", a.key, &ra);
	cr_assert_str_eq(
	    itest_jstr(json_object_get(ra.json, "routing"), "mode"), "ai_only");
	cr_assert_null(strstr(ra.body, b_agent));
	itest_resp_free(&ra);

	itest_get("/v1/audit-log?limit=100", b.key, &rb);
	b_audit = itest_jstr(
	    json_array_get(json_object_get(rb.json, "data"), 0), "id");
	cr_assert(b_audit);
	itest_get("/v1/audit-log?limit=100", a.key, &ra);
	d = json_object_get(ra.json, "data");
	for (i = 0; i < json_array_size(d); i++)
		cr_assert_str_neq(itest_jstr(json_array_get(d, i), "id"),
				  b_audit);
	cr_assert_null(strstr(ra.body, b.biz));
	cr_assert_null(strstr(ra.body, b_agent));
	itest_resp_free(&ra);
	snprintf(path, sizeof(path), "/v1/audit-log?starting_after=%s",
		 b_audit);
	itest_get(path, a.key, &ra);
	itest_get("/v1/audit-log?starting_after=aud_00000000000000000000",
		  a.key, &rm);
	cr_assert_eq(ra.status, 400);
	cr_assert_eq(ra.status, rm.status);
	cr_assert_str_eq(itest_jstr(ra.json, "detail"),
			 itest_jstr(rm.json, "detail"));
	itest_resp_free(&ra);
	itest_resp_free(&rm);
	itest_resp_free(&rb);
}

Test(api, last_used_is_recorded)
{
	struct itest_tenant t;
	struct itest_resp r;
	const char *args[] = {"key", "list", "--business", t.biz, NULL};
	json_t *v;
	int st;

	itest_tenant_new(&t, "Usage Co", NULL);
	args[3] = t.biz;
	v = itest_kcctl(&st, args);
	cr_assert(json_is_null(
	    json_object_get(json_array_get(v, 0), "last_used_at")));
	json_decref(v);
	itest_get("/v1/business", t.key, &r);
	itest_resp_free(&r);
	v = itest_kcctl(&st, args);
	cr_assert_eq(st, 0);
	cr_assert(json_is_string(
	    json_object_get(json_array_get(v, 0), "last_used_at")));
	/* Listing shows no secret and no hash. */
	cr_assert_null(json_object_get(json_array_get(v, 0), "key"));
	cr_assert_null(json_object_get(json_array_get(v, 0), "key_hash"));
	json_decref(v);
}

Test(api, garbage_requests_do_not_crash_the_server)
{
	static const char *const paths[] = {
	    "/v1/agent%00",
	    "/v1/%2e%2e/agent",
	    "/v1/phone-numbers?limit=%zz",
	    "/v1/phone-numbers?limit=1&limit=2",
	    "/v1/audit-log?&&&=",
	    "/%ff%fe",
	    "/v1/phone-numbers?starting_after=%00",
	};
	static const char *const methods[] = {"GET", "PUT", "OPTIONS", "BREW"};
	struct itest_tenant t;
	struct itest_resp r;
	size_t i, j;

	itest_tenant_new(&t, "Garbage Co", "*");
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		for (j = 0; j < sizeof(methods) / sizeof(methods[0]); j++) {
			itest_http(methods[j], paths[i], t.key, "{", 1, NULL,
				   &r);
			/* lighttpd itself answers 501 to unknown methods. */
			cr_assert((r.status >= 400 && r.status < 500) ||
				      r.status == 501,
				  "%s %s -> %ld", methods[j], paths[i],
				  r.status);
			itest_resp_free(&r);
		}
	itest_get("/healthz", NULL, &r);
	cr_assert_eq(r.status, 200);
	itest_resp_free(&r);
}
