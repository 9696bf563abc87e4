/* The lists at scale, in miniature. A business holds 20000 deliveries
 * (and thousands of events, calls, leads and follow-ups) whose rare rows
 * are its oldest, so a list that scans instead of reading an index must
 * read nearly all of them. Every filter shape the API offers must page
 * exactly like a plain query (newest first by creation, ties by id, no
 * other business's rows) and read a page's worth of rows, not the
 * business's history.
 *
 * The rows read are the server's global handler counters around one
 * request: only a server with nothing else to do can pin them on it, so
 * these tests run in test_jobs, one at a time. Their rows are deleted at
 * the end (also when a test fails), so that the later jobs and the secrets
 * scan do not meet them. */
#include "itest.h"
#include "itest_sql.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 7
/* A page of PAGE, its joins, the key, cursor and filter lookups and the
 * counters' own query: some tens of rows. A scan reads thousands. */
#define READS_MAX 200

static char biz_a[64], biz_b[64];

static void
cleanup(void)
{
	char sql[1024];
	const char *t[] = {"deliveries", "events", "calls", "leads",
			   "followups"};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(sql, sizeof(sql),
			 "DELETE x FROM %s x JOIN businesses b ON b.id = "
			 "x.business_id WHERE b.public_id IN ('%s', '%s')",
			 t[i], biz_a, biz_b);
		itest_admin_sql(sql);
	}
}

TestSuite(lists, .init = itest_setup, .fini = cleanup, .timeout = 120);

static long long
business_id(const char *biz)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "SELECT id FROM businesses WHERE public_id = '%s'", biz);
	return itest_sql_int(sql);
}

/* A tag for the public ids of the rows a test writes: part of its
 * business's random id. */
static void
tag_of(const char *biz, char *out, size_t cap)
{
	snprintf(out, cap, "%.10s", strchr(biz, '_') + 1);
}

/* The creation time of row seq: a minute for every three (ties of
 * three), but every 97th row is five hours older than its neighbours, so
 * creation order is not id order. */
static const char created[] =
    "TIMESTAMP '2025-01-01 00:00:00' + INTERVAL (seq DIV 3) MINUTE - "
    "INTERVAL IF(seq % 97 = 0, 5, 0) HOUR";

/* Runs one INSERT ... SELECT as root, asserting success. */
static void
fill(const char *sql)
{
	free(itest_sql_root(sql));
}

/* n events of business bid; the first 30 are endpoint.disabled, the rest
 * lead.captured. The payload is what a list shows: here only the id. */
static void
fill_events(long long bid, const char *tag, int n)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO events (public_id, business_id, type, payload, "
		 "created_at) SELECT p, %lld, IF(seq <= 30, "
		 "'endpoint.disabled', 'lead.captured'), JSON_OBJECT('id', p), "
		 "c FROM (SELECT seq, CONCAT('evt_L%s', seq) AS p, %s AS c "
		 "FROM seq_1_to_%d) s",
		 bid, tag, created, n);
	fill(sql);
}

/* Minute m of the data, as the API takes it (rfc) and as SQL does (db). */
struct minute {
	char rfc[32], db[32];
};

static struct minute
at(int m)
{
	struct minute t;

	snprintf(t.rfc, sizeof(t.rfc), "2025-01-%02dT%02d:%02d:00Z",
		 1 + m / 1440, m % 1440 / 60, m % 60);
	snprintf(t.db, sizeof(t.db), "2025-01-%02d %02d:%02d:00", 1 + m / 1440,
		 m % 1440 / 60, m % 60);
	return t;
}

static long long
handler_reads(void)
{
	return itest_sql_int(
	    "SELECT SUM(variable_value) FROM information_schema.global_status "
	    "WHERE variable_name LIKE 'HANDLER\\_READ\\_%'");
}

/* GET path, asserting 200; *reads is the handler reads it cost, the least
 * of up to three tries (whatever else the server did only adds). */
static json_t *
get_page(const char *key, const char *path, long long *reads)
{
	struct itest_resp r;
	long long before, cost;
	json_t *page = NULL;
	int i;

	*reads = -1;
	for (i = 0; i < 3; i++) {
		before = handler_reads();
		itest_get(path, key, &r);
		cost = handler_reads() - before;
		cr_assert_eq(r.status, 200, "%s: %ld %s", path, r.status,
			     r.body);
		json_decref(page);
		page = json_incref(r.json);
		itest_resp_free(&r);
		if (*reads < 0 || cost < *reads)
			*reads = cost;
		if (*reads <= READS_MAX)
			break;
	}
	return page;
}

