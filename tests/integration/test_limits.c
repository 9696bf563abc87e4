/* The size limits README.md promises on ingest: a lead's notes and a
 * call's summary at most 4000 bytes, a transcript at most 5000 segments
 * and 256 KiB as JSON. Exactly at a limit is accepted and stored whole;
 * one past it is a 422 naming the field, and nothing is written. */
#include "itest.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(limits, .init = itest_setup, .timeout = 60);

#define TRANSCRIPT_MAX (256 * 1024)

/* "{"phone":…,"intent":"other","notes":"<notes>"}" (notes as given:
 * plain characters, no escapes needed). */
static char *
lead_body(const char *notes)
{
	char phone[32], *b;
	size_t cap = strlen(notes) + 128;

	itest_random_number(phone, sizeof(phone));
	b = malloc(cap);
	cr_assert(b != NULL);
	snprintf(b, cap,
		 "{\"phone\":\"%s\",\"intent\":\"other\",\"notes\":\"%s\"}",
		 phone, notes);
	return b;
}

/* n copies of the UTF-8 text unit, NUL-terminated. */
static char *
repeat(const char *unit, size_t n)
{
	size_t u = strlen(unit), i;
	char *s = malloc(u * n + 1);

	cr_assert(s != NULL);
	for (i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	s[u * n] = '\0';
	return s;
}

static void
expect_too_long(const struct itest_resp *r, const char *field)
{
	cr_expect_eq(r->status, 422, "%s: %ld %.300s", field, r->status,
		     r->body);
	cr_expect_str_eq(itest_jstr(r->json, "code"), "too_long", "%.300s",
			 r->body);
	cr_expect_str_eq(itest_jstr(r->json, "field"), field, "%.300s",
			 r->body);
}

Test(limits, lead_notes_are_at_most_4000_bytes)
{
	struct itest_tenant t;
	struct itest_resp r;
	char path[128], *notes, *body, *euros;

	itest_tenant_new(&t, "Long Notes Co", "*");

	/* 4001 bytes, and 4002 bytes in only 1334 characters: the limit
	 * counts bytes. */
	notes = repeat("n", 4001);
	body = lead_body(notes);
	itest_post(t.key, "/v1/leads", body, &r);
	expect_too_long(&r, "notes");
	itest_resp_free(&r);
	free(body);
	free(notes);
	notes = repeat("\xe2\x82\xac", 1334);
	body = lead_body(notes);
	itest_post(t.key, "/v1/leads", body, &r);
	expect_too_long(&r, "notes");
	itest_resp_free(&r);
	free(body);
	free(notes);
	cr_expect_eq(itest_count(t.key, "/v1/leads"), 0);
	cr_expect_eq(itest_count(t.key, "/v1/events"), 0);

	/* Exactly 4000 bytes, ASCII and multi-byte: accepted, kept whole. */
	notes = repeat("n", 4000);
	body = lead_body(notes);
	itest_post(t.key, "/v1/leads", body, &r);
	cr_assert_eq(r.status, 201, "%.300s", r.body);
	snprintf(path, sizeof(path), "/v1/leads/%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 200, "%.300s", r.body);
	cr_expect_str_eq(itest_jstr(r.json, "notes"), notes);
	itest_resp_free(&r);
	free(body);
	free(notes);

	euros = repeat("\xe2\x82\xac", 1333); /* 3999 bytes */
	notes = malloc(4001);
	cr_assert(notes != NULL);
	snprintf(notes, 4001, "%sn", euros);
	body = lead_body(notes);
	itest_post(t.key, "/v1/leads", body, &r);
	cr_assert_eq(r.status, 201, "%.300s", r.body);
	snprintf(path, sizeof(path), "/v1/leads/%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	itest_get(path, t.key, &r);
	cr_expect_str_eq(itest_jstr(r.json, "notes"), notes);
	itest_resp_free(&r);
	free(body);
	free(notes);
	free(euros);

	cr_expect_eq(itest_count(t.key, "/v1/leads"), 2);
	cr_expect_eq(itest_count(t.key, "/v1/events"), 2);
}

/* A transcript of n segments whose compact JSON is exactly bytes long
 * (the shape the product measures: Jansson's compact form, keys in the
 * order given). Each segment is {"speaker":"agent","text":"aa…"}: 29
 * bytes around its text, and a comma between segments. */
static char *
transcript(size_t n, size_t bytes)
{
	size_t frame = 2 + n * 29 + (n - 1), text, each, last, i, off = 0;
	char *s;

	cr_assert(bytes >= frame + n, "%zu segments need %zu bytes", n,
		  frame + n);
	text = bytes - frame;
	each = text / n;
	last = text - each * (n - 1);
	cr_assert(last <= 8000, "a segment's text is at most 8000 bytes");
	s = malloc(bytes + 1);
	cr_assert(s != NULL);
	s[off++] = '[';
	for (i = 0; i < n; i++) {
		size_t len = i == n - 1 ? last : each;

		if (i > 0)
			s[off++] = ',';
		memcpy(s + off, "{\"speaker\":\"agent\",\"text\":\"", 27);
		off += 27;
		memset(s + off, 'a', len);
		off += len;
		memcpy(s + off, "\"}", 2);
		off += 2;
	}
	s[off++] = ']';
	s[off] = '\0';
	cr_assert_eq(off, bytes);
	return s;
}

static void
start_call(const char *key, char *id)
{
	struct itest_resp r;
	char from[32], body[256];

	itest_random_number(from, sizeof(from));
	snprintf(body, sizeof(body),
		 "{\"direction\":\"inbound\",\"from\":\"%s\","
		 "\"to\":\"+14155550100\","
		 "\"started_at\":\"2026-11-26T15:04:05Z\"}",
		 from);
	itest_post(key, "/v1/calls", body, &r);
	cr_assert_eq(r.status, 201, "%.300s", r.body);
	snprintf(id, 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
}

/* POST /v1/calls/{id}/end with the given transcript (JSON text) and
 * summary (plain characters; NULL: none). */
static void
end_call(const char *key, const char *id, const char *tr, const char *summary,
	 struct itest_resp *r)
{
	size_t cap = strlen(tr) + (summary ? strlen(summary) : 0) + 512;
	char *body = malloc(cap), path[128];

	cr_assert(body != NULL);
	snprintf(body, cap,
		 "{\"ended_at\":\"2026-11-26T15:07:41Z\","
		 "\"duration_seconds\":216,\"outcome\":\"completed\","
		 "%s%s%s\"transcript\":%s}",
		 summary ? "\"summary\":\"" : "", summary ? summary : "",
		 summary ? "\"," : "", tr);
	snprintf(path, sizeof(path), "/v1/calls/%s/end", id);
	itest_http("POST", path, key, body, strlen(body), NULL, r);
	free(body);
}

/* The call as GET shows it (asserts 200). */
static json_t *
call_of(const char *key, const char *id)
{
	struct itest_resp r;
	char path[128];
	json_t *v;

	snprintf(path, sizeof(path), "/v1/calls/%s", id);
	itest_get(path, key, &r);
	cr_assert_eq(r.status, 200, "%.300s", r.body);
	v = json_incref(r.json);
	itest_resp_free(&r);
	return v;
}

/* A 422 left the call as it was: still in progress, no transcript, no
 * call.ended event. */
static void
expect_untouched(const char *key, const char *id)
{
	json_t *c = call_of(key, id);

	cr_expect_str_eq(itest_jstr(c, "status"), "in_progress");
	cr_expect(json_is_null(json_object_get(c, "transcript")));
	cr_expect(json_is_null(json_object_get(c, "ended_at")));
	json_decref(c);
}

/* The stored transcript, serialised compactly, is exactly what was sent. */
static void
expect_stored(const char *key, const char *id, const char *tr, size_t n)
{
	json_t *c = call_of(key, id), *got = json_object_get(c, "transcript");
	char *text;

	cr_expect_str_eq(itest_jstr(c, "status"), "ended");
	cr_expect_eq(json_array_size(got), n);
	text = json_dumps(got, JSON_COMPACT);
	cr_assert(text != NULL);
	cr_expect_eq(strlen(text), strlen(tr));
	cr_expect(strcmp(text, tr) == 0, "the transcript came back changed");
	free(text);
	json_decref(c);
}

Test(limits, transcript_is_at_most_5000_segments)
{
	struct itest_tenant t;
	struct itest_resp r;
	char over[64], at[64];
	char *tr;

	itest_tenant_new(&t, "Chatty Calls Co", "*");
	start_call(t.key, over);
	start_call(t.key, at);

	/* The smallest segments, so only their number is at stake. */
	tr = transcript(5001, 2 + 5001 * 30 + 5000);
	end_call(t.key, over, tr, NULL, &r);
	expect_too_long(&r, "transcript");
	itest_resp_free(&r);
	free(tr);
	expect_untouched(t.key, over);
	cr_expect_eq(itest_count(t.key, "/v1/events?type=call.ended"), 0);

	tr = transcript(5000, 2 + 5000 * 30 + 4999);
	end_call(t.key, at, tr, NULL, &r);
	cr_expect_eq(r.status, 200, "%ld %.300s", r.status, r.body);
	itest_resp_free(&r);
	expect_stored(t.key, at, tr, 5000);
	free(tr);
	cr_expect_eq(itest_count(t.key, "/v1/events?type=call.ended"), 1);
}

Test(limits, transcript_is_at_most_256_kib_as_json)
{
	struct itest_tenant t;
	struct itest_resp r;
	char over[64], at[64];
	char *tr;

	itest_tenant_new(&t, "Wordy Calls Co", "*");
	start_call(t.key, over);
	start_call(t.key, at);

	tr = transcript(40, TRANSCRIPT_MAX + 1);
	end_call(t.key, over, tr, NULL, &r);
	expect_too_long(&r, "transcript");
	itest_resp_free(&r);
	free(tr);
	expect_untouched(t.key, over);
	cr_expect_eq(itest_count(t.key, "/v1/events?type=call.ended"), 0);

	tr = transcript(40, TRANSCRIPT_MAX);
	end_call(t.key, at, tr, NULL, &r);
	cr_expect_eq(r.status, 200, "%ld %.300s", r.status, r.body);
	itest_resp_free(&r);
	expect_stored(t.key, at, tr, 40);
	free(tr);
	cr_expect_eq(itest_count(t.key, "/v1/events?type=call.ended"), 1);
}

Test(limits, call_summary_is_at_most_4000_bytes)
{
	struct itest_tenant t;
	struct itest_resp r;
	char over[64], at[64];
	char *summary;
	json_t *c;

	itest_tenant_new(&t, "Summary Co", "*");
	start_call(t.key, over);
	start_call(t.key, at);

	summary = repeat("s", 4001);
	end_call(t.key, over, "[]", summary, &r);
	expect_too_long(&r, "summary");
	itest_resp_free(&r);
	free(summary);
	expect_untouched(t.key, over);

	summary = repeat("s", 4000);
	end_call(t.key, at, "[]", summary, &r);
	cr_expect_eq(r.status, 200, "%ld %.300s", r.status, r.body);
	itest_resp_free(&r);
	c = call_of(t.key, at);
	cr_expect_str_eq(itest_jstr(c, "summary"), summary);
	json_decref(c);
	free(summary);
	cr_expect_eq(itest_count(t.key, "/v1/events?type=call.ended"), 1);
}
