/* The delivery engine end to end: kcctl deliver (the real worker, run as
 * a process) sends over HTTPS to the test receiver, and everything it did
 * is read back through the API. Each test's worker is limited to its own
 * business (--business), so tests running side by side never take each
 * other's deliveries. Short schedules come from KC_DELIVERY_* variables,
 * which kcctl reads over its configuration file. */
#include "itest.h"
#include "kc_crypto.h"

#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* 60 s, as every suite: Criterion 2.4's runner leaks a timeout record
 * (LeakSanitizer sees it) when suites with different timeouts overlap. */
TestSuite(delivery, .init = itest_setup, .timeout = 60);

static void
deliver_ok(const char *biz, json_t **out)
{
	int st;
	json_t *v = itest_deliver(biz, &st);

	cr_assert(st == 0 && v, "kcctl deliver failed (%d)", st);
	if (out)
		*out = v;
	else
		json_decref(v);
}

/* The deliveries of one endpoint, newest first. */
static json_t *
deliveries_of(const char *key, const char *ep)
{
	char path[256];
	struct itest_resp r;
	json_t *d;

	snprintf(path, sizeof(path), "/v1/deliveries?endpoint=%s&limit=100",
		 ep);
	itest_get(path, key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	d = json_incref(json_object_get(r.json, "data"));
	itest_resp_free(&r);
	return d;
}

static size_t
count_status(const char *key, const char *ep, const char *status)
{
	char url[160];

	snprintf(url, sizeof(url), "/v1/deliveries?endpoint=%s&status=%s", ep,
		 status);
	return itest_count(key, url);
}

/* Runs the worker until none of the endpoint's deliveries waits any more
 * (none pending, in flight or failed), polling against a deadline: retries
 * come when their time (1 s +-20 % in these tests) or a lease has passed,
 * and until then a run finds nothing due. */
static void
deliver_until_settled(const char *biz, const char *key, const char *ep,
		      long long within_ms)
{
	long long deadline = itest_mono_ms() + within_ms;

	for (;;) {
		deliver_ok(biz, NULL);
		if (count_status(key, ep, "pending") == 0 &&
		    count_status(key, ep, "in_flight") == 0 &&
		    count_status(key, ep, "failed") == 0)
			return;
		cr_assert(itest_mono_ms() < deadline,
			  "deliveries still waiting after %lld ms", within_ms);
		itest_msleep(100);
	}
}

static json_t *
get_json(const char *key, const char *path)
{
	struct itest_resp r;
	json_t *v;

	itest_get(path, key, &r);
	cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
	v = json_incref(r.json);
	itest_resp_free(&r);
	return v;
}

static json_t *
endpoint_of(const char *key, const char *ep)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s", ep);
	return get_json(key, path);
}

static json_t *
delivery(const char *key, const char *id)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/deliveries/%s", id);
	return get_json(key, path);
}

