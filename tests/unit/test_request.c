/*
 * Unit tests for cgi/request, cgi/response and cgi/routes: query parsing,
 * query validation helpers, routing (404/405/Allow), RFC 9457 problem
 * bodies and the header block. Nothing here touches a database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "../../cgi/request.h"
#include "../../cgi/response.h"
#include "../../cgi/routes.h"
#include "kc_scope.h"

/* Initialises req and sets its URI, asserting success. */
static void
req_uri(struct kc_req *req, const char *uri)
{
	struct kc_verr e;

	kc_req_init(req);
	memset(&e, 0, sizeof(e));
	cr_assert_eq(kc_req_set_uri(req, uri, &e), 0, "%s: %s", uri, e.msg);
}

/* Expects kc_req_set_uri to fail with 400 and code; frees everything. */
static void
uri_fails(const char *uri, const char *code)
{
	struct kc_req req;
	struct kc_verr e;

	kc_req_init(&req);
	memset(&e, 0, sizeof(e));
	cr_expect_eq(kc_req_set_uri(&req, uri, &e), -1, "accepted %s",
		     uri ? uri : "NULL");
	cr_expect_eq(e.status, 400, "%s", uri ? uri : "NULL");
	cr_expect_str_eq(e.code, code, "%s", uri ? uri : "NULL");
	kc_req_free(&req);
}

static json_t *
body_json(const struct kc_req *req)
{
	json_error_t jerr;
	json_t *v;

	cr_assert_not_null(req->resp.body.data);
	cr_assert_eq(req->resp.body.data[req->resp.body.len - 1], '\n');
	v = json_loadb(req->resp.body.data, req->resp.body.len,
		       JSON_REJECT_DUPLICATES, &jerr);
	cr_assert_not_null(v, "body is not JSON: %s: %s", jerr.text,
			   req->resp.body.data);
	return v;
}

/* kc_req_set_uri */

Test(uri, path_only)
{
	struct kc_req req;

	req_uri(&req, "/v1/agent");
	cr_assert_str_eq(req.path, "/v1/agent");
	cr_assert_eq(req.nq, 0);
	kc_req_free(&req);
}

Test(uri, path_and_query)
{
	struct kc_req req;

	req_uri(&req, "/v1/phone-numbers?limit=5&starting_after=pn_abc");
	cr_assert_str_eq(req.path, "/v1/phone-numbers");
	cr_assert_eq(req.nq, 2);
	cr_assert_str_eq(kc_query_get(&req, "limit"), "5");
	cr_assert_str_eq(kc_query_get(&req, "starting_after"), "pn_abc");
	cr_assert_null(kc_query_get(&req, "missing"));
	kc_req_free(&req);
}

Test(uri, empty_query)
{
	struct kc_req req;

	req_uri(&req, "/v1/agent?");
	cr_assert_str_eq(req.path, "/v1/agent");
	cr_assert_eq(req.nq, 0);
	kc_req_free(&req);
}

Test(uri, percent_and_plus_decoding)
{
	struct kc_req req;

	req_uri(&req, "/x?q=%41%62+c%2B%2f%7e&na%6De=%e2%82%AC");
	cr_assert_str_eq(kc_query_get(&req, "q"), "Ab c+/~");
	cr_assert_str_eq(kc_query_get(&req, "name"), "\xe2\x82\xac");
	kc_req_free(&req);
}

Test(uri, key_without_value_and_empty_pairs)
{
	struct kc_req req;

	req_uri(&req, "/x?&&flag&a=&b=1=2&");
	cr_assert_eq(req.nq, 3);
	cr_assert_str_eq(kc_query_get(&req, "flag"), "");
	cr_assert_str_eq(kc_query_get(&req, "a"), "");
	cr_assert_str_eq(kc_query_get(&req, "b"), "1=2");
	kc_req_free(&req);
}

Test(uri, path_is_not_decoded)
{
	struct kc_req req;

	req_uri(&req, "/v1/a%20b");
	cr_assert_str_eq(req.path, "/v1/a%20b");
	kc_req_free(&req);
}

Test(uri, repeated_key)
{
	struct kc_req req;
	struct kc_verr e;

	kc_req_init(&req);
	memset(&e, 0, sizeof(e));
	cr_assert_eq(kc_req_set_uri(&req, "/x?limit=1&limit=2", &e), -1);
	cr_assert_eq(e.status, 400);
	cr_assert_str_eq(e.code, "invalid_query");
	cr_assert_str_eq(e.field, "limit");
	kc_req_free(&req);
	/* Repeated after decoding counts too. */
	uri_fails("/x?a=1&%61=2", "invalid_query");
	uri_fails("/x?a&a", "invalid_query");
}

