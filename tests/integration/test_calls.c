/* Call ingest: call.started and call.ended with the transcript. */
#include "itest.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(calls, .init = itest_setup, .timeout = 60);

static const char start_body[] =
    "{\"direction\":\"inbound\",\"from\":\"+14155550123\","
    "\"to\":\"+14155550100\",\"started_at\":\"2026-11-26T15:04:05Z\"}";

static const char end_body[] =
    "{\"ended_at\":\"2026-11-26T15:07:41Z\",\"duration_seconds\":216,"
    "\"outcome\":\"lead_captured\",\"summary\":\"Wants a cleaning.\","
    "\"transcript\":[{\"speaker\":\"agent\",\"text\":\"Bright Smile "
    "Dental, this is Kai.\"},{\"speaker\":\"caller\",\"text\":\"I need a "
    "cleaning.\",\"offset_seconds\":4}],\"recording_url\":"
    "\"https://recordings.example/r/1.mp3\"}";

static void
start_call(const char *key, char *id)
{
	struct itest_resp r;

	itest_post(key, "/v1/calls", start_body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(id, 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
}

Test(calls, a_call_starts_and_ends_with_events)
{
	struct itest_tenant t;
	struct itest_resp r;
	char call[64], path[160], lead[256];
	const json_t *ev;

	itest_tenant_new(&t, "Calls Co", "*");
	start_call(t.key, call);
	cr_assert(strncmp(call, "call_", 5) == 0);
	itest_get("/v1/agent", t.key, &r);
	char agent[64];
	snprintf(agent, sizeof(agent), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);

	snprintf(path, sizeof(path), "/v1/calls/%s", call);
	itest_get(path, t.key, &r);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "in_progress");
	cr_assert_str_eq(itest_jstr(r.json, "agent_id"), agent);
	cr_assert_str_eq(itest_jstr(r.json, "started_at"),
			 "2026-11-26T15:04:05.000Z");
	itest_resp_free(&r);

	snprintf(path, sizeof(path), "/v1/calls/%s/end", call);
	itest_post(t.key, path, end_body, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "ended");
	cr_assert_eq(
	    json_integer_value(json_object_get(r.json, "duration_seconds")),
	    216);
	cr_assert_eq(json_array_size(json_object_get(r.json, "transcript")), 2);
	itest_resp_free(&r);

	/* Ending twice is a conflict, not a second event. */
	itest_post(t.key, path, end_body, &r);
	cr_assert_eq(r.status, 409, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "call_already_ended");
	itest_resp_free(&r);

	itest_get("/v1/events?type=call.ended", t.key, &r);
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 1);
	ev = json_object_get(json_array_get(json_object_get(r.json, "data"), 0),
			     "data");
	cr_assert_str_eq(itest_jstr(ev, "call_id"), call);
	cr_assert_str_eq(itest_jstr(ev, "outcome"), "lead_captured");
	cr_assert_eq(json_array_size(json_object_get(ev, "transcript")), 2);
	itest_resp_free(&r);
	cr_assert_eq(itest_count(t.key, "/v1/events?type=call.started"), 1);

	/* Lists leave the transcript out; the status filter works. */
	itest_get("/v1/calls?status=ended", t.key, &r);
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 1);
	cr_assert_null(json_object_get(
	    json_array_get(json_object_get(r.json, "data"), 0), "transcript"));
	itest_resp_free(&r);
	cr_assert_eq(itest_count(t.key, "/v1/calls?status=in_progress"), 0);

	/* A lead may point at the call. */
	snprintf(lead, sizeof(lead),
		 "{\"call_id\":\"%s\",\"phone\":\"+14155550123\","
		 "\"intent\":\"booking\"}",
		 call);
	itest_post(t.key, "/v1/leads", lead, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "call_id"), call);
	itest_resp_free(&r);
}

Test(calls, bad_calls_name_the_field_and_write_nothing)
{
	static const struct {
		const char *path, *body, *code, *field;
	} cases[] = {
	    {"/v1/calls",
	     "{\"direction\":\"sideways\",\"from\":\"+14155550123\",\"to\":"
	     "\"+14155550100\",\"started_at\":\"2026-11-26T15:04:05Z\"}",
	     "invalid_enum", "direction"},
	    {"/v1/calls",
	     "{\"direction\":\"inbound\",\"from\":\"555-0123\",\"to\":"
	     "\"+14155550100\",\"started_at\":\"2026-11-26T15:04:05Z\"}",
	     "invalid_phone_number", "from"},
	    {"/v1/calls",
	     "{\"direction\":\"inbound\",\"from\":\"+14155550123\",\"to\":"
	     "\"+14155550100\",\"started_at\":\"yesterday\"}",
	     "invalid_time", "started_at"},
	    {"/v1/calls",
	     "{\"direction\":\"inbound\",\"from\":\"+14155550123\",\"to\":"
	     "\"+14155550100\",\"started_at\":\"2026-11-26T15:04:05Z\","
	     "\"agent_id\":\"agt_00000000000000000000\"}",
	     "unknown_agent", "agent_id"},
	};
	struct itest_tenant t;
	struct itest_resp r;
	size_t i;

	itest_tenant_new(&t, "Bad Calls Co", "*");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		itest_post(t.key, cases[i].path, cases[i].body, &r);
		cr_assert_eq(r.status, 422, "%s", r.body);
		cr_assert_str_eq(itest_jstr(r.json, "code"), cases[i].code,
				 "%s", r.body);
		cr_assert_str_eq(itest_jstr(r.json, "field"), cases[i].field);
		itest_resp_free(&r);
	}
	cr_assert_eq(itest_count(t.key, "/v1/calls"), 0);
	cr_assert_eq(itest_count(t.key, "/v1/events"), 0);
}

