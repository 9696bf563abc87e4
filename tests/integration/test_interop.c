/* Our signed output, checked by someone else's code: the Standard Webhooks
 * reference library for JavaScript (npm standardwebhooks) verifies what the
 * delivery worker really sent (the headers and body bytes as the test
 * receiver got them), and what kcctl sign produces. */
#include "itest.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(interop, .init = itest_setup, .timeout = 60);

/* Runs the verifier on delivery with secret; returns its exit status. */
static int
verify(const json_t *delivery, const char *secret)
{
	const char *dir = getenv("KC_INTEROP_DIR");
	char path[] = "/tmp/kc-interop-XXXXXX", cmd[1024];
	int fd, st;
	FILE *f;

	cr_assert(dir, "KC_INTEROP_DIR must name tests/interop (scripts/test "
		       "sets it after npm ci)");
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	json_dumpf(delivery, f, JSON_COMPACT);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "node '%s/verify.mjs' '%s' < '%s'", dir,
		 secret, path);
	st = system(cmd);
	unlink(path);
	cr_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static json_t *
sign(const char *biz, const char *ep, const char *evt)
{
	const char *args[] = {"sign", "--business", biz, "--endpoint",
			      ep,     "--event",    evt, NULL};
	json_t *v;
	int st;

	v = itest_kcctl(&st, args);
	cr_assert(st == 0 && v, "kcctl sign failed (%d)", st);
	return v;
}

/* A request as the receiver logged it: its webhook headers and the body's
 * bytes exactly as they arrived. */
static json_t *
as_received(const json_t *req)
{
	json_t *d = json_pack("{s:{s:s, s:s, s:s}, s:s}", "headers",
			      "webhook-id", itest_jstr(req, "id"),
			      "webhook-timestamp", itest_jstr(req, "timestamp"),
			      "webhook-signature", itest_jstr(req, "signature"),
			      "body_b64", itest_jstr(req, "body_b64"));

	cr_assert(d, "the receiver's log lacks a header or the body");
	return d;
}

/* The same delivery with one byte of the body changed (as text: the body
 * is JSON, whose first byte is '{'). */
static json_t *
tampered(const json_t *d, const json_t *req)
{
	json_t *t = json_deep_copy(d);
	char *body = strdup(itest_jstr(req, "body"));

	cr_assert(body && body[0] == '{');
	body[strlen(body) - 1] = ' ';
	json_object_del(t, "body_b64");
	json_object_set_new(t, "body", json_string(body));
	free(body);
	return t;
}