Test(uri, bad_escapes)
{
	uri_fails("/x?a=%", "invalid_query");
	uri_fails("/x?a=%4", "invalid_query");
	uri_fails("/x?a=%4g", "invalid_query");
	uri_fails("/x?a=%GG", "invalid_query");
	uri_fails("/x?a=%%41", "invalid_query");
	uri_fails("/x?%zz=1", "invalid_query");
	uri_fails("/x?a=1%&b=2", "invalid_query");
}

Test(uri, escape_at_end_of_pair)
{
	struct kc_req req;

	req_uri(&req, "/x?a=%41&b=%42");
	cr_assert_str_eq(kc_query_get(&req, "a"), "A");
	cr_assert_str_eq(kc_query_get(&req, "b"), "B");
	kc_req_free(&req);
}

Test(uri, nul_rejected)
{
	uri_fails("/x?a=%00", "invalid_query");
	uri_fails("/x?a%00b=1", "invalid_query");
}

Test(uri, empty_key_rejected)
{
	uri_fails("/x?=1", "invalid_query");
}

Test(uri, too_many_params)
{
	struct kc_req req;
	char uri[512];
	size_t i, o;

	o = (size_t)snprintf(uri, sizeof(uri), "/x?");
	for (i = 0; i < KC_QUERY_MAX; i++)
		o += (size_t)snprintf(uri + o, sizeof(uri) - o, "%sk%zu=%zu",
				      i ? "&" : "", i, i);
	req_uri(&req, uri);
	cr_assert_eq(req.nq, KC_QUERY_MAX);
	cr_assert_str_eq(kc_query_get(&req, "k15"), "15");
	kc_req_free(&req);
	snprintf(uri + o, sizeof(uri) - o, "&one=more");
	uri_fails(uri, "invalid_query");
}

Test(uri, bad_uris)
{
	char *longuri = malloc(5000);

	cr_assert_not_null(longuri);
	memset(longuri, 'a', 4999);
	longuri[0] = '/';
	longuri[4999] = '\0';
	uri_fails(NULL, "invalid_request");
	uri_fails("", "invalid_request");
	uri_fails("v1/agent", "invalid_request");
	uri_fails("http://example.com/v1/agent", "invalid_request");
	uri_fails(longuri, "invalid_request");
	free(longuri);
}

/* kc_query_int */

Test(query_int, absent_gives_default)
{
	struct kc_req req;
	struct kc_verr e;
	long long v = 0;

	req_uri(&req, "/x");
	cr_assert_eq(kc_query_int(&req, "limit", 1, 100, 20, &v, &e), 0);
	cr_assert_eq(v, 20);
	kc_req_free(&req);
}

Test(query_int, in_range)
{
	struct kc_req req;
	struct kc_verr e;
	long long v = 0;

	req_uri(&req, "/x?a=1&b=100&c=-5");
	cr_assert_eq(kc_query_int(&req, "a", 1, 100, 20, &v, &e), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(kc_query_int(&req, "b", 1, 100, 20, &v, &e), 0);
	cr_assert_eq(v, 100);
	cr_assert_eq(kc_query_int(&req, "c", -10, 10, 0, &v, &e), 0);
	cr_assert_eq(v, -5);
	kc_req_free(&req);
}

Test(query_int, rejected_values)
{
	static const char *const bad[] = {
	    "/x?n=0",    "/x?n=101", "/x?n=abc", "/x?n=",
	    "/x?n=5x",   "/x?n=1.5", "/x?n=-1",  "/x?n=99999999999999999999",
	    "/x?n=0x10",
	};
	struct kc_req req;
	struct kc_verr e;
	long long v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req_uri(&req, bad[i]);
		v = 77;
		memset(&e, 0, sizeof(e));
		cr_expect_eq(kc_query_int(&req, "n", 1, 100, 20, &v, &e), -1,
			     "accepted %s", bad[i]);
		cr_expect_eq(v, 77, "%s", bad[i]);
		cr_expect_eq(e.status, 400, "%s", bad[i]);
		cr_expect_str_eq(e.code, "invalid_query", "%s", bad[i]);
		cr_expect_str_eq(e.field, "n", "%s", bad[i]);
		kc_req_free(&req);
	}
}

/* kc_query_allowed */

Test(query_allowed, known_keys_pass)
{
	struct kc_req req;
	struct kc_verr e;

	req_uri(&req, "/x?limit=5&starting_after=pn_1");
	cr_assert_eq(kc_query_allowed(&req, "limit,starting_after", &e), 0);
	cr_assert_eq(kc_query_allowed(&req, "starting_after,limit", &e), 0);
	kc_req_free(&req);
	req_uri(&req, "/x");
	cr_assert_eq(kc_query_allowed(&req, NULL, &e), 0);
	cr_assert_eq(kc_query_allowed(&req, "", &e), 0);
	kc_req_free(&req);
}