/* The public ids of table's rows of business bid that match where, in
 * the order the API promises. */
static char **
expected(const char *table, long long bid, const char *where, size_t *n)
{
	char sql[1024], *out, *line, *save = NULL, **ids;
	size_t cap = 64;

	snprintf(sql, sizeof(sql),
		 "SELECT public_id FROM %s WHERE business_id = %lld%s%s ORDER "
		 "BY created_at DESC, id DESC",
		 table, bid, where[0] ? " AND " : "", where);
	out = itest_sql_root(sql);
	ids = malloc(cap * sizeof(*ids));
	cr_assert(ids);
	*n = 0;
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (*n == cap) {
			ids = realloc(ids, (cap *= 2) * sizeof(*ids));
			cr_assert(ids);
		}
		ids[(*n)++] = strdup(line);
	}
	free(out);
	return ids;
}

/* The page of path after cursor (NULL: the first) must be want[from...]
 * and read no more than a page's worth of rows. */
static void
check_page(const char *key, const char *path, const char *cursor, char **want,
	   size_t nwant, size_t from)
{
	char url[512];
	const json_t *data;
	long long reads;
	size_t i, n = nwant - from < PAGE ? nwant - from : PAGE;
	int more = from + PAGE < nwant;
	json_t *page;

	snprintf(url, sizeof(url), "%s%climit=%d%s%s", path,
		 strchr(path, '?') ? '&' : '?', PAGE,
		 cursor ? "&starting_after=" : "", cursor ? cursor : "");
	page = get_page(key, url, &reads);
	data = json_object_get(page, "data");
	cr_assert_eq(json_array_size(data), n, "%s: %zu items, want %zu", url,
		     json_array_size(data), n);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(itest_jstr(json_array_get(data, i), "id"),
				 want[from + i], "%s: item %zu", url, i);
	cr_assert_eq(json_is_true(json_object_get(page, "has_more")), more,
		     "%s: has_more", url);
	if (more)
		cr_assert_str_eq(itest_jstr(page, "next_cursor"),
				 want[from + n - 1], "%s", url);
	else
		cr_assert(json_is_null(json_object_get(page, "next_cursor")),
			  "%s", url);
	cr_expect_leq(reads, READS_MAX, "%s read %lld rows", url, reads);
	json_decref(page);
}

/* GET /v1/{list}?query against table's rows of business bid that match
 * where: the first three pages by next_cursor, and the page after a row
 * in the middle. Returns how many rows match. */
static size_t
check_list(const char *key, const char *list, const char *query,
	   const char *table, long long bid, const char *where)
{
	char path[512], **want;
	size_t n, i;

	snprintf(path, sizeof(path), "/v1/%s%s%s", list, query[0] ? "?" : "",
		 query);
	want = expected(table, bid, where, &n);
	for (i = 0; i < 3 && (i == 0 || i * PAGE < n); i++)
		check_page(key, path, i ? want[i * PAGE - 1] : NULL, want, n,
			   i * PAGE);
	if (n > 1)
		check_page(key, path, want[n / 2], want, n, n / 2 + 1);
	for (i = 0; i < n; i++)
		free(want[i]);
	free(want);
	return n;
}

/* The first page of path is empty: the filter names nothing of the
 * caller's business. */
static void
check_empty(const char *key, const char *path)
{
	long long reads;
	json_t *page = get_page(key, path, &reads);

	cr_assert_eq(json_array_size(json_object_get(page, "data")), 0, "%s",
		     path);
	cr_assert(json_is_false(json_object_get(page, "has_more")), "%s", path);
	cr_expect_leq(reads, READS_MAX, "%s read %lld rows", path, reads);
	json_decref(page);
}

static long long
id_of(const char *table, const char *public_id)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE public_id = '%s'",
		 table, public_id);
	return itest_sql_int(sql);
}

/* n events of business bid (fill_events), each owed by ten deliveries.
 * Deliveries 1-60 go to ep_old, the rest to ep. Of the first 1000, every
 * 20th died and every 20th but ten is failing (its retry in 2099, so that
 * no worker takes it); all the others arrived. */
