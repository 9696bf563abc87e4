/* The cursor (starting_after) of the five lists served by kc_page_recent:
 * deliveries, calls, events, leads and follow-ups.
 *
 * Another business's real id answers exactly as an id that never existed
 * (while the same id pages for its own business): the cursor's row is
 * looked up in the caller's business only, so it can neither show nor
 * betray another's rows or their creation times.
 *
 * Rows created in the same microsecond, and rows a microsecond apart, are
 * paged without a row skipped or repeated, whatever the page size: the
 * cursor is (created_at to the microsecond, id), not the time alone. */
#include "itest.h"
#include "itest_sql.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The businesses whose rows a test wrote as root, deleted after it (also
 * when it fails) so that the later jobs do not meet them. */
static char bizs[2][64];

static void
cleanup(void)
{
	const char *t[] = {"deliveries", "events", "calls", "leads",
			   "followups"};
	char sql[512];
	size_t i, b;

	for (b = 0; b < 2; b++) {
		if (bizs[b][0] == '\0')
			continue;
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			snprintf(sql, sizeof(sql),
				 "DELETE x FROM %s x JOIN businesses b ON b.id "
				 "= x.business_id WHERE b.public_id = '%s'",
				 t[i], bizs[b]);
			itest_admin_sql(sql);
		}
	}
}

TestSuite(list_cursors, .init = itest_setup, .fini = cleanup, .timeout = 60);

/* The five lists: their path, and the id of one of a business's rows. */
enum { L_DELIVERIES, L_CALLS, L_EVENTS, L_LEADS, L_FOLLOWUPS, L_MAX };
static const char *const lists[L_MAX] = {"deliveries", "calls", "events",
					 "leads", "follow-ups"};
static const char *const tables[L_MAX] = {"deliveries", "calls", "events",
					  "leads", "followups"};

/* One row in each list for t's business, through the API: an endpoint
 * and a lead (its event, its delivery), a call, a follow-up. */