Test(query_allowed, unknown_key_named)
{
	struct kc_req req;
	struct kc_verr e;

	req_uri(&req, "/x?limit=5&sort=desc");
	memset(&e, 0, sizeof(e));
	cr_assert_eq(kc_query_allowed(&req, "limit,starting_after", &e), -1);
	cr_assert_eq(e.status, 400);
	cr_assert_str_eq(e.code, "unknown_query_parameter");
	cr_assert_str_eq(e.field, "sort");
	kc_req_free(&req);
}

Test(query_allowed, no_partial_matches)
{
	static const char *const bad[] = {"/x?lim=1", "/x?limits=1",
					  "/x?after=1", "/x?starting=1",
					  "/x?limit,starting_after=1"};
	struct kc_req req;
	struct kc_verr e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req_uri(&req, bad[i]);
		cr_expect_eq(kc_query_allowed(&req, "limit,starting_after", &e),
			     -1, "accepted %s", bad[i]);
		kc_req_free(&req);
	}
}

Test(query_allowed, nothing_allowed)
{
	struct kc_req req;
	struct kc_verr e;

	req_uri(&req, "/x?limit=5");
	memset(&e, 0, sizeof(e));
	cr_assert_eq(kc_query_allowed(&req, NULL, &e), -1);
	cr_assert_str_eq(e.field, "limit");
	cr_assert_eq(kc_query_allowed(&req, "", &e), -1);
	kc_req_free(&req);
}

/* kc_query_page */

Test(query_enum, absent_known_and_unknown)
{
	static const char *const vals[] = {"open", "completed", NULL};
	struct kc_req req;
	struct kc_verr e;
	const char *v = "x";

	req_uri(&req, "/v1/follow-ups");
	cr_assert_eq(kc_query_enum(&req, "status", vals, &v, &e), 0);
	cr_expect_null(v);
	kc_req_free(&req);

	req_uri(&req, "/v1/follow-ups?status=completed");
	cr_assert_eq(kc_query_enum(&req, "status", vals, &v, &e), 0);
	cr_expect_str_eq(v, "completed");
	kc_req_free(&req);

	req_uri(&req, "/v1/follow-ups?status=late");
	cr_assert_eq(kc_query_enum(&req, "status", vals, &v, &e), -1);
	cr_expect_null(v);
	cr_expect_eq(e.status, 400);
	cr_expect_str_eq(e.code, "invalid_query");
	cr_expect_str_eq(e.field, "status");
	cr_expect_str_eq(e.msg, "status must be open or completed");
	kc_req_free(&req);
}

Test(query_page, defaults)
{
	struct kc_req req;
	struct kc_verr e;
	const char *after = "x";
	int limit = 0;

	req_uri(&req, "/v1/phone-numbers");
	cr_assert_eq(kc_query_page(&req, "pn", &limit, &after, &e), 0);
	cr_assert_eq(limit, 20);
	cr_assert_null(after);
	kc_req_free(&req);
}

Test(query_page, values)
{
	struct kc_req req;
	struct kc_verr e;
	const char *after = NULL;
	int limit = 0;

	req_uri(&req, "/v1/phone-numbers?limit=100&starting_after=pn_Abc123");
	cr_assert_eq(kc_query_page(&req, "pn", &limit, &after, &e), 0);
	cr_assert_eq(limit, 100);
	cr_assert_str_eq(after, "pn_Abc123");
	kc_req_free(&req);
}

Test(query_page, bad_limit)
{
	struct kc_req req;
	struct kc_verr e;
	const char *after;
	int limit;

	req_uri(&req, "/v1/phone-numbers?limit=101");
	memset(&e, 0, sizeof(e));
	cr_assert_eq(kc_query_page(&req, "pn", &limit, &after, &e), -1);
	cr_assert_str_eq(e.field, "limit");
	cr_assert_eq(e.status, 400);
	kc_req_free(&req);
	req_uri(&req, "/v1/phone-numbers?limit=0");
	cr_assert_eq(kc_query_page(&req, "pn", &limit, &after, &e), -1);
	kc_req_free(&req);
}

Test(query_page, bad_cursor)
{
	static const char *const bad[] = {
	    "/v1/audit-log?starting_after=pn_abc",
	    "/v1/audit-log?starting_after=",
	    "/v1/audit-log?starting_after=aud_",
	    "/v1/audit-log?starting_after=aud_a%27b",
	    "/v1/audit-log?starting_after=aud",
	};
	struct kc_req req;
	struct kc_verr e;
	const char *after;
	int limit;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req_uri(&req, bad[i]);
		memset(&e, 0, sizeof(e));
		cr_expect_eq(kc_query_page(&req, "aud", &limit, &after, &e), -1,
			     "accepted %s", bad[i]);
		cr_expect_eq(e.status, 400, "%s", bad[i]);
		cr_expect_str_eq(e.code, "invalid_cursor", "%s", bad[i]);
		cr_expect_str_eq(e.field, "starting_after", "%s", bad[i]);
		kc_req_free(&req);
	}
}