Test(delivery, failing_endpoint_recovers_and_gets_every_event)
{
	struct itest_tenant t;
	char path[64], ep[64], secret[80], evt[3][64];
	json_t *list, *log, *d, *e, *h, *attempts;
	size_t i, j, n;

	setenv("KC_DELIVERY_SCHEDULE", "1s,1s,1s,1s,1s", 1);
	itest_tenant_new(&t, "Recovering Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_mode(path, "{\"status\":500}");
	itest_rcv_endpoint(t.key, path, NULL, ep, secret);
	for (i = 0; i < 3; i++)
		itest_lead(t.key, evt[i]);

	deliver_ok(t.biz, NULL);
	list = deliveries_of(t.key, ep);
	cr_assert_eq(json_array_size(list), 3);
	json_array_foreach(list, i, d)
	{
		cr_expect_str_eq(itest_jstr(d, "status"), "failed");
		cr_expect_eq(itest_jint(d, "attempts"), 1);
		cr_expect_eq(itest_jint(d, "last_status_code"), 500);
		cr_expect_str_eq(itest_jstr(d, "last_error"), "HTTP 500");
		cr_expect(
		    json_is_string(json_object_get(d, "next_attempt_at")));
	}
	json_decref(list);
	e = endpoint_of(t.key, ep);
	h = json_object_get(e, "health");
	cr_expect_eq(itest_jint(h, "consecutive_failures"), 3);
	cr_expect(json_is_string(json_object_get(h, "failing_since")));
	json_decref(e);

	/* The receiver recovers; the retries (1 s +-20 %) find it. */
	itest_rcv_mode(path, "{\"status\":200}");
	deliver_until_settled(t.biz, t.key, ep, 5000);

	list = deliveries_of(t.key, ep);
	json_array_foreach(list, i, d)
	{
		cr_expect_str_eq(itest_jstr(d, "status"), "delivered");
		cr_expect_eq(itest_jint(d, "attempts"), 2);
		cr_expect(json_is_null(json_object_get(d, "next_attempt_at")));
		cr_expect(json_is_string(json_object_get(d, "delivered_at")));
	}
	/* Every try is on record: the 500, then the 200. */
	d = delivery(t.key, itest_jstr(json_array_get(list, 0), "id"));
	attempts = json_object_get(d, "attempt_log");
	cr_assert_eq(json_array_size(attempts), 2);
	cr_expect_eq(itest_jint(json_array_get(attempts, 0), "status_code"),
		     500);
	cr_expect(
	    json_is_false(json_object_get(json_array_get(attempts, 0), "ok")));
	cr_expect_eq(itest_jint(json_array_get(attempts, 1), "status_code"),
		     200);
	cr_expect(
	    json_is_true(json_object_get(json_array_get(attempts, 1), "ok")));
	json_decref(d);
	json_decref(list);

	e = endpoint_of(t.key, ep);
	h = json_object_get(e, "health");
	cr_expect_eq(itest_jint(h, "consecutive_failures"), 0);
	cr_expect(json_is_null(json_object_get(h, "failing_since")));
	cr_expect(json_is_string(json_object_get(h, "last_success_at")));
	cr_expect_eq(itest_jint(h, "attempts_24h"), 6);
	cr_expect_float_eq(
	    json_real_value(json_object_get(h, "success_rate_24h")), 0.5, 1e-9);
	json_decref(e);

	/* Each event arrived (twice: once refused, once taken), signed with
	 * the endpoint's secret, with our user agent. */
	log = itest_rcv_log(path);
	cr_assert_eq(itest_jint(log, "count"), 6);
	for (i = 0; i < 3; i++) {
		n = 0;
		json_array_foreach(json_object_get(log, "requests"), j, d)
		{
			const char *body = itest_jstr(d, "body");

			if (strcmp(itest_jstr(d, "id"), evt[i]) != 0)
				continue;
			n++;
			cr_expect_eq(
			    kc_webhook_verify(
				secret, evt[i], itest_jstr(d, "timestamp"),
				body, strlen(body), itest_jstr(d, "signature"),
				(long long)time(NULL), 300),
			    0, "signature of %s does not verify", evt[i]);
			cr_expect(strncmp(itest_jstr(d, "user_agent"),
					  "KaiCalls-Webhooks/", 18) == 0);
			cr_expect_str_eq(itest_jstr(d, "content_type"),
					 "application/json");
		}
		cr_expect_eq(n, 2, "event %s arrived %zu times", evt[i], n);
	}
	json_decref(log);
}

/* Runs deliver, then again until the 1 s retry has come: with a one-retry
 * schedule against a refusing receiver, the endpoint's deliveries are then
 * dead. */
static void
make_dead(const char *biz, const char *key, const char *ep)
{
	setenv("KC_DELIVERY_SCHEDULE", "1s", 1);
	deliver_ok(biz, NULL);
	deliver_until_settled(biz, key, ep, 5000);
}

Test(delivery, dead_delivery_is_replayed_to_success)
{
	struct itest_tenant t, other;
	struct itest_resp r;
	char path[64], ep[64], evt[64], dead[64], next[64], rkey[64],
	    rkey_id[64], url[128];
	json_t *list, *d, *e, *log;

	itest_tenant_new(&t, "Dead Letter Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_mode(path, "{\"status\":500}");
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	itest_lead(t.key, evt);
	make_dead(t.biz, t.key, ep);

	list = deliveries_of(t.key, ep);
	cr_assert_eq(json_array_size(list), 1);
	d = json_array_get(list, 0);
	snprintf(dead, sizeof(dead), "%s", itest_jstr(d, "id"));
	cr_expect_str_eq(itest_jstr(d, "status"), "dead");
	cr_expect_eq(itest_jint(d, "attempts"), 2);
	cr_expect(json_is_null(json_object_get(d, "next_attempt_at")));
	json_decref(list);
	/* Dead deliveries are findable by status, and counted per endpoint. */
	snprintf(url, sizeof(url), "/v1/deliveries?status=dead&endpoint=%s",
		 ep);
	cr_expect_eq(itest_count(t.key, url), 1);
	e = endpoint_of(t.key, ep);
	cr_expect_eq(
	    itest_jint(json_object_get(e, "health"), "dead_deliveries"), 1);
	json_decref(e);

	/* Replay needs events:replay; another business sees nothing. */
	itest_key_new(&t, "events:read", rkey, rkey_id);
	snprintf(url, sizeof(url), "/v1/deliveries/%s/replay", dead);
	itest_post(rkey, url, NULL, &r);
	cr_expect_eq(r.status, 403, "%s", r.body);
	itest_resp_free(&r);
	itest_tenant_new(&other, "Nosy Co", "*");
	itest_post(other.key, url, NULL, &r);
	cr_expect_eq(r.status, 404, "%s", r.body);
	itest_resp_free(&r);
	snprintf(url, sizeof(url), "/v1/deliveries/%s", dead);
	itest_get(url, other.key, &r);
	cr_expect_eq(r.status, 404, "%s", r.body);
	cr_expect(strstr(r.body, evt) == NULL);
	itest_resp_free(&r);

	snprintf(url, sizeof(url), "/v1/deliveries/%s/replay", dead);
	itest_post(t.key, url, NULL, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(next, sizeof(next), "%s", itest_jstr(r.json, "id"));
	cr_expect_str_neq(next, dead);
	cr_expect_str_eq(itest_jstr(r.json, "status"), "pending");
	cr_expect_str_eq(itest_jstr(r.json, "replay_of"), dead);
	cr_expect_str_eq(itest_jstr(r.json, "event_id"), evt);
	itest_resp_free(&r);
	d = delivery(t.key, dead);
	cr_expect_str_eq(itest_jstr(d, "replayed_by"), next);
	json_decref(d);
	/* While it is pending, replaying it again is a conflict. */
	snprintf(url, sizeof(url), "/v1/deliveries/%s/replay", next);
	itest_post(t.key, url, NULL, &r);
	cr_expect_eq(r.status, 409, "%s", r.body);
	cr_expect_str_eq(itest_jstr(r.json, "code"), "delivery_in_progress");
	itest_resp_free(&r);

	/* The dead one was replayed already: a second replay of it would
	 * only duplicate; the answer names the newer delivery. */
	snprintf(url, sizeof(url), "/v1/deliveries/%s/replay", dead);
	itest_post(t.key, url, NULL, &r);
	cr_expect_eq(r.status, 409, "%s", r.body);
	cr_expect_str_eq(itest_jstr(r.json, "code"), "already_replayed");
	cr_expect(strstr(itest_jstr(r.json, "detail"), next) != NULL);
	itest_resp_free(&r);

	itest_rcv_mode(path, "{\"status\":204}");
	deliver_ok(t.biz, NULL);
	d = delivery(t.key, next);
	cr_expect_str_eq(itest_jstr(d, "status"), "delivered");
	cr_expect_eq(itest_jint(d, "last_status_code"), 204);
	json_decref(d);
	/* Same webhook-id as the original tries: receivers de-duplicate. */
	log = itest_rcv_log(path);
	cr_assert_eq(itest_jint(log, "count"), 3);
	cr_expect_str_eq(
	    itest_jstr(json_array_get(json_object_get(log, "requests"), 2),
		       "id"),
	    evt);
	json_decref(log);

	itest_get("/v1/audit-log", t.key, &r);
	cr_expect(strstr(r.body, "\"delivery.replayed\"") != NULL);
	itest_resp_free(&r);
}

Test(delivery, bulk_replay_of_an_endpoint)
{
	struct itest_tenant t, other;
	struct itest_resp r;
	char path[64], ep[64], url[160], rpl[64], body[256];
	json_t *v;
	int st;
	size_t i;

	/* Six refusals in a row would open the endpoint's circuit breaker
	 * and hold the last retries for its cool-down; the breaker has its
	 * own tests (test_fair.c). */
	setenv("KC_BREAKER_THRESHOLD", "1000", 1);
	itest_tenant_new(&t, "Bulk Replay Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_mode(path, "{\"status\":503}");
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	for (i = 0; i < 3; i++)
		itest_lead(t.key, NULL);
	make_dead(t.biz, t.key, ep);

	snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s/replay", ep);
	itest_post(t.key, url, "{\"status\":\"sometimes\"}", &r);
	cr_expect_eq(r.status, 422, "%s", r.body);
	itest_resp_free(&r);
	itest_post(t.key, url,
		   "{\"since\":\"2030-01-02T00:00:00Z\","
		   "\"until\":\"2030-01-01T00:00:00Z\"}",
		   &r);
	cr_expect_eq(r.status, 422, "%s", r.body);
	itest_resp_free(&r);
	itest_tenant_new(&other, "Other Bulk Co", "*");
	itest_post(other.key, url, "{}", &r);
	cr_expect_eq(r.status, 404, "%s", r.body);
	itest_resp_free(&r);

	snprintf(body, sizeof(body),
		 "{\"status\":\"dead\",\"since\":\"2020-01-01T00:00:00Z\"}");
	itest_post(t.key, url, body, &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(rpl, sizeof(rpl), "%s", itest_jstr(r.json, "id"));
	cr_expect_str_eq(itest_jstr(r.json, "status"), "pending");
	itest_resp_free(&r);

	snprintf(url, sizeof(url), "/v1/replays/%s", rpl);
	itest_get(url, other.key, &r);
	cr_expect_eq(r.status, 404, "%s", r.body);
	itest_resp_free(&r);

	{
		const char *args[] = {"replay", NULL};
		v = itest_kcctl(&st, args);
		cr_assert(st == 0 && v, "kcctl replay failed (%d)", st);
		json_decref(v);
	}
	v = get_json(t.key, url);
	cr_expect_str_eq(itest_jstr(v, "status"), "completed");
	cr_expect_eq(itest_jint(v, "total"), 3);
	cr_expect_eq(itest_jint(v, "done"), 3);
	cr_expect_eq(itest_jint(v, "delivered"), 0);
	json_decref(v);

	itest_rcv_mode(path, "{\"status\":200}");
	deliver_ok(t.biz, NULL);
	v = get_json(t.key, url);
	cr_expect_eq(itest_jint(v, "delivered"), 3);
	json_decref(v);
	/* 3 events x 2 refused tries, then each once more. */
	cr_expect_eq(itest_rcv_count(path), 9);

	/* Replayed deliveries are not picked again by the next request. */
	snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s/replay", ep);
	itest_post(t.key, url, "{\"status\":\"dead\"}", &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(rpl, sizeof(rpl), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	{
		const char *args[] = {"replay", NULL};
		v = itest_kcctl(&st, args);
		cr_assert(st == 0 && v);
		json_decref(v);
	}
	snprintf(url, sizeof(url), "/v1/replays/%s", rpl);
	v = get_json(t.key, url);
	cr_expect_str_eq(itest_jstr(v, "status"), "completed");
	cr_expect_eq(itest_jint(v, "total"), 0);
	json_decref(v);
}

/* Finds the delivery of the endpoint (it has exactly one). */
static json_t *
only_delivery(const char *key, const char *ep)
{
	json_t *list = deliveries_of(key, ep), *d;

	cr_assert_eq(json_array_size(list), 1);
	d = delivery(key, itest_jstr(json_array_get(list, 0), "id"));
	json_decref(list);
	return d;
}

/* Seconds from now to an RFC 3339 time (whole seconds). */
static long long
seconds_until(const char *rfc, time_t now)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	cr_assert(rfc && strptime(rfc, "%Y-%m-%dT%H:%M:%S", &tm), "%s",
		  rfc ? rfc : "(null)");
	return (long long)timegm(&tm) - (long long)now;
}

/* The endpoint's one delivery, expected to be waiting for a retry after
 * a first try that failed for the reason in needle. */
static json_t *
failed_with(const char *key, const char *ep, const char *needle)
{
	json_t *d = only_delivery(key, ep), *a;

	a = json_array_get(json_object_get(d, "attempt_log"), 0);
	cr_expect(strstr(itest_jstr(a, "error"), needle) != NULL, "%s",
		  itest_jstr(a, "error"));
	cr_expect_str_eq(itest_jstr(d, "status"), "failed");
	return d;
}

Test(delivery, receiver_answers_are_read_within_bounds)
{
	struct itest_tenant t;
	char limited[64], moved[64], slow[64], chatty[64], target[64];
	char ep_l[64], ep_m[64], ep_s[64], ep_c[64], mode[256], binary[64],
	    ep_b[64];
	json_t *d, *a;
	long long wait;
	time_t now = time(NULL);

	setenv("KC_DELIVERY_TIMEOUT", "1s", 1);
	setenv("KC_DELIVERY_LEASE", "10s", 1);
	itest_tenant_new(&t, "Difficult Receivers Co", "*");
	itest_rcv_path(limited, sizeof(limited));
	itest_rcv_path(moved, sizeof(moved));
	itest_rcv_path(slow, sizeof(slow));
	itest_rcv_path(chatty, sizeof(chatty));
	itest_rcv_path(target, sizeof(target));
	itest_rcv_mode(limited, "{\"status\":429,\"retry_after\":\"120\"}");
	snprintf(mode, sizeof(mode), "{\"status\":302,\"location\":\"%s%s\"}",
		 getenv("KC_RECEIVER_URL"), target);
	itest_rcv_mode(moved, mode);
	itest_rcv_mode(slow, "{\"status\":200,\"delay_ms\":3000}");
	itest_rcv_mode(chatty, "{\"status\":500,\"body_bytes\":10000}");
	itest_rcv_path(binary, sizeof(binary));
	itest_rcv_mode(binary, "{\"status\":502,"
			       "\"body_hex\":\"636166e92000206f6b20e282ac\"}");
	itest_rcv_endpoint(t.key, binary, NULL, ep_b, NULL);
	itest_rcv_endpoint(t.key, limited, NULL, ep_l, NULL);
	itest_rcv_endpoint(t.key, moved, NULL, ep_m, NULL);
	itest_rcv_endpoint(t.key, slow, NULL, ep_s, NULL);
	itest_rcv_endpoint(t.key, chatty, NULL, ep_c, NULL);
	itest_lead(t.key, NULL);
	deliver_ok(t.biz, NULL);

	/* 429 with Retry-After: 120 s, not the schedule's 5 s. */
	d = only_delivery(t.key, ep_l);
	cr_expect_str_eq(itest_jstr(d, "status"), "failed");
	cr_expect_eq(itest_jint(d, "last_status_code"), 429);
	wait = seconds_until(itest_jstr(d, "next_attempt_at"), now);
	cr_expect(wait >= 110 && wait <= 135,
		  "next try in %lld s, expected about 120", wait);
	json_decref(d);

	/* A redirect is a failure and is not followed. */
	d = only_delivery(t.key, ep_m);
	cr_expect_eq(itest_jint(d, "last_status_code"), 302);
	cr_expect(strstr(itest_jstr(d, "last_error"), "not followed") != NULL,
		  "%s", itest_jstr(d, "last_error"));
	cr_expect_eq(itest_rcv_count(target), 0);
	json_decref(d);

	/* A receiver slower than the limit is a timeout, cut at 1 s. */
	d = only_delivery(t.key, ep_s);
	a = json_array_get(json_object_get(d, "attempt_log"), 0);
	cr_expect(strncmp(itest_jstr(a, "error"), "timeout", 7) == 0, "%s",
		  itest_jstr(a, "error"));
	cr_expect(json_is_null(json_object_get(a, "status_code")));
	cr_expect(itest_jint(a, "duration_ms") >= 900 &&
		      itest_jint(a, "duration_ms") < 2500,
		  "took %lld ms", itest_jint(a, "duration_ms"));
	json_decref(d);

	/* Only the first 4 KiB of a long answer are kept. */
	d = only_delivery(t.key, ep_c);
	a = json_array_get(json_object_get(d, "attempt_log"), 0);
	cr_expect_eq(strlen(itest_jstr(a, "response_body")), 4096);
	cr_expect_eq(itest_jint(a, "status_code"), 500);
	json_decref(d);

	/* Bytes that are not UTF-8 are kept as '?', and recorded all the
	 * same: "caf\xe9 \0 ok \xe2\x82\xac" (Latin-1, a NUL, a euro). */
	d = only_delivery(t.key, ep_b);
	a = json_array_get(json_object_get(d, "attempt_log"), 0);
	cr_expect_str_eq(itest_jstr(a, "response_body"),
			 "caf? ? ok \xe2\x82\xac");
	cr_expect_eq(itest_jint(a, "status_code"), 502);
	json_decref(d);
}

Test(delivery, gone_disables_the_endpoint_and_tells_the_others)
{
	struct itest_tenant t;
	struct itest_resp r;
	char gone[64], watch[64], ep_g[64], ep_w[64];
	json_t *e, *d, *log, *body;

	itest_tenant_new(&t, "Gone Co", "*");
	itest_rcv_path(gone, sizeof(gone));
	itest_rcv_path(watch, sizeof(watch));
	itest_rcv_mode(gone, "{\"status\":410}");
	itest_rcv_endpoint(t.key, gone, "[\"lead.captured\"]", ep_g, NULL);
	itest_rcv_endpoint(t.key, watch, "[\"endpoint.disabled\"]", ep_w, NULL);
	itest_lead(t.key, NULL);
	deliver_ok(t.biz, NULL);

	d = only_delivery(t.key, ep_g);
	cr_expect_str_eq(itest_jstr(d, "status"), "dead");
	cr_expect_eq(itest_jint(d, "attempts"), 1);
	json_decref(d);
	e = endpoint_of(t.key, ep_g);
	cr_expect(json_is_false(json_object_get(e, "enabled")));
	cr_expect(strstr(itest_jstr(e, "disabled_reason"), "410") != NULL);
	json_decref(e);

	/* The other endpoint hears about it. */
	deliver_ok(t.biz, NULL);
	log = itest_rcv_log(watch);
	cr_assert_eq(itest_jint(log, "count"), 1);
	body = json_loads(
	    itest_jstr(json_array_get(json_object_get(log, "requests"), 0),
		       "body"),
	    0, NULL);
	cr_assert(body != NULL);
	cr_expect_str_eq(itest_jstr(body, "type"), "endpoint.disabled");
	cr_expect_str_eq(
	    itest_jstr(json_object_get(body, "data"), "endpoint_id"), ep_g);
	json_decref(body);
	json_decref(log);

	itest_get("/v1/audit-log", t.key, &r);
	cr_expect(strstr(r.body, "\"webhook_endpoint.disabled\"") != NULL, "%s",
		  r.body);
	itest_resp_free(&r);

	/* New events no longer go to it. */
	itest_lead(t.key, NULL);
	{
		json_t *list = deliveries_of(t.key, ep_g);
		cr_expect_eq(json_array_size(list), 1);
		json_decref(list);
	}
}

Test(delivery, endpoint_failing_too_long_is_disabled_until_reenabled)
{
	struct itest_tenant t;
	struct itest_resp r;
	char path[64], ep[64], url[128];
	json_t *e, *h, *st;
	long long t0, disabled;

	setenv("KC_DELIVERY_SCHEDULE", "1s,1s,1s,1s,1s", 1);
	setenv("KC_ENDPOINT_DISABLE_AFTER", "2s", 1);
	itest_tenant_new(&t, "Failing Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_mode(path, "{\"status\":500}");
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	itest_lead(t.key, NULL);
	t0 = itest_mono_ms();
	deliver_ok(t.biz, &st);
	cr_expect_eq(itest_jint(st, "endpoints_disabled"), 0);
	json_decref(st);
	/* The retries (1 s apart) keep failing; the run that finds the
	 * streak older than 2 s disables the endpoint, and no run before. */
	for (disabled = 0; disabled == 0;) {
		cr_assert(itest_mono_ms() < t0 + 8000,
			  "still enabled after 8 s of failures");
		itest_msleep(100);
		deliver_ok(t.biz, &st);
		disabled = itest_jint(st, "endpoints_disabled");
		json_decref(st);
	}
	cr_expect_eq(disabled, 1);
	cr_expect(itest_mono_ms() - t0 >= 2000,
		  "disabled after %lld ms of failures, before the 2 s",
		  itest_mono_ms() - t0);

	e = endpoint_of(t.key, ep);
	cr_expect(json_is_false(json_object_get(e, "enabled")));
	cr_expect(strstr(itest_jstr(e, "disabled_reason"), "failing") != NULL,
		  "%s", itest_jstr(e, "disabled_reason"));
	cr_expect(json_is_string(json_object_get(e, "disabled_at")));
	json_decref(e);

	/* Turned back on, it starts with a clean record. */
	snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s", ep);
	itest_http("PATCH", url, t.key, "{\"enabled\":true}", 16, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_resp_free(&r);
	e = endpoint_of(t.key, ep);
	h = json_object_get(e, "health");
	cr_expect(json_is_true(json_object_get(e, "enabled")));
	cr_expect(json_is_null(json_object_get(e, "disabled_reason")));
	cr_expect_eq(itest_jint(h, "consecutive_failures"), 0);
	cr_expect(json_is_null(json_object_get(h, "failing_since")));
	json_decref(e);
}

Test(delivery, internal_address_refused_at_delivery_time)
{
	struct itest_tenant t;
	char path[64], ep[64];
	json_t *d;

	itest_tenant_new(&t, "Rebinding Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	itest_lead(t.key, NULL);
	/* As if the name now resolved somewhere internal: the worker's own
	 * policy no longer allows loopback, whatever was checked at save. */
	setenv("KC_WEBHOOK_ALLOW_HOSTS", "", 1);
	deliver_ok(t.biz, NULL);
	d = failed_with(t.key, ep, "address not allowed");
	cr_expect_eq(itest_rcv_count(path), 0);
	json_decref(d);
}

/* A delivery row of owner_ep's business for event evt to endpoint ep,
 * whichever businesses evt and ep belong to: a row no code path writes,
 * as a bug or a hand-made repair might. */
static void
crossed_delivery(const char *id, const char *owner_ep, const char *evt,
		 const char *ep)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO deliveries (public_id, business_id, event_id, "
		 "endpoint_id, status, next_attempt_at, created_at, "
		 "updated_at) SELECT '%s', o.business_id, e.id, w.id, "
		 "'pending', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), "
		 "UTC_TIMESTAMP(6) FROM webhook_endpoints o JOIN events e ON "
		 "e.public_id = '%s' JOIN webhook_endpoints w ON w.public_id = "
		 "'%s' WHERE o.public_id = '%s'",
		 id, evt, ep, owner_ep);
	cr_assert_eq(itest_admin_sql(sql), 0);
}

/* A delivery row whose event or endpoint belongs to another business is
 * never sent, so one business's payload never reaches another's receiver
 * or key; the claim that meets it marks it dead, so that it holds no slot
 * of the endpoint. */
Test(delivery, claim_never_joins_another_business)
{
	struct itest_tenant a, b;
	char path_a[64], path_b[64], ep_a[64], ep_b[64], evt_a[64], evt_b[64];
	char x1[80], x2[80], sql[512], v[64];
	json_t *out, *log;
	int st;

	itest_tenant_new(&a, "Claim A Co", "*");
	itest_tenant_new(&b, "Claim B Co", "*");
	itest_rcv_path(path_a, sizeof(path_a));
	itest_rcv_path(path_b, sizeof(path_b));
	itest_rcv_endpoint(a.key, path_a, NULL, ep_a, NULL);
	itest_lead(b.key, evt_b); /* before B has an endpoint: not owed */
	itest_rcv_endpoint(b.key, path_b, NULL, ep_b, NULL);
	itest_lead(a.key, evt_a); /* owed to ep_a only */
	snprintf(x1, sizeof(x1), "x1_%s", evt_a);
	snprintf(x2, sizeof(x2), "x2_%s", evt_a);
	crossed_delivery(x1, ep_a, evt_b, ep_a); /* B's event to A */
	crossed_delivery(x2, ep_a, evt_a, ep_b); /* A's event to B */
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM deliveries WHERE public_id IN ('%s', "
		 "'%s') AND next_attempt_at <= UTC_TIMESTAMP(6)",
		 x1, x2);
	itest_admin_value(sql, v, sizeof(v));
	cr_assert_str_eq(v, "2", "both crossed rows are due for A's worker");

	/* Rows no code path writes wake no queue: B's endpoint's is woken by
	 * hand, so that the worker of B meets the row owed to it. */
	snprintf(sql, sizeof(sql),
		 "UPDATE delivery_queues q JOIN webhook_endpoints w ON w.id = "
		 "q.endpoint_id SET q.due_at = UTC_TIMESTAMP(6) WHERE "
		 "w.public_id = '%s'",
		 ep_b);
	cr_assert_eq(itest_admin_sql(sql), 0);

	out = itest_deliver(a.biz, &st);
	cr_assert(st == 0 && out, "kcctl deliver failed (%d)", st);
	cr_expect_eq(itest_jint(out, "claimed"), 1);
	cr_expect_eq(itest_jint(out, "delivered"), 1);
	json_decref(out);
	out = itest_deliver(b.biz, &st);
	cr_assert(st == 0 && out, "kcctl deliver failed (%d)", st);
	cr_expect_eq(itest_jint(out, "claimed"), 0);
	json_decref(out);
	log = itest_rcv_log(path_a);
	cr_expect_eq(itest_jint(log, "count"), 1);
	cr_expect_str_eq(
	    itest_jstr(json_array_get(json_object_get(log, "requests"), 0),
		       "id"),
	    evt_a);
	json_decref(log);
	cr_expect_eq(itest_rcv_count(path_b), 0);
	/* Taken by the claims and marked dead there, never tried: left
	 * owed, each would come back at every lease's end and hold a slot of
	 * its endpoint for ever. */
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM deliveries d WHERE d.public_id IN "
		 "('%s', '%s') AND d.status = 'dead' AND d.lease_owner IS NULL "
		 "AND d.next_attempt_at IS NULL AND d.last_error LIKE "
		 "'%%another business%%' AND NOT EXISTS (SELECT 1 FROM "
		 "delivery_attempts t WHERE t.delivery_id = d.id)",
		 x1, x2);
	itest_admin_value(sql, v, sizeof(v));
	cr_expect_str_eq(v, "2", "crossed rows dead, never tried");
	/* No slot counted for them, and nothing owed any more. */
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM delivery_queues q JOIN "
		 "webhook_endpoints w ON w.id = q.endpoint_id WHERE "
		 "w.public_id IN ('%s', '%s') AND q.in_flight = 0 AND q.due_at "
		 "IS NULL",
		 ep_a, ep_b);
	itest_admin_value(sql, v, sizeof(v));
	cr_expect_str_eq(v, "2", "a queue still counts or owes them");

	/* Gone again, so that no later worker over every business meets
	 * them. */
	snprintf(sql, sizeof(sql),
		 "DELETE t FROM delivery_attempts t JOIN deliveries d ON d.id "
		 "= t.delivery_id WHERE d.public_id IN ('%s', '%s'); DELETE "
		 "FROM deliveries WHERE public_id IN ('%s', '%s')",
		 x1, x2, x1, x2);
	cr_assert_eq(itest_admin_sql(sql), 0);
}

Test(delivery, inspection_input_is_checked)
{
	struct itest_tenant t;
	struct itest_resp r;
	static const char *const bad[] = {
	    "/v1/deliveries?since=yesterday",
	    "/v1/deliveries?until=2026-13-01T00:00:00Z",
	    "/v1/deliveries?status=lost",
	    "/v1/deliveries?endpoint=nope",
	    "/v1/deliveries?colour=red",
	};
	size_t i;

	itest_tenant_new(&t, "Curious Co", "*");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		itest_get(bad[i], t.key, &r);
		cr_expect_eq(r.status, 400, "%s: %ld %s", bad[i], r.status,
			     r.body);
		itest_resp_free(&r);
	}
	itest_get("/v1/deliveries/dlv_doesnotexist00000000", t.key, &r);
	cr_expect_eq(r.status, 404);
	itest_resp_free(&r);
	itest_get("/v1/replays/rpl_doesnotexist00000000", t.key, &r);
	cr_expect_eq(r.status, 404);
	itest_resp_free(&r);
}

/* kcctl deliver --business biz as a child process (argv extra may add
 * --for). Its stdout goes to out_fd when >= 0. */
static pid_t
spawn_worker(const char *biz, const char *window, int out_fd)
{
	const char *kcctl = getenv("KC_KCCTL"), *conf = getenv("KC_CONF");
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		if (out_fd >= 0)
			dup2(out_fd, 1);
		else
			freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		if (window)
			execl(kcctl, kcctl, "--conf", conf, "--json", "deliver",
			      "--business", biz, "--for", window, (char *)NULL);
		else
			execl(kcctl, kcctl, "--conf", conf, "--json", "deliver",
			      "--business", biz, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Per event id, how often the receiver got it; returns the number of
 * distinct ids and sets *dups to the arrivals beyond the first. */
static size_t
tally(const char *path, size_t *dups)
{
	json_t *log = itest_rcv_log(path), *seen = json_object(), *d;
	size_t i, distinct = 0;

	*dups = 0;
	json_array_foreach(json_object_get(log, "requests"), i, d)
	{
		const char *id = itest_jstr(d, "id");
		json_t *n = json_object_get(seen, id);

		if (n) {
			(*dups)++;
			json_integer_set(n, json_integer_value(n) + 1);
		} else {
			json_object_set_new(seen, id, json_integer(1));
			distinct++;
		}
	}
	json_decref(seen);
	json_decref(log);
	return distinct;
}

/* A business whose one endpoint (answering as mode says) is owed n
 * deliveries. path and ep need 64 bytes. */
static void
backlog(struct itest_tenant *t, const char *name, const char *mode, size_t n,
	char *path, char *ep)
{
	size_t i;

	itest_tenant_new(t, name, "*");
	itest_key_unlimited(t->key_id);
	itest_rcv_path(path, 64);
	itest_rcv_mode(path, mode);
	itest_rcv_endpoint(t->key, path, NULL, ep, NULL);
	for (i = 0; i < n; i++)
		itest_lead(t->key, NULL);
}

Test(delivery, several_workers_never_send_the_same_attempt_twice)
{
	enum { N = 240, W = 3 };
	struct itest_tenant t;
	char path[64], ep[64];
	int pipes[W][2];
	pid_t pid[W];
	size_t i, dups, claimed = 0;
	long long c[W];
	json_t *v;

	setenv("KC_DELIVERY_BATCH", "20", 1);
	/* Each answer takes 200 ms: one worker alone would need over 2 s for
	 * the backlog, so every worker, however late it starts, finds work
	 * and really competes for it. */
	backlog(&t, "Busy Co", "{\"status\":200,\"delay_ms\":200}", N, path,
		ep);
	/* Room for every worker's slots at once: what is tested here is that
	 * no delivery goes twice, not the endpoint's limit (test_fair.c). */
	{
		struct itest_resp r;
		char url[128];

		snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s", ep);
		itest_http("PATCH", url, t.key, "{\"max_in_flight\":100}", 21,
			   NULL, &r);
		cr_assert_eq(r.status, 200, "%s", r.body);
		itest_resp_free(&r);
	}

	for (i = 0; i < W; i++) {
		cr_assert(pipe(pipes[i]) == 0);
		pid[i] = spawn_worker(t.biz, NULL, pipes[i][1]);
		close(pipes[i][1]);
	}
	for (i = 0; i < W; i++) {
		v = itest_worker_wait(pid[i], pipes[i][0]);
		c[i] = itest_jint(v, "claimed");
		claimed += (size_t)c[i];
		fprintf(stderr, "worker %zu claimed %lld\n", i, c[i]);
		json_decref(v);
	}
	for (i = 0; i < W; i++)
		cr_expect_gt(c[i], 0, "worker %zu claimed nothing", i);
	cr_expect_eq(claimed, N, "the workers claimed %zu in all", claimed);
	cr_expect_eq(tally(path, &dups), N);
	cr_expect_eq(dups, 0, "%zu events were sent twice", dups);
	cr_expect_eq(itest_rcv_count(path), N);
	cr_expect_eq(count_status(t.key, ep, "pending"), 0);
	cr_expect_eq(count_status(t.key, ep, "in_flight"), 0);
}

Test(delivery, killed_workers_lose_nothing)
{
	enum { N = 200, KILLS = 5, BATCH = 20 };
	struct itest_tenant t;
	char path[64], ep[64];
	size_t i, dups, distinct, seen;
	long long deadline;
	unsigned char r;
	FILE *f;
	pid_t pid;
	int st;

	setenv("KC_DELIVERY_BATCH", "20", 1);
	setenv("KC_DELIVERY_LEASE", "2s", 1);
	setenv("KC_DELIVERY_TIMEOUT", "1s", 1);
	/* The receiver holds each answer 200 ms: a request seen there is
	 * still unanswered, so not yet recorded, for a while. */
	backlog(&t, "Crashy Co", "{\"status\":200,\"delay_ms\":200}", N, path,
		ep);

	f = fopen("/dev/urandom", "r");
	cr_assert(f != NULL);
	for (i = 0; i < KILLS; i++) {
		seen = itest_rcv_count(path);
		pid = spawn_worker(t.biz, "30s", -1);
		/* Once this worker's requests reach the receiver... */
		itest_wait_received(path, seen + 1, 10000);
		/* ...every other kill comes at once, with those requests
		 * surely out and unrecorded; the others land anywhere in the
		 * next 400 ms (answers coming in, recording, the next
		 * claim). This sleep is the scenario: when to kill. */
		if (i % 2) {
			cr_assert(fread(&r, 1, 1, f) == 1);
			itest_msleep((long)r * 400 / 256);
		}
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		cr_assert(WIFSIGNALED(st));
	}
	fclose(f);
	/* What the killed workers held comes back when the leases (2 s)
	 * end: workers run until nothing waits any more. */
	deadline = itest_mono_ms() + 20000;
	for (;;) {
		pid = spawn_worker(t.biz, NULL, -1);
		waitpid(pid, &st, 0);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		if (count_status(t.key, ep, "in_flight") == 0 &&
		    count_status(t.key, ep, "pending") == 0 &&
		    count_status(t.key, ep, "failed") == 0)
			break;
		cr_assert(itest_mono_ms() < deadline,
			  "deliveries still waiting 20 s after the kills");
		itest_msleep(100);
	}

	distinct = tally(path, &dups);
	fprintf(stderr, "%d kills: %zu events, %zu duplicates\n", KILLS,
		distinct, dups);
	cr_expect_eq(distinct, N, "only %zu of %d events arrived", distinct, N);
	/* A kill landed with work in flight (sent, not recorded), and that
	 * work was sent again: the receiver got more requests than events. */
	cr_expect_gt(dups, 0, "no kill caught a delivery in flight");
	/* A duplicate is a delivery sent but not yet recorded at a kill:
	 * at most one batch per kill. */
	cr_expect(dups <= (size_t)KILLS * BATCH, "%zu duplicates", dups);
	cr_expect_eq(count_status(t.key, ep, "dead"), 0);
}

Test(delivery, worker_in_its_window_sends_new_events_within_a_second)
{
	struct itest_tenant t;
	char path[64], ep[64];
	json_t *log;
	long long latency;
	pid_t pid;
	int st;

	itest_tenant_new(&t, "Prompt Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	pid = spawn_worker(t.biz, "5s", -1);
	/* A first event shows the worker is up; the second comes while it
	 * idles, polling, and is the one timed. */
	itest_lead(t.key, NULL);
	itest_wait_received(path, 1, 3000);
	itest_lead(t.key, NULL);
	itest_wait_received(path, 2, 1500);
	log = itest_rcv_log(path);
	cr_assert_eq(itest_jint(log, "count"), 2);
	/* From the event's creation (inside its transaction) to receipt. */
	latency = itest_jint(
	    json_array_get(json_object_get(log, "requests"), 1), "latency_ms");
	fprintf(stderr, "commit to receipt: %lld ms\n", latency);
	cr_expect(latency >= 0 && latency < 1000, "took %lld ms", latency);
	json_decref(log);
	waitpid(pid, &st, 0);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

Test(delivery, unsignable_delivery_waits_its_schedule)
{
	struct itest_tenant t;
	char path[64], ep[64];
	json_t *d;
	long long wait;
	time_t now;

	itest_tenant_new(&t, "Wrong Key Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	itest_lead(t.key, NULL);
	/* A worker deployed with another master key cannot open the secret:
	 * the try fails visibly and the next waits the schedule (5 s). */
	setenv("KC_MASTER_KEY",
	       "0f0e0d0c0b0a09080706050403020100"
	       "0f0e0d0c0b0a09080706050403020100",
	       1);
	now = time(NULL);
	deliver_ok(t.biz, NULL);
	d = failed_with(t.key, ep, "could not sign");
	wait = seconds_until(itest_jstr(d, "next_attempt_at"), now);
	cr_expect(wait >= 3 && wait <= 7, "next try in %lld s", wait);
	cr_expect_eq(itest_rcv_count(path), 0);
	json_decref(d);
}

Test(delivery, a_slow_receiver_holds_up_only_its_own_deliveries)
{
	struct itest_tenant t;
	char slow[64], fast[64], ep_slow[64], ep_fast[64];
	long long deadline;
	pid_t pid;
	int st, i;

	itest_tenant_new(&t, "Mixed Receivers Co", "*");
	itest_rcv_path(slow, sizeof(slow));
	itest_rcv_path(fast, sizeof(fast));
	itest_rcv_mode(slow, "{\"status\":200,\"delay_ms\":2500}");
	itest_rcv_endpoint(t.key, slow, NULL, ep_slow, NULL);
	itest_rcv_endpoint(t.key, fast, NULL, ep_fast, NULL);
	for (i = 0; i < 5; i++)
		itest_lead(t.key, NULL);
	pid = spawn_worker(t.biz, "6s", -1);
	/* The fast endpoint's deliveries are done and recorded while the
	 * slow one's are still out (each held 2.5 s at the receiver). */
	deadline = itest_mono_ms() + 5000;
	while (count_status(t.key, ep_fast, "delivered") < 5) {
		cr_assert(itest_mono_ms() < deadline,
			  "the fast endpoint's deliveries are not done");
		itest_msleep(20);
	}
	cr_expect_eq(count_status(t.key, ep_slow, "in_flight"), 5);
	waitpid(pid, &st, 0);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_expect_eq(count_status(t.key, ep_slow, "delivered"), 5);
}