static void
fill_deliveries(long long bid, const char *tag, int n, long long ep_old,
		long long ep)
{
	char sql[1024];

	fill_events(bid, tag, n);
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO deliveries (public_id, business_id, event_id, "
	    "endpoint_id, status, next_attempt_at, created_at, "
	    "updated_at) SELECT CONCAT('dlv_L%s', s.seq), %lld, e.id, "
	    "IF(s.seq <= 60, %lld, %lld), s.st, IF(s.st = 'failed', "
	    "'2099-01-01', NULL), s.c, s.c FROM (SELECT seq, %s AS c, CASE "
	    "WHEN seq <= 1000 AND seq %% 20 = 0 THEN 'dead' WHEN seq <= "
	    "1000 AND seq %% 20 = 10 THEN 'failed' ELSE 'delivered' END AS "
	    "st FROM seq_1_to_%d) s JOIN events e ON e.public_id = "
	    "CONCAT('evt_L%s', (s.seq - 1) DIV 10 + 1)",
	    tag, bid, ep_old, ep, created, n * 10, tag);
	fill(sql);
}

Test(lists, deliveries_page_by_every_filter_reading_an_index)
{
	struct itest_tenant a, b;
	char rcv[64], ep_old[64], ep[64], ep_b[64], tag_a[16], tag_b[16];
	char q[512], w[512], evt[64], evt_b[64], gone[64];
	struct minute s1 = at(100), u1 = at(300), s2 = at(5), u2 = at(15),
		      s3 = at(6665), u3 = at(50);
	struct itest_resp r;
	long long bid, eo, en, ev;

	itest_tenant_new(&a, "Lists A Co", "*");
	itest_tenant_new(&b, "Lists B Co", "*");
	snprintf(biz_a, sizeof(biz_a), "%s", a.biz);
	snprintf(biz_b, sizeof(biz_b), "%s", b.biz);
	itest_rcv_path(rcv, sizeof(rcv));
	itest_rcv_endpoint(a.key, rcv, NULL, ep_old, NULL);
	itest_rcv_endpoint(a.key, rcv, NULL, ep, NULL);
	itest_rcv_endpoint(b.key, rcv, NULL, ep_b, NULL);
	tag_of(a.biz, tag_a, sizeof(tag_a));
	tag_of(b.biz, tag_b, sizeof(tag_b));
	bid = business_id(a.biz);
	eo = id_of("webhook_endpoints", ep_old);
	en = id_of("webhook_endpoints", ep);
	fill_deliveries(bid, tag_a, 2000, eo, en);
	fill_deliveries(business_id(b.biz), tag_b, 100,
			id_of("webhook_endpoints", ep_b),
			id_of("webhook_endpoints", ep_b));
	/* Deleted, it still lists its deliveries. */
	snprintf(q, sizeof(q), "/v1/webhook-endpoints/%s", ep_old);
	itest_http("DELETE", q, a.key, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 204, "%s", r.body);
	itest_resp_free(&r);
	/* Its deliveries are 11-20, of ep_old; 20 died. */
	snprintf(evt, sizeof(evt), "evt_L%s2", tag_a);
	snprintf(evt_b, sizeof(evt_b), "evt_L%s2", tag_b);
	ev = id_of("events", evt);

	check_list(a.key, "deliveries", "", "deliveries", bid, "");
	static const char *const statuses[] = {"dead", "failed", "pending",
					       "delivered"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(q, sizeof(q), "status=%s", statuses[i]);
		snprintf(w, sizeof(w), "status = '%s'", statuses[i]);
		check_list(a.key, "deliveries", q, "deliveries", bid, w);
	}
	const char *eps[] = {ep_old, ep};
	const long long ids[] = {eo, en};
	for (size_t i = 0; i < 2; i++) {
		snprintf(q, sizeof(q), "endpoint=%s", eps[i]);
		snprintf(w, sizeof(w), "endpoint_id = %lld", ids[i]);
		check_list(a.key, "deliveries", q, "deliveries", bid, w);
		snprintf(q, sizeof(q), "endpoint=%s&status=dead", eps[i]);
		snprintf(w, sizeof(w), "endpoint_id = %lld AND status = 'dead'",
			 ids[i]);
		check_list(a.key, "deliveries", q, "deliveries", bid, w);
		snprintf(q, sizeof(q), "event=%s&endpoint=%s", evt, eps[i]);
		snprintf(w, sizeof(w), "event_id = %lld AND endpoint_id = %lld",
			 ev, ids[i]);
		check_list(a.key, "deliveries", q, "deliveries", bid, w);
	}
	snprintf(q, sizeof(q), "event=%s", evt);
	snprintf(w, sizeof(w), "event_id = %lld", ev);
	cr_expect_eq(check_list(a.key, "deliveries", q, "deliveries", bid, w),
		     10);
	snprintf(q, sizeof(q), "event=%s&status=dead", evt);
	snprintf(w, sizeof(w), "event_id = %lld AND status = 'dead'", ev);
	cr_expect_eq(check_list(a.key, "deliveries", q, "deliveries", bid, w),
		     1);
	snprintf(q, sizeof(q), "event=%s&endpoint=%s&status=dead", evt, ep_old);
	snprintf(w, sizeof(w),
		 "event_id = %lld AND endpoint_id = %lld AND status = 'dead'",
		 ev, eo);
	check_list(a.key, "deliveries", q, "deliveries", bid, w);
	snprintf(q, sizeof(q), "event=%s&since=%s", evt, s2.rfc);
	snprintf(w, sizeof(w), "event_id = %lld AND created_at >= '%s'", ev,
		 s2.db);
	check_list(a.key, "deliveries", q, "deliveries", bid, w);

	/* Windows at the old end, and the newest few. */
	snprintf(q, sizeof(q), "since=%s", s3.rfc);
	snprintf(w, sizeof(w), "created_at >= '%s'", s3.db);
	cr_expect_eq(check_list(a.key, "deliveries", q, "deliveries", bid, w),
		     6);
	snprintf(q, sizeof(q), "until=%s", u3.rfc);
	snprintf(w, sizeof(w), "created_at < '%s'", u3.db);
	check_list(a.key, "deliveries", q, "deliveries", bid, w);
	snprintf(q, sizeof(q), "since=%s&until=%s", s1.rfc, u1.rfc);
	snprintf(w, sizeof(w), "created_at >= '%s' AND created_at < '%s'",
		 s1.db, u1.db);
	check_list(a.key, "deliveries", q, "deliveries", bid, w);
	snprintf(q, sizeof(q), "status=dead&since=%s&until=%s", s1.rfc, u1.rfc);
	snprintf(w, sizeof(w),
		 "status = 'dead' AND created_at >= '%s' AND created_at < '%s'",
		 s1.db, u1.db);
	check_list(a.key, "deliveries", q, "deliveries", bid, w);
	snprintf(q, sizeof(q), "endpoint=%s&since=%s&until=%s", ep_old, s2.rfc,
		 u2.rfc);
	snprintf(w, sizeof(w),
		 "endpoint_id = %lld AND created_at >= '%s' AND created_at < "
		 "'%s'",
		 eo, s2.db, u2.db);
	check_list(a.key, "deliveries", q, "deliveries", bid, w);
	snprintf(q, sizeof(q), "endpoint=%s&status=dead&since=%s&until=%s",
		 ep_old, s2.rfc, u2.rfc);
	snprintf(w, sizeof(w),
		 "endpoint_id = %lld AND status = 'dead' AND created_at >= "
		 "'%s' AND created_at < '%s'",
		 eo, s2.db, u2.db);
	check_list(a.key, "deliveries", q, "deliveries", bid, w);

	/* Another business's endpoint or event, or none at all, filters
	 * everything out, like an unknown id. */
	itest_missing_id(ep, gone, sizeof(gone));
	const char *nothing[] = {"endpoint=%s", "event=%s",
				 "event=%s&status=dead"};
	const char *whose[] = {ep_b, evt_b, evt_b};
	for (size_t i = 0; i < 3; i++) {
		char path[256];
		int m = snprintf(path, sizeof(path), "/v1/deliveries?");

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(path + m, sizeof(path) - m, nothing[i], whose[i]);
		check_empty(a.key, path);
		snprintf(path + m, sizeof(path) - m, nothing[i],
			 i ? "evt_nosuchevent0000000000" : gone);
#pragma GCC diagnostic pop
		check_empty(a.key, path);
	}
}