/* kc_method_parse / kc_method_name */

Test(method, parse_known)
{
	static const struct {
		const char *s;
		enum kc_method m;
	} known[] = {
	    {"GET", KC_M_GET},         {"POST", KC_M_POST},
	    {"PATCH", KC_M_PATCH},     {"DELETE", KC_M_DELETE},
	    {"PUT", KC_M_PUT},         {"HEAD", KC_M_HEAD},
	    {"OPTIONS", KC_M_OPTIONS},
	};
	enum kc_method m;
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		m = 0;
		cr_expect_eq(kc_method_parse(known[i].s, &m), 0, "%s",
			     known[i].s);
		cr_expect_eq(m, known[i].m, "%s", known[i].s);
		cr_expect_str_eq(kc_method_name(known[i].m), known[i].s);
	}
}

Test(method, parse_unknown)
{
	enum kc_method m = KC_M_GET;

	cr_assert_eq(kc_method_parse("get", &m), -1);
	cr_assert_eq(kc_method_parse("GETX", &m), -1);
	cr_assert_eq(kc_method_parse("GE", &m), -1);
	cr_assert_eq(kc_method_parse("TRACE", &m), -1);
	cr_assert_eq(kc_method_parse("", &m), -1);
	cr_assert_eq(kc_method_parse(NULL, &m), -1);
	cr_assert_eq(m, KC_M_GET);
	cr_assert_str_eq(kc_method_name((enum kc_method)0), "?");
}

/* kc_route_match */

/* A client allowed the operator routes (/metrics). */
static struct kc_config operator_cfg;

static const struct kc_route *
route(struct kc_req *req, enum kc_method m, const char *uri, int *status,
      char *allow, size_t allowlen)
{
	req_uri(req, uri);
	req->method = m;
	cr_assert_eq(
	    kc_addr_list_parse("127.0.0.1", &operator_cfg.metrics_allow), 0);
	req->cfg = &operator_cfg;
	req->remote_addr = "127.0.0.1";
	*status = 0;
	return kc_route_match(req, status, allow, allowlen);
}

Test(route_match, known_paths)
{
	static const struct {
		enum kc_method m;
		const char *path;
		uint32_t scope;
		unsigned flags;
	} known[] = {
	    {KC_M_GET, "/livez", 0, KC_R_PUBLIC},
	    {KC_M_GET, "/healthz", 0, KC_R_PUBLIC},
	    {KC_M_GET, "/metrics", 0, KC_R_PUBLIC | KC_R_OPERATOR},
	    {KC_M_GET, "/v1/business", 0, 0},
	    {KC_M_GET, "/v1/agent", KC_SCOPE_AGENTS_READ, 0},
	    {KC_M_PATCH, "/v1/agent/routing", KC_SCOPE_AGENTS_WRITE, 0},
	    {KC_M_GET, "/v1/phone-numbers", KC_SCOPE_NUMBERS_READ, 0},
	    {KC_M_GET, "/v1/audit-log", KC_SCOPE_AUDIT_READ, 0},
	    {KC_M_POST, "/v1/outbound-calls", KC_SCOPE_CALLS_WRITE, 0},
	    {KC_M_GET, "/v1/outbound-calls", KC_SCOPE_CALLS_READ, 0},
	    {KC_M_POST, "/v1/messages", KC_SCOPE_SMS_WRITE, 0},
	    {KC_M_GET, "/v1/messages", KC_SCOPE_SMS_READ, 0},
	    /* The carrier's: no key, a signature the handler checks. */
	    {KC_M_POST, "/carrier/twilio/sms", 0, KC_R_PUBLIC},
	};
	struct kc_req req;
	const struct kc_route *r;
	char allow[96];
	int status;
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		r = route(&req, known[i].m, known[i].path, &status, allow,
			  sizeof(allow));
		cr_expect_not_null(r, "%s", known[i].path);
		if (r) {
			cr_expect_str_eq(r->pattern, known[i].path);
			cr_expect_eq(r->method, known[i].m, "%s",
				     known[i].path);
			cr_expect_eq(r->scope, known[i].scope, "%s",
				     known[i].path);
			cr_expect_eq(r->flags, known[i].flags, "%s",
				     known[i].path);
			cr_expect_not_null(r->fn);
		}
		kc_req_free(&req);
	}
}

Test(route_match, query_string_ignored_for_matching)
{
	struct kc_req req;
	char allow[96];
	int status;
	const struct kc_route *r;

	r = route(&req, KC_M_GET, "/v1/phone-numbers?limit=5", &status, allow,
		  sizeof(allow));
	cr_assert_not_null(r);
	cr_assert_str_eq(r->query, "limit,starting_after");
	kc_req_free(&req);
}

