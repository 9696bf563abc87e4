/* Idempotency-Key on POSTs: retries never create a second lead or event. */
#include "itest.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(idempotency, .init = itest_setup, .timeout = 60);

static void
post_with_key(const char *key, const char *idem, const char *body,
	      struct itest_resp *r)
{
	char h[320];
	const char *extra[] = {h, NULL};

	snprintf(h, sizeof(h), "Idempotency-Key: %s", idem);
	itest_http("POST", "/v1/leads", key, body, strlen(body), extra, r);
}

static const char lead1[] =
    "{\"phone\":\"+14155550123\",\"intent\":\"booking\"}";
static const char lead2[] =
    "{\"phone\":\"+14155550124\",\"intent\":\"booking\"}";

Test(idempotency, repeat_returns_the_first_answer)
{
	struct itest_tenant t;
	struct itest_resp a, b;
	char *replayed;

	itest_tenant_new(&t, "Idem Co", "*");
	post_with_key(t.key, "call-42-lead", lead1, &a);
	post_with_key(t.key, "call-42-lead", lead1, &b);
	cr_assert_eq(a.status, 201, "%s", a.body);
	cr_assert_eq(b.status, 201, "%s", b.body);
	cr_assert_str_eq(itest_jstr(a.json, "id"), itest_jstr(b.json, "id"));
	cr_assert_str_eq(a.body, b.body);
	replayed = itest_header(&b, "idempotent-replayed");
	cr_assert(replayed && strcmp(replayed, "true") == 0);
	free(replayed);
	cr_assert_null(itest_header(&a, "idempotent-replayed"));
	itest_resp_free(&a);
	itest_resp_free(&b);
	cr_assert_eq(itest_count(t.key, "/v1/leads"), 1);
	cr_assert_eq(itest_count(t.key, "/v1/events"), 1);

	/* Same key, another body: refused, nothing written. */
	post_with_key(t.key, "call-42-lead", lead2, &a);
	cr_assert_eq(a.status, 422, "%s", a.body);
	cr_assert_str_eq(itest_jstr(a.json, "code"), "idempotency_key_reused");
	itest_resp_free(&a);
	cr_assert_eq(itest_count(t.key, "/v1/leads"), 1);

	/* A new key is a new request. */
	post_with_key(t.key, "call-43-lead", lead1, &a);
	cr_assert_eq(a.status, 201);
	itest_resp_free(&a);
	cr_assert_eq(itest_count(t.key, "/v1/leads"), 2);
}

Test(idempotency, keys_belong_to_one_business)
{
	struct itest_tenant a, b;
	struct itest_resp ra, rb;

	itest_tenant_new(&a, "Idem A", "*");
	itest_tenant_new(&b, "Idem B", "*");
	post_with_key(a.key, "shared-key", lead1, &ra);
	post_with_key(b.key, "shared-key", lead1, &rb);
	cr_assert_eq(ra.status, 201);
	cr_assert_eq(rb.status, 201, "%s", rb.body);
	cr_assert_str_neq(itest_jstr(ra.json, "id"), itest_jstr(rb.json, "id"));
	cr_assert_null(itest_header(&rb, "idempotent-replayed"));
	itest_resp_free(&ra);
	itest_resp_free(&rb);
}

Test(idempotency, bad_keys_and_replayed_errors)
{
	struct itest_tenant t;
	struct itest_resp a, b;
	char longkey[300];

	itest_tenant_new(&t, "Idem Bad Co", "*");
	memset(longkey, 'k', 256);
	longkey[256] = '\0';
	post_with_key(t.key, longkey, lead1, &a);
	cr_assert_eq(a.status, 400, "%s", a.body);
	cr_assert_str_eq(itest_jstr(a.json, "code"), "invalid_idempotency_key");
	itest_resp_free(&a);

	/* A validation error is an answer too: the retry gets the same. */
	post_with_key(t.key, "bad-phone",
		      "{\"phone\":\"1\",\"intent\":\"booking\"}", &a);
	post_with_key(t.key, "bad-phone",
		      "{\"phone\":\"1\",\"intent\":\"booking\"}", &b);
	cr_assert_eq(a.status, 422);
	cr_assert_eq(b.status, 422);
	cr_assert_str_eq(itest_jstr(b.json, "field"), "phone");
	itest_resp_free(&a);
	itest_resp_free(&b);
	cr_assert_eq(itest_count(t.key, "/v1/leads"), 0);
}

/* The voice runtime retries in parallel too: eight simultaneous requests
 * with one key create exactly one lead. */
Test(idempotency, concurrent_retries_create_one_lead)
{
	struct itest_tenant t;
	pid_t pids[8];
	int i, st, ok = 0;

	itest_tenant_new(&t, "Idem Race Co", "*");
	for (i = 0; i < 8; i++) {
		pids[i] = fork();
		cr_assert(pids[i] >= 0);
		if (pids[i] == 0) {
			struct itest_resp r;
			post_with_key(t.key, "race-key", lead1, &r);
			_exit(r.status == 201 ? 0 : r.status == 409 ? 1 : 2);
		}
	}
	for (i = 0; i < 8; i++) {
		waitpid(pids[i], &st, 0);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) <= 1,
			  "a racing request got neither 201 nor 409");
		ok += WEXITSTATUS(st) == 0;
	}
	cr_assert_geq(ok, 1);
	cr_assert_eq(itest_count(t.key, "/v1/leads"), 1);
	cr_assert_eq(itest_count(t.key, "/v1/events"), 1);
}
