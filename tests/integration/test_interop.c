/* Our signed output, checked by someone else's code: the Standard Webhooks
 * reference library for JavaScript (npm standardwebhooks) verifies what
 * kcctl sign produces from the real database, secrets and events. */
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

Test(interop, reference_library_accepts_our_signatures)
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