Test(route_match, unknown_paths_404)
{
	static const char *const unknown[] = {
	    "/",          "/v1",        "/v1/agents",
	    "/v1/agent/", "/V1/agent",  "/v1/agent/routing/",
	    "/livez/",    "//v1/agent", "/v1/agent/routing/x",
	    "/v1/agentx", "/v2/agent",  "/v1/phone-numbers/pn_1",
	};
	struct kc_req req;
	char allow[96];
	int status;
	size_t i;

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		cr_expect_null(route(&req, KC_M_GET, unknown[i], &status, allow,
				     sizeof(allow)),
			       "%s", unknown[i]);
		cr_expect_eq(status, 404, "%s", unknown[i]);
		cr_expect_str_eq(allow, "", "%s", unknown[i]);
		kc_req_free(&req);
	}
}

Test(route_match, wrong_method_405_with_allow)
{
	struct kc_req req;
	char allow[96];
	int status;

	cr_assert_null(route(&req, KC_M_GET, "/v1/agent/routing", &status,
			     allow, sizeof(allow)));
	cr_assert_eq(status, 405);
	cr_assert_str_eq(allow, "PATCH");
	kc_req_free(&req);

	cr_assert_null(route(&req, KC_M_PUT, "/v1/agent/routing", &status,
			     allow, sizeof(allow)));
	cr_assert_eq(status, 405);
	cr_assert_str_eq(allow, "PATCH");
	kc_req_free(&req);

	cr_assert_null(
	    route(&req, KC_M_POST, "/v1/agent", &status, allow, sizeof(allow)));
	cr_assert_eq(status, 405);
	cr_assert_str_eq(allow, "GET");
	kc_req_free(&req);

	cr_assert_null(
	    route(&req, KC_M_DELETE, "/livez", &status, allow, sizeof(allow)));
	cr_assert_eq(status, 405);
	cr_assert_str_eq(allow, "GET");
	kc_req_free(&req);
}

Test(route_match, allow_truncated_safely)
{
	struct kc_req req;
	char allow[4] = "xyz";
	int status;

	cr_assert_null(route(&req, KC_M_GET, "/v1/agent/routing", &status,
			     allow, sizeof(allow)));
	cr_assert_eq(status, 405);
	cr_assert_lt(strlen(allow), sizeof(allow));
	kc_req_free(&req);
}

/* kc_dispatch, only where no database is involved */

Test(dispatch, not_found_problem)
{
	struct kc_req req;
	json_t *p;

	req_uri(&req, "/v1/nothing-here");
	req.method = KC_M_GET;
	snprintf(req.request_id, sizeof(req.request_id), "req_test1");
	cr_assert_eq(kc_dispatch(&req), 404);
	cr_assert_eq(req.resp.status, 404);
	cr_assert_str_eq(req.resp.content_type, "application/problem+json");
	p = body_json(&req);
	cr_assert_str_eq(kc_json_str(p, "code"), "not_found");
	cr_assert_eq(json_integer_value(json_object_get(p, "status")), 404);
	cr_assert_str_eq(kc_json_str(p, "request_id"), "req_test1");
	json_decref(p);
	kc_req_free(&req);
}

Test(dispatch, method_not_allowed_problem_and_allow_header)
{
	struct kc_req req;
	struct kc_buf h;
	json_t *p;

	req_uri(&req, "/v1/agent/routing");
	req.method = KC_M_DELETE;
	cr_assert_eq(kc_dispatch(&req), 405);
	cr_assert_str_eq(req.resp.allow, "PATCH");
	p = body_json(&req);
	cr_assert_str_eq(kc_json_str(p, "code"), "method_not_allowed");
	cr_assert_not_null(strstr(kc_json_str(p, "detail"), "DELETE"));
	cr_assert_not_null(strstr(kc_json_str(p, "detail"), "PATCH"));
	json_decref(p);
	kc_buf_init(&h, 4096);
	cr_assert_eq(kc_resp_headers(&req, &h), 0);
	cr_assert_not_null(
	    strstr(h.data, "Status: 405 Method Not Allowed\r\n"));
	cr_assert_not_null(strstr(h.data, "\r\nAllow: PATCH\r\n"), "%s",
			   h.data);
	kc_buf_free(&h);
	kc_req_free(&req);
}

Test(dispatch, public_livez)
{
	struct kc_req req;
	json_t *v;

	req_uri(&req, "/livez");
	req.method = KC_M_GET;
	cr_assert_eq(kc_dispatch(&req), 200);
	cr_assert_str_eq(req.resp.content_type, "application/json");
	v = body_json(&req);
	cr_assert_str_eq(kc_json_str(v, "status"), "ok");
	json_decref(v);
	kc_req_free(&req);
}