Test(calls, bad_endings_and_the_transcript_limit)
{
	struct itest_tenant t;
	struct itest_resp r;
	char call[64], path[160];
	size_t n = 300 * 1024, i, o;
	char *big = malloc(n + 1024);

	itest_tenant_new(&t, "Transcript Co", "*");
	start_call(t.key, call);
	snprintf(path, sizeof(path), "/v1/calls/%s/end", call);

	itest_post(
	    t.key, path,
	    "{\"ended_at\":\"2026-11-26T15:07:41Z\",\"duration_seconds\":1,"
	    "\"outcome\":\"completed\",\"transcript\":[{\"speaker\":\"agent\","
	    "\"text\":\"hi\"},{\"speaker\":\"robot\",\"text\":\"beep\"}]}",
	    &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "transcript[1].speaker");
	itest_resp_free(&r);
	itest_post(
	    t.key, path,
	    "{\"ended_at\":\"2026-11-26T15:07:41Z\",\"duration_seconds\":-1,"
	    "\"outcome\":\"completed\"}",
	    &r);
	cr_assert_eq(r.status, 422);
	cr_assert_str_eq(itest_jstr(r.json, "field"), "duration_seconds");
	itest_resp_free(&r);

	/* 300 KiB of transcript in 100 segments: over the 256 KiB limit. */
	cr_assert(big);
	o = (size_t)sprintf(big, "{\"ended_at\":\"2026-11-26T15:07:41Z\","
				 "\"duration_seconds\":1,\"outcome\":"
				 "\"completed\",\"transcript\":[");
	for (i = 0; i < 100; i++) {
		o += (size_t)sprintf(big + o,
				     "%s{\"speaker\":\"caller\","
				     "\"text\":\"",
				     i ? "," : "");
		memset(big + o, 'a', 3000);
		o += 3000;
		o += (size_t)sprintf(big + o, "\"}");
	}
	o += (size_t)sprintf(big + o, "]}");
	itest_http("POST", path, t.key, big, o, NULL, &r);
	free(big);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "too_long");
	cr_assert_str_eq(itest_jstr(r.json, "field"), "transcript");
	itest_resp_free(&r);
	cr_assert_eq(itest_count(t.key, "/v1/calls?status=in_progress"), 1);
	cr_assert_eq(itest_count(t.key, "/v1/events?type=call.ended"), 0);
}

/* One request by key about B's real object (path, body) and the same about
 * one that never existed (mpath, mbody): the answers are the same. */
static void
like_missing(const char *key, const char *path, const char *body,
	     const char *mpath, const char *mbody)
{
	const char *method = body ? "POST" : "GET";
	struct itest_resp rt, rm;

	itest_http(method, path, key, body, body ? strlen(body) : 0, NULL, &rt);
	itest_http(method, mpath, key, mbody, mbody ? strlen(mbody) : 0, NULL,
		   &rm);
	itest_assert_like_missing(&rt, &rm);
	itest_resp_free(&rt);
	itest_resp_free(&rm);
}

Test(calls, calls_are_isolated)
{
	struct itest_tenant a, b;
	struct itest_resp before, after;
	char call[64], missing[64], path[160], p1[160], p2[160], l1[256],
	    l2[256];
	size_t a_events;

	itest_tenant_new(&a, "Calls A", "*");
	itest_tenant_new(&b, "Calls B", "*");
	start_call(a.key, call);
	itest_missing_id(call, missing, sizeof(missing));
	snprintf(path, sizeof(path), "/v1/calls/%s", call);
	itest_get(path, a.key, &before);
	cr_assert_eq(before.status, 200, "%s", before.body);
	a_events = itest_count(a.key, "/v1/events");

	/* B can neither end nor read A's call, nor hang a lead on it: each
	 * is answered as for a call that never existed. */
	snprintf(p1, sizeof(p1), "/v1/calls/%s/end", call);
	snprintf(p2, sizeof(p2), "/v1/calls/%s/end", missing);
	like_missing(b.key, p1, end_body, p2, end_body);
	snprintf(p2, sizeof(p2), "/v1/calls/%s", missing);
	like_missing(b.key, path, NULL, p2, NULL);
	snprintf(l1, sizeof(l1),
		 "{\"call_id\":\"%s\",\"phone\":\"+14155550123\","
		 "\"intent\":\"booking\"}",
		 call);
	snprintf(l2, sizeof(l2),
		 "{\"call_id\":\"%s\",\"phone\":\"+14155550123\","
		 "\"intent\":\"booking\"}",
		 missing);
	like_missing(b.key, "/v1/leads", l1, "/v1/leads", l2);

	/* Nothing was written: no lead on either side, no event, and A's
	 * call is as it was, still in progress. */
	cr_assert_eq(itest_count(b.key, "/v1/calls"), 0);
	cr_assert_eq(itest_count(b.key, "/v1/leads"), 0);
	cr_assert_eq(itest_count(b.key, "/v1/events"), 0);
	cr_assert_eq(itest_count(a.key, "/v1/leads"), 0);
	cr_assert_eq(itest_count(a.key, "/v1/events"), a_events);
	itest_get(path, a.key, &after);
	cr_assert_str_eq(itest_jstr(after.json, "status"), "in_progress");
	cr_assert(json_equal(before.json, after.json), "before: %s\nafter: %s",
		  before.body, after.body);
	itest_resp_free(&before);
	itest_resp_free(&after);
}