/* The secret of a new endpoint of another business. */
static void
foreign_secret(char *out)
{
	struct itest_tenant other;
	struct itest_resp r;

	itest_tenant_new(&other, "Interop Other", "*");
	itest_post(other.key, "/v1/webhook-endpoints",
		   "{\"url\":\"http://127.0.0.1:9/crm\"}", &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(out, 80, "%s", itest_jstr(r.json, "secret"));
	itest_resp_free(&r);
}

/* The n-th request (from 0) the receiver got on path, expecting n + 1. */
static json_t *
received(const char *path, size_t n)
{
	json_t *log = itest_rcv_log(path), *req;

	cr_assert_eq(itest_jint(log, "count"), (long long)n + 1);
	req = json_incref(json_array_get(json_object_get(log, "requests"), n));
	json_decref(log);
	return req;
}

Test(interop, reference_library_accepts_what_the_worker_sent)
{
	struct itest_tenant t;
	struct itest_resp r;
	char path[64], ep[64], secret[80], other[80], fresh[80], url[160];
	json_t *req, *d, *bad, *st;
	const char *sig;
	int rc;

	itest_tenant_new(&t, "Interop Wire Co", "*");
	foreign_secret(other);
	itest_rcv_path(path, sizeof(path));
	itest_rcv_endpoint(t.key, path, NULL, ep, secret);
	/* Letters beyond ASCII: the signature covers bytes, not characters. */
	itest_post(t.key, "/v1/leads",
		   "{\"name\":\"Zo\xc3\xab N\xc3\xba\xc3\xb1"
		   "ez \xe2\x80\x93 "
		   "\xe6\x9d\xb1\xe4\xba\xac\",\"phone\":\"+14155550127\","
		   "\"intent\":\"booking\"}",
		   &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	itest_resp_free(&r);
	st = itest_deliver(t.biz, &rc);
	cr_assert(rc == 0 && itest_jint(st, "delivered") == 1,
		  "kcctl deliver (%d)", rc);
	json_decref(st);

	req = received(path, 0);
	cr_assert(strstr(itest_jstr(req, "body"), "Zo\xc3\xab") != NULL ||
		      strstr(itest_jstr(req, "body"), "\\u00eb") != NULL,
		  "%s", itest_jstr(req, "body"));
	d = as_received(req);
	cr_assert_null(strchr(itest_jstr(req, "signature"), ' '),
		       "one secret, one signature: %s",
		       itest_jstr(req, "signature"));
	cr_assert_eq(verify(d, secret), 0,
		     "the reference library rejected what the worker sent");
	/* The verifier really checks: another secret and a changed body
	 * are both refused. */
	cr_assert_neq(verify(d, other), 0);
	bad = tampered(d, req);
	cr_assert_neq(verify(bad, secret), 0);
	json_decref(bad);
	json_decref(d);
	json_decref(req);

	/* After a rotation the next delivery carries two signatures: the
	 * receiver may check it with either secret during the grace. */
	snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s/rotate-secret",
		 ep);
	itest_post(t.key, url, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	snprintf(fresh, sizeof(fresh), "%s", itest_jstr(r.json, "secret"));
	itest_resp_free(&r);
	cr_assert_str_neq(fresh, secret);
	itest_lead(t.key, NULL);
	st = itest_deliver(t.biz, &rc);
	cr_assert(rc == 0 && itest_jint(st, "delivered") == 1,
		  "kcctl deliver (%d)", rc);
	json_decref(st);

	req = received(path, 1);
	sig = itest_jstr(req, "signature");
	cr_assert(sig && strchr(sig, ' ') && strncmp(sig, "v1,", 3) == 0 &&
		      strncmp(strchr(sig, ' ') + 1, "v1,", 3) == 0,
		  "two signatures during rotation: %s", sig ? sig : "(none)");
	d = as_received(req);
	cr_assert_eq(verify(d, fresh), 0, "new secret");
	cr_assert_eq(verify(d, secret), 0, "previous secret, within grace");
	cr_assert_neq(verify(d, other), 0);
	bad = tampered(d, req);
	cr_assert_neq(verify(bad, fresh), 0);
	cr_assert_neq(verify(bad, secret), 0);
	json_decref(bad);
	json_decref(d);
	json_decref(req);
}

Test(interop, reference_library_accepts_kcctl_sign)
{
	struct itest_tenant t, other;
	struct itest_resp r;
	char ep[64], secret[80], other_secret[80], evt[64], path[160];
	const char *body = "{\"url\":\"http://127.0.0.1:9/crm\"}";
	json_t *d, *tampered;
	char *sigs;

	itest_tenant_new(&t, "Interop Co", "*");
	itest_http("POST", "/v1/webhook-endpoints", t.key, body, strlen(body),
		   NULL, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(ep, sizeof(ep), "%s", itest_jstr(r.json, "id"));
	snprintf(secret, sizeof(secret), "%s", itest_jstr(r.json, "secret"));
	itest_resp_free(&r);
	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s/test", ep);
	itest_http("POST", path, t.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(evt, sizeof(evt), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);

	d = sign(t.biz, ep, evt);
	cr_assert_str_eq(
	    itest_jstr(json_object_get(d, "headers"), "webhook-id"), evt);
	cr_assert_eq(verify(d, secret), 0,
		     "the reference library rejected "
		     "our signature");

	/* The verifier really checks: another secret and a changed body
	 * are both refused. */
	itest_tenant_new(&other, "Interop Other", "*");
	itest_http("POST", "/v1/webhook-endpoints", other.key, body,
		   strlen(body), NULL, &r);
	snprintf(other_secret, sizeof(other_secret), "%s",
		 itest_jstr(r.json, "secret"));
	itest_resp_free(&r);
	cr_assert_neq(verify(d, other_secret), 0);
	tampered = json_deep_copy(d);
	json_object_set_new(tampered, "body",
			    json_string("{\"id\":\"evt_forged\"}"));
	cr_assert_neq(verify(tampered, secret), 0);
	json_decref(tampered);
	json_decref(d);

	/* During a rotation both secrets verify. */
	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s/rotate-secret",
		 ep);
	itest_http("POST", path, t.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	d = sign(t.biz, ep, evt);
	sigs = (char *)itest_jstr(json_object_get(d, "headers"),
				  "webhook-signature");
	cr_assert(strchr(sigs, ' '), "two signatures during rotation: %s",
		  sigs);
	cr_assert_eq(verify(d, itest_jstr(r.json, "secret")), 0, "new secret");
	cr_assert_eq(verify(d, secret), 0, "previous secret, within grace");
	itest_resp_free(&r);
	json_decref(d);
}

Test(interop, sign_refuses_another_business_endpoint)
{
	struct itest_tenant a, b;
	struct itest_resp r;
	char ep[64], evt[64], path[160];
	const char *body = "{\"url\":\"http://127.0.0.1:9/crm\"}";
	const char *args[] = {"sign", "--business", a.biz, "--endpoint",
			      ep,     "--event",    evt,   NULL};
	json_t *v;
	int st;

	itest_tenant_new(&a, "Sign A", "*");
	itest_tenant_new(&b, "Sign B", "*");
	itest_http("POST", "/v1/webhook-endpoints", b.key, body, strlen(body),
		   NULL, &r);
	snprintf(ep, sizeof(ep), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s/test", ep);
	itest_http("POST", path, b.key, NULL, 0, NULL, &r);
	snprintf(evt, sizeof(evt), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	args[2] = a.biz;
	v = itest_kcctl(&st, args);
	cr_assert_eq(st, 1);
	json_decref(v);
}