Test(dispatch, public_route_rejects_unknown_query)
{
	struct kc_req req;
	json_t *p;

	req_uri(&req, "/livez?verbose=1");
	req.method = KC_M_GET;
	cr_assert_eq(kc_dispatch(&req), 400);
	p = body_json(&req);
	cr_assert_str_eq(kc_json_str(p, "code"), "unknown_query_parameter");
	cr_assert_str_eq(kc_json_str(p, "field"), "verbose");
	json_decref(p);
	kc_req_free(&req);
}

/* kc_problem / kc_problem_verr / kc_reply_json */

Test(problem, rfc9457_members)
{
	struct kc_req req;
	json_t *p;

	kc_req_init(&req);
	snprintf(req.request_id, sizeof(req.request_id), "req_abc");
	cr_assert_eq(kc_problem(&req, 422, "out_of_range",
				"ring_first.ring_seconds",
				"%s must be between %d and %d",
				"ring_first.ring_seconds", 5, 120),
		     422);
	cr_assert_eq(req.resp.status, 422);
	cr_assert_str_eq(req.resp.content_type, "application/problem+json");
	p = body_json(&req);
	cr_assert_str_eq(kc_json_str(p, "type"),
			 "https://docs.kaicalls.com/errors/out_of_range");
	cr_assert_str_eq(kc_json_str(p, "title"), "Unprocessable Content");
	cr_assert(json_is_integer(json_object_get(p, "status")));
	cr_assert_eq(json_integer_value(json_object_get(p, "status")), 422);
	cr_assert_str_eq(kc_json_str(p, "detail"),
			 "ring_first.ring_seconds must be between 5 and 120");
	cr_assert_str_eq(kc_json_str(p, "code"), "out_of_range");
	cr_assert_str_eq(kc_json_str(p, "field"), "ring_first.ring_seconds");
	cr_assert_str_eq(kc_json_str(p, "request_id"), "req_abc");
	json_decref(p);
	kc_req_free(&req);
}

Test(problem, field_is_optional)
{
	struct kc_req req;
	json_t *p;

	kc_req_init(&req);
	kc_problem(&req, 404, "not_found", NULL, "no such resource");
	p = body_json(&req);
	cr_assert_null(json_object_get(p, "field"));
	cr_assert_str_eq(kc_json_str(p, "title"), "Not Found");
	json_decref(p);
	kc_problem(&req, 404, "not_found", "", "no such resource");
	p = body_json(&req);
	cr_assert_null(json_object_get(p, "field"));
	json_decref(p);
	kc_req_free(&req);
}

Test(problem, detail_is_escaped)
{
	struct kc_req req;
	json_t *p;

	kc_req_init(&req);
	kc_problem(&req, 400, "invalid_query", "q\"x",
		   "bad \"value\" \\ with\nnewline and \x01 control");
	p = body_json(&req);
	cr_assert_str_eq(kc_json_str(p, "detail"),
			 "bad \"value\" \\ with\nnewline and \x01 control");
	cr_assert_str_eq(kc_json_str(p, "field"), "q\"x");
	json_decref(p);
	kc_req_free(&req);
}

Test(problem, replaces_earlier_body)
{
	struct kc_req req;
	json_t *p;

	kc_req_init(&req);
	kc_reply_json(&req, 200, json_pack("{s:s}", "a", "b"));
	kc_problem(&req, 409, "conflict", NULL, "x");
	cr_assert_eq(req.resp.status, 409);
	p = body_json(&req);
	cr_assert_null(json_object_get(p, "a"));
	cr_assert_str_eq(kc_json_str(p, "title"), "Conflict");
	json_decref(p);
	kc_req_free(&req);
}

Test(problem, from_verr)
{
	struct kc_req req;
	struct kc_verr e;
	json_t *p;

	kc_req_init(&req);
	kc_verr_set(&e, 422, "invalid_enum", "mode",
		    "mode has an unknown "
		    "value");
	cr_assert_eq(kc_problem_verr(&req, &e), 422);
	p = body_json(&req);
	cr_assert_str_eq(kc_json_str(p, "code"), "invalid_enum");
	cr_assert_str_eq(kc_json_str(p, "field"), "mode");
	cr_assert_str_eq(kc_json_str(p, "detail"), "mode has an unknown value");
	json_decref(p);

	memset(&e, 0, sizeof(e));
	snprintf(e.msg, sizeof(e.msg), "something");
	cr_assert_eq(kc_problem_verr(&req, &e), 400);
	p = body_json(&req);
	cr_assert_str_eq(kc_json_str(p, "code"), "invalid_request");
	cr_assert_null(json_object_get(p, "field"));
	json_decref(p);
	kc_req_free(&req);
}

Test(reply, json_body)
{
	struct kc_req req;
	json_t *v;

	kc_req_init(&req);
	cr_assert_eq(kc_reply_json(&req, 201, json_pack("{s:i}", "n", 7)), 201);
	cr_assert_eq(req.resp.status, 201);
	cr_assert_str_eq(req.resp.content_type, "application/json");
	cr_assert_str_eq(req.resp.body.data, "{\"n\":7}\n");
	v = body_json(&req);
	json_decref(v);
	kc_req_free(&req);
}