/* n calls, events, leads and follow-ups of business bid. Of the first
 * 500 calls and follow-ups every 25th is still in progress or open, and
 * the first 30 events are endpoint.disabled: rare rows, and the oldest. */
static void
fill_others(long long bid, const char *tag, int n)
{
	char sql[1024];

	fill_events(bid, tag, n);
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO calls (public_id, business_id, agent_public_id, "
	    "direction, from_number, to_number, status, started_at, "
	    "created_at, updated_at) SELECT CONCAT('call_L%s', seq), %lld, "
	    "'agt_L', 'inbound', '+14155550123', '+14155550100', IF(seq <= "
	    "500 AND seq %% 25 = 0, 'in_progress', 'ended'), c, c, c FROM "
	    "(SELECT seq, %s AS c FROM seq_1_to_%d) s",
	    tag, bid, created, n);
	fill(sql);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO leads (public_id, business_id, phone, intent, "
		 "notes, created_at) SELECT CONCAT('lead_L%s', seq), %lld, "
		 "'+14155550123', 'booking', '', %s FROM seq_1_to_%d",
		 tag, bid, created, n);
	fill(sql);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO followups (public_id, business_id, "
		 "lead_public_id, kind, due_at, notes, status, created_at) "
		 "SELECT CONCAT('fu_L%s', seq), %lld, 'lead_L', 'callback', c, "
		 "'', IF(seq <= 500 AND seq %% 25 = 0, 'open', 'completed'), c "
		 "FROM (SELECT seq, %s AS c FROM seq_1_to_%d) s",
		 tag, bid, created, n);
	fill(sql);
}