static void
one_of_each(const struct itest_tenant *t, char ids[L_MAX][64])
{
	char rcv[64], ep[64], phone[32], body[512];
	struct itest_resp r;

	itest_rcv_path(rcv, sizeof(rcv));
	itest_rcv_endpoint(t->key, rcv, NULL, ep, NULL);
	itest_random_number(phone, sizeof(phone));
	snprintf(body, sizeof(body),
		 "{\"name\":\"Cursor\",\"phone\":\"%s\",\"intent\":"
		 "\"booking\"}",
		 phone);
	itest_post(t->key, "/v1/leads", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(ids[L_LEADS], 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	itest_post(t->key, "/v1/calls",
		   "{\"direction\":\"inbound\",\"from\":\"+14155550123\","
		   "\"to\":\"+14155550100\",\"started_at\":"
		   "\"2026-11-26T15:04:05Z\"}",
		   &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(ids[L_CALLS], 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	snprintf(body, sizeof(body),
		 "{\"lead_id\":\"%s\",\"kind\":\"callback\",\"due_at\":"
		 "\"2026-11-27T16:00:00Z\"}",
		 ids[L_LEADS]);
	itest_post(t->key, "/v1/follow-ups", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	snprintf(ids[L_FOLLOWUPS], 64, "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);
	/* The newest of each: the lead's delivery, the follow-up's event. */
	itest_get("/v1/deliveries?limit=1", t->key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 1, "%s",
		     r.body);
	snprintf(ids[L_DELIVERIES], 64, "%s",
		 itest_jstr(json_array_get(json_object_get(r.json, "data"), 0),
			    "id"));
	itest_resp_free(&r);
	itest_get("/v1/events?limit=1", t->key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	snprintf(ids[L_EVENTS], 64, "%s",
		 itest_jstr(json_array_get(json_object_get(r.json, "data"), 0),
			    "id"));
	itest_resp_free(&r);
}

static void
get_after(const char *key, int l, const char *cursor, struct itest_resp *r)
{
	char path[256];

	snprintf(path, sizeof(path), "/v1/%s?limit=5&starting_after=%s",
		 lists[l], cursor);
	itest_get(path, key, r);
}

Test(list_cursors, another_business_id_answers_like_a_missing_one)
{
	struct itest_tenant a, b;
	char ids_a[L_MAX][64], ids_b[L_MAX][64], gone[64];
	struct itest_resp theirs, missing, own;
	int l;

	itest_tenant_new(&a, "Cursor A Co", "*");
	itest_tenant_new(&b, "Cursor B Co", "*");
	snprintf(bizs[0], sizeof(bizs[0]), "%s", a.biz);
	snprintf(bizs[1], sizeof(bizs[1]), "%s", b.biz);
	/* A's rows are older than B's: a cursor at B's row, if it were
	 * taken, would page through all of A's. */
	one_of_each(&a, ids_a);
	one_of_each(&b, ids_b);
	for (l = 0; l < L_MAX; l++) {
		/* B's id is a good cursor for B. */
		get_after(b.key, l, ids_b[l], &own);
		cr_assert_eq(own.status, 200, "%s: %s", lists[l], own.body);
		cr_assert_null(strstr(own.body, ids_a[l]), "%s", own.body);
		itest_resp_free(&own);
		/* For A it names nothing, as an id that never existed. */
		get_after(a.key, l, ids_b[l], &theirs);
		itest_missing_id(ids_b[l], gone, sizeof(gone));
		get_after(a.key, l, gone, &missing);
		cr_assert_eq(theirs.status, 400, "%s: %s", lists[l],
			     theirs.body);
		cr_assert_str_eq(itest_jstr(theirs.json, "code"),
				 "invalid_cursor", "%s: %s", lists[l],
				 theirs.body);
		itest_assert_like_missing(&theirs, &missing);
		cr_assert_null(strstr(theirs.body, ids_a[l]), "%s", lists[l]);
		itest_resp_free(&theirs);
		itest_resp_free(&missing);
		/* And A's own id pages as ever. */
		get_after(a.key, l, ids_a[l], &own);
		cr_assert_eq(own.status, 200, "%s: %s", lists[l], own.body);
		itest_resp_free(&own);
	}
}

/* The creation time of row seq (1-40) of a table, in a format string:
 * seq % 10 microseconds after a whole second, so each microsecond is
 * shared by four rows whose ids are far apart, its neighbours are a
 * microsecond away, and creation order is not id order. */
#define CREATED                                                                \
	"TIMESTAMP '2025-06-01 12:00:00' + INTERVAL (seq %% 10) MICROSECOND"
#define ROWS 40

static void
fill(long long bid, const char *tag)
{
	char sql[1024];

	/* An event's payload is what its list shows: here only its id. */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO events (public_id, business_id, type, payload, "
		 "created_at) SELECT p, %lld, 'lead.captured', "
		 "JSON_OBJECT('id', p), c FROM (SELECT CONCAT('evt_T%s', seq) "
		 "AS p, " CREATED " AS c FROM seq_1_to_%d) s",
		 bid, tag, ROWS);
	free(itest_sql_root(sql));
	snprintf(sql, sizeof(sql),
		 "INSERT INTO deliveries (public_id, business_id, event_id, "
		 "endpoint_id, status, next_attempt_at, created_at, "
		 "updated_at) SELECT CONCAT('dlv_T%s', s.seq), %lld, e.id, "
		 "w.id, 'delivered', NULL, s.c, s.c FROM (SELECT seq, " CREATED
		 " AS c FROM seq_1_to_%d) s JOIN events e ON e.public_id = "
		 "CONCAT('evt_T%s', s.seq) JOIN webhook_endpoints w ON "
		 "w.business_id = %lld",
		 tag, bid, ROWS, tag, bid);
	free(itest_sql_root(sql));
	snprintf(sql, sizeof(sql),
		 "INSERT INTO calls (public_id, business_id, agent_public_id, "
		 "direction, from_number, to_number, status, started_at, "
		 "created_at, updated_at) SELECT CONCAT('call_T%s', seq), "
		 "%lld, 'agt_T', 'inbound', '+14155550123', '+14155550100', "
		 "'ended', c, c, c FROM (SELECT seq, " CREATED
		 " AS c FROM seq_1_to_%d) s",
		 tag, bid, ROWS);
	free(itest_sql_root(sql));
	snprintf(sql, sizeof(sql),
		 "INSERT INTO leads (public_id, business_id, phone, intent, "
		 "notes, created_at) SELECT CONCAT('lead_T%s', seq), %lld, "
		 "'+14155550123', 'booking', '', " CREATED " FROM seq_1_to_%d",
		 tag, bid, ROWS);
	free(itest_sql_root(sql));
	snprintf(sql, sizeof(sql),
		 "INSERT INTO followups (public_id, business_id, "
		 "lead_public_id, kind, due_at, notes, status, created_at) "
		 "SELECT CONCAT('fu_T%s', seq), %lld, 'lead_T', 'callback', c, "
		 "'', 'open', c FROM (SELECT seq, " CREATED
		 " AS c FROM seq_1_to_%d) s",
		 tag, bid, ROWS);
	free(itest_sql_root(sql));
}

/* Every page of list l at limit, by next_cursor: the ids in order. */
static size_t
walk(const char *key, int l, int limit, char ids[][64], size_t cap)
{
	char path[256], cursor[64] = "";
	struct itest_resp r;
	size_t n = 0, i, got;
	int pages = 0;

	for (;;) {
		snprintf(path, sizeof(path), "/v1/%s?limit=%d%s%s", lists[l],
			 limit, cursor[0] ? "&starting_after=" : "", cursor);
		itest_get(path, key, &r);
		cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
		got = json_array_size(json_object_get(r.json, "data"));
		for (i = 0; i < got; i++) {
			cr_assert_lt(n, cap, "%s: more rows than there are",
				     path);
			snprintf(
			    ids[n++], 64, "%s",
			    itest_jstr(json_array_get(
					   json_object_get(r.json, "data"), i),
				       "id"));
		}
		if (!json_is_true(json_object_get(r.json, "has_more"))) {
			itest_resp_free(&r);
			return n;
		}
		cr_assert_eq(got, (size_t)limit, "%s: a short page", path);
		snprintf(cursor, sizeof(cursor), "%s",
			 itest_jstr(r.json, "next_cursor"));
		itest_resp_free(&r);
		cr_assert_lt(++pages, 200, "%s: no end", lists[l]);
	}
}

Test(list_cursors, microsecond_ties_across_pages_skip_and_repeat_nothing)
{
	static const int limits[] = {1, 3, 4, 7};
	struct itest_tenant t;
	char tag[16], sql[256], rcv[64], ep[64], *out, *line, *save = NULL;
	char want[ROWS + 8][64], got[ROWS + 8][64];
	long long bid;
	size_t nwant, ngot, i, k;
	int l;

	itest_tenant_new(&t, "Cursor Ties Co", "*");
	/* Some 350 pages, read as fast as they come. */
	itest_key_unlimited(t.key_id);
	snprintf(bizs[0], sizeof(bizs[0]), "%s", t.biz);
	snprintf(tag, sizeof(tag), "%.10s", strchr(t.biz, '_') + 1);
	itest_rcv_path(rcv, sizeof(rcv));
	itest_rcv_endpoint(t.key, rcv, NULL, ep, NULL);
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM businesses WHERE public_id = '%s'", t.biz);
	bid = itest_sql_int(sql);
	fill(bid, tag);
	for (l = 0; l < L_MAX; l++) {
		snprintf(sql, sizeof(sql),
			 "SELECT public_id FROM %s WHERE business_id = %lld "
			 "ORDER BY created_at DESC, id DESC",
			 tables[l], bid);
		out = itest_sql_root(sql);
		nwant = 0;
		for (line = strtok_r(out, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			cr_assert_lt(nwant, sizeof(want) / sizeof(want[0]));
			snprintf(want[nwant++], 64, "%s", line);
		}
		free(out);
		cr_assert_eq(nwant, ROWS, "%s: %zu rows", tables[l], nwant);
		for (k = 0; k < sizeof(limits) / sizeof(limits[0]); k++) {
			ngot = walk(t.key, l, limits[k], got,
				    sizeof(got) / sizeof(got[0]));
			for (i = 0; i < ngot && i < nwant; i++)
				cr_assert_str_eq(got[i], want[i],
						 "%s, pages of %d: row %zu",
						 lists[l], limits[k], i);
			cr_assert_eq(ngot, nwant, "%s, pages of %d: %zu rows",
				     lists[l], limits[k], ngot);
		}
	}
}