Test(reply, null_value_is_internal_error)
{
	struct kc_req req;
	json_t *p;

	kc_req_init(&req);
	cr_assert_eq(kc_reply_json(&req, 200, NULL), 500);
	cr_assert_eq(req.resp.status, 500);
	p = body_json(&req);
	cr_assert_str_eq(kc_json_str(p, "code"), "internal");
	json_decref(p);
	kc_req_free(&req);
}

/* kc_resp_headers */

static char *
headers(struct kc_req *req)
{
	struct kc_buf h;

	kc_buf_init(&h, 8192);
	cr_assert_eq(kc_resp_headers(req, &h), 0);
	return kc_buf_take(&h, NULL);
}

Test(headers, security_headers_always)
{
	struct kc_req req;
	char *h;

	kc_req_init(&req);
	kc_reply_json(&req, 200, json_pack("{s:s}", "status", "ok"));
	h = headers(&req);
	cr_assert_eq(strncmp(h, "Status: 200 OK\r\n", 16), 0, "%s", h);
	cr_assert_not_null(strstr(h, "\r\nContent-Type: application/json\r\n"));
	cr_assert_not_null(
	    strstr(h, "\r\nX-Content-Type-Options: nosniff\r\n"));
	cr_assert_not_null(strstr(h, "\r\nX-Frame-Options: DENY\r\n"));
	cr_assert_not_null(strstr(h, "\r\nContent-Security-Policy: "
				     "default-src 'none'"));
	cr_assert_not_null(strstr(h, "\r\nCache-Control: no-store\r\n"));
	cr_assert_null(strstr(h, "Allow:"));
	cr_assert_null(strstr(h, "WWW-Authenticate"));
	cr_assert_null(strstr(h, "X-Request-Id"));
	/* Ends the block with an empty line, once. */
	cr_assert_str_eq(h + strlen(h) - 4, "\r\n\r\n");
	cr_assert_eq(strstr(h, "\r\n\r\n"), h + strlen(h) - 4);
	free(h);
	kc_req_free(&req);
}

Test(headers, content_length_matches_body)
{
	struct kc_req req;
	char *h, want[64];

	kc_req_init(&req);
	kc_reply_json(&req, 200, json_pack("{s:s}", "status", "ok"));
	snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n",
		 req.resp.body.len);
	cr_assert_eq(req.resp.body.len, strlen("{\"status\":\"ok\"}\n"));
	h = headers(&req);
	cr_assert_not_null(strstr(h, want), "%s", h);
	free(h);
	kc_req_free(&req);
}

Test(headers, request_id)
{
	struct kc_req req;
	char *h;

	kc_req_init(&req);
	snprintf(req.request_id, sizeof(req.request_id), "req_XYZ");
	kc_problem(&req, 500, "internal", NULL, "x");
	h = headers(&req);
	cr_assert_not_null(strstr(h, "Status: 500 Internal Server Error\r\n"));
	cr_assert_not_null(strstr(h, "\r\nX-Request-Id: req_XYZ\r\n"));
	free(h);
	kc_req_free(&req);
}

Test(headers, allow_only_on_405)
{
	struct kc_req req;
	char *h;

	kc_req_init(&req);
	snprintf(req.resp.allow, sizeof(req.resp.allow), "GET, PATCH");
	kc_problem(&req, 405, "method_not_allowed", NULL, "x");
	h = headers(&req);
	cr_assert_not_null(strstr(h, "\r\nAllow: GET, PATCH\r\n"), "%s", h);
	free(h);
	kc_problem(&req, 404, "not_found", NULL, "x");
	h = headers(&req);
	cr_assert_null(strstr(h, "Allow:"), "%s", h);
	free(h);
	kc_req_free(&req);
}

Test(headers, www_authenticate_on_401)
{
	struct kc_req req;
	char *h;

	kc_req_init(&req);
	kc_problem(&req, 401, "missing_api_key", NULL, "x");
	req.resp.bearer_challenge = 1;
	h = headers(&req);
	cr_assert_not_null(strstr(h, "Status: 401 Unauthorized\r\n"));
	cr_assert_not_null(
	    strstr(h, "\r\nWWW-Authenticate: Bearer realm=\"kaicalls\"\r\n"),
	    "%s", h);
	free(h);

	req.resp.bearer_challenge = 2;
	h = headers(&req);
	cr_assert_not_null(strstr(h, "\r\nWWW-Authenticate: Bearer "
				     "realm=\"kaicalls\", "
				     "error=\"invalid_token\"\r\n"),
			   "%s", h);
	free(h);

	req.resp.bearer_challenge = 0;
	h = headers(&req);
	cr_assert_null(strstr(h, "WWW-Authenticate"), "%s", h);
	free(h);
	kc_req_free(&req);
}