Test(lists, calls_events_leads_and_followups_page_by_every_filter)
{
	struct itest_tenant a, b;
	struct minute newest = at(1665), m5 = at(5), m50 = at(50);
	char tag_a[16], tag_b[16], q[256], w[256];
	long long bid;
	size_t i;

	itest_tenant_new(&a, "Lists C Co", "*");
	itest_tenant_new(&b, "Lists D Co", "*");
	snprintf(biz_a, sizeof(biz_a), "%s", a.biz);
	snprintf(biz_b, sizeof(biz_b), "%s", b.biz);
	tag_of(a.biz, tag_a, sizeof(tag_a));
	tag_of(b.biz, tag_b, sizeof(tag_b));
	bid = business_id(a.biz);
	fill_others(bid, tag_a, 5000);
	fill_others(business_id(b.biz), tag_b, 100);

	static const struct {
		const char *list, *table, *filter, *values[2];
	} lists[] = {
	    {"calls", "calls", "status", {"in_progress", "ended"}},
	    {"events",
	     "events",
	     "type",
	     {"endpoint.disabled", "lead.captured"}},
	    {"leads", "leads", NULL, {NULL, NULL}},
	    {"follow-ups", "followups", "status", {"open", "completed"}},
	};
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const char *l = lists[i].list, *t = lists[i].table;

		check_list(a.key, l, "", t, bid, "");
		/* The newest six. */
		snprintf(q, sizeof(q), "since=%s", newest.rfc);
		snprintf(w, sizeof(w), "created_at >= '%s'", newest.db);
		cr_expect_eq(check_list(a.key, l, q, t, bid, w), 6, "%s", l);
		if (lists[i].filter == NULL)
			continue;
		for (size_t v = 0; v < 2; v++) {
			snprintf(q, sizeof(q), "%s=%s", lists[i].filter,
				 lists[i].values[v]);
			snprintf(w, sizeof(w), "%s = '%s'", lists[i].filter,
				 lists[i].values[v]);
			check_list(a.key, l, q, t, bid, w);
		}
		/* The rare and old ones, after minute 5 and after 50. */
		snprintf(q, sizeof(q), "%s=%s&since=%s", lists[i].filter,
			 lists[i].values[0], m5.rfc);
		snprintf(w, sizeof(w), "%s = '%s' AND created_at >= '%s'",
			 lists[i].filter, lists[i].values[0], m5.db);
		check_list(a.key, l, q, t, bid, w);
		snprintf(q, sizeof(q), "%s=%s&since=%s", lists[i].filter,
			 lists[i].values[0], m50.rfc);
		snprintf(w, sizeof(w), "%s = '%s' AND created_at >= '%s'",
			 lists[i].filter, lists[i].values[0], m50.db);
		check_list(a.key, l, q, t, bid, w);
	}
}