Test(headers, no_challenge_outside_401)
{
	struct kc_req req;
	char *h;

	kc_req_init(&req);
	kc_problem(&req, 403, "missing_scope", NULL, "x");
	req.resp.bearer_challenge = 1;
	h = headers(&req);
	cr_assert_null(strstr(h, "WWW-Authenticate"), "%s", h);
	free(h);
	kc_req_free(&req);
}

Test(headers, output_cap_reported)
{
	struct kc_req req;
	struct kc_buf h;

	kc_req_init(&req);
	kc_problem(&req, 404, "not_found", NULL, "x");
	kc_buf_init(&h, 32);
	cr_assert_eq(kc_resp_headers(&req, &h), -1);
	kc_buf_free(&h);
	kc_req_free(&req);
}

Test(status_text, known_and_default)
{
	cr_assert_str_eq(kc_status_text(200), "OK");
	cr_assert_str_eq(kc_status_text(204), "No Content");
	cr_assert_str_eq(kc_status_text(413), "Content Too Large");
	cr_assert_str_eq(kc_status_text(429), "Too Many Requests");
	cr_assert_str_eq(kc_status_text(503), "Service Unavailable");
	cr_assert_str_eq(kc_status_text(599), "Internal Server Error");
}

/* GET /metrics: only for the addresses in metrics_allow. To any other
 * client it is a path that does not exist: the same 404 whatever the
 * method, never a 405 that would tell it apart. */

static struct kc_config metrics_cfg;

static void
metrics_req(struct kc_req *req, enum kc_method m, const char *addr)
{
	memset(&metrics_cfg, 0, sizeof(metrics_cfg));
	cr_assert_eq(
	    kc_addr_list_parse("127.0.0.1, ::1", &metrics_cfg.metrics_allow),
	    0);
	req_uri(req, "/metrics");
	req->method = m;
	req->cfg = &metrics_cfg;
	req->remote_addr = addr;
	snprintf(req->request_id, sizeof(req->request_id), "req_m");
}

Test(metrics_route, hidden_from_addresses_not_allowed)
{
	static const char *const others[] = {"10.0.0.1", "127.0.0.2", "::2", "",
					     NULL};
	struct kc_req req, missing;
	size_t i;

	req_uri(&missing, "/nothing-here");
	missing.method = KC_M_GET;
	snprintf(missing.request_id, sizeof(missing.request_id), "req_m");
	cr_assert_eq(kc_dispatch(&missing), 404);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		metrics_req(&req, KC_M_GET, others[i]);
		cr_expect_eq(kc_dispatch(&req), 404, "%s", others[i]);
		cr_expect_str_eq(req.resp.body.data, missing.resp.body.data,
				 "%s", others[i]);
		cr_expect_eq(req.route, -1);
		kc_req_free(&req);
		metrics_req(&req, KC_M_POST, others[i]);
		cr_expect_eq(kc_dispatch(&req), 404, "POST from %s",
			     others[i] ? others[i] : "NULL");
		kc_req_free(&req);
	}
	kc_req_free(&missing);
}

Test(metrics_route, hidden_without_a_config)
{
	struct kc_req req;

	req_uri(&req, "/metrics");
	req.method = KC_M_GET;
	req.remote_addr = "127.0.0.1";
	cr_assert_eq(kc_dispatch(&req), 404);
	kc_req_free(&req);
}

Test(metrics_route, served_to_allowed_addresses)
{
	static const char *const allowed[] = {"127.0.0.1", "::1",
					      "::ffff:127.0.0.1"};
	struct kc_req req;
	size_t i;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		metrics_req(&req, KC_M_GET, allowed[i]);
		/* No database here: the scrape still answers, saying so. */
		cr_expect_eq(kc_dispatch(&req), 200, "%s", allowed[i]);
		cr_expect_str_eq(req.resp.content_type,
				 "text/plain; version=0.0.4; charset=utf-8");
		cr_expect_not_null(
		    strstr(req.resp.body.data, "\nkaicalls_database_up 0\n"),
		    "%s", req.resp.body.data);
		cr_expect_geq(req.route, 0);
		kc_req_free(&req);
	}
	metrics_req(&req, KC_M_POST, "127.0.0.1");
	cr_assert_eq(kc_dispatch(&req), 405);
	cr_assert_str_eq(req.resp.allow, "GET");
	kc_req_free(&req);
}

Test(metrics_route, needs_no_api_key)
{
	struct kc_req req;

	metrics_req(&req, KC_M_GET, "127.0.0.1");
	req.authorization = "Bearer kc_live_nonsense";
	cr_assert_eq(kc_dispatch(&req), 200);
	kc_req_free(&req);
}
