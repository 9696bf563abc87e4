/* Bulk replay: kcctl replay works through a request in transactions of 500
 * deliveries that resume where an interrupted run stopped. Here a run is
 * killed inside its second transaction (held there by a row lock taken as
 * root), and a second run finishes the request: every delivery replayed
 * exactly once, the progress adding up, the request in the audit log.
 * In test_jobs: kcctl replay takes every business's requests, so nothing
 * else may queue one meanwhile. */
#include "itest.h"
#include "itest_sql.h"

#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TestSuite(bulk_replay, .init = itest_setup, .timeout = 60);

/* Three transactions' worth: 500, 500 and 100. */
enum { N = 1100, BATCH = 500 };

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

/* Every item of a list, following next_cursor. */
static json_t *
list_all(const char *key, const char *path)
{
	json_t *all = json_array(), *page;
	char url[512], cursor[64] = "";

	for (;;) {
		snprintf(url, sizeof(url), "%s&limit=100%s%s", path,
			 cursor[0] ? "&starting_after=" : "", cursor);
		page = get_json(key, url);
		json_array_extend(all, json_object_get(page, "data"));
		if (!json_is_true(json_object_get(page, "has_more"))) {
			json_decref(page);
			return all;
		}
		snprintf(cursor, sizeof(cursor), "%s",
			 itest_jstr(page, "next_cursor"));
		json_decref(page);
	}
}

static void
set_enabled(const char *key, const char *ep, int on)
{
	char path[128];
	const char *body = on ? "{\"enabled\":true}" : "{\"enabled\":false}";
	struct itest_resp r;

	snprintf(path, sizeof(path), "/v1/webhook-endpoints/%s", ep);
	itest_http("PATCH", path, key, body, strlen(body), NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_resp_free(&r);
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static pid_t
spawn_replay(void)
{
	const char *kcctl = getenv("KC_KCCTL"), *conf = getenv("KC_CONF");
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execl(kcctl, kcctl, "--conf", conf, "--json", "replay",
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

Test(bulk_replay, an_interrupted_replay_resumes_and_replays_each_once)
{
	long long deadline;
	struct itest_tenant t;
	struct itest_resp r;
	struct itest_sql_session lock = {0};
	char path[64], ep[64], url[160], rpl[64], sql[512];
	json_t *v, *all, *d, *seen, *log;
	long long event, waiting = 0, give_up;
	size_t i, sources = 0, replays = 0, superseded = 0, distinct = 0;
	const char *run[] = {"replay", NULL};
	pid_t pid;
	int st;

	itest_tenant_new(&t, "Interrupted Replay Co", "*");
	itest_key_unlimited(t.key_id);
	itest_rcv_path(path, sizeof(path));
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	for (i = 0; i < N; i++)
		itest_lead(t.key, NULL);
	/* Dead without a try: owed to an endpoint that is off. */
	set_enabled(t.key, ep, 0);
	v = itest_deliver(t.biz, &st);
	cr_assert(st == 0 && v, "kcctl deliver failed (%d)", st);
	json_decref(v);
	snprintf(url, sizeof(url), "/v1/deliveries?endpoint=%s&status=dead",
		 ep);
	all = list_all(t.key, url);
	cr_assert_eq(json_array_size(all), N);
	json_decref(all);
	set_enabled(t.key, ep, 1);

	snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s/replay", ep);
	itest_post(t.key, url, "{\"status\":\"dead\"}", &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(rpl, sizeof(rpl), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);

	/* The event of the 700th source: inserting its new delivery takes a
	 * shared lock on the event row (the foreign key), so with the row
	 * held the second transaction stops there, with some 200 of its
	 * replays written but not committed. */
	snprintf(sql, sizeof(sql),
		 "SELECT d.event_id FROM deliveries d JOIN webhook_endpoints w "
		 "ON w.id = d.endpoint_id WHERE w.public_id = '%s' ORDER BY "
		 "d.id LIMIT 1 OFFSET 699",
		 ep);
	event = itest_sql_int(sql);
	itest_sql_open(&lock);
	snprintf(sql, sizeof(sql),
		 "BEGIN; SELECT id FROM events WHERE id = %lld FOR UPDATE;",
		 event);
	itest_sql_send(&lock, sql);

	pid = spawn_replay();
	snprintf(url, sizeof(url), "/v1/replays/%s", rpl);
	give_up = mono_ms() + 30000;
	for (;;) {
		v = get_json(t.key, url);
		if (itest_jint(v, "done") >= BATCH)
			break;
		json_decref(v);
		cr_assert(mono_ms() < give_up, "the first 500 never committed");
		itest_msleep(50);
	}
	json_decref(v);
	/* A deadline of its own: under ASan on a busy machine the first 500
	 * alone took most of the 30 s. */
	fprintf(stderr, "bulk replay: the first %d committed in %lld ms\n",
		BATCH, mono_ms() - (give_up - 30000));
	give_up = mono_ms() + 30000;
	/* Waiting on the event row: its INSERT has run for a second. The
	 * wait is for the foreign key's check, which INNODB_TRX does not
	 * always show as LOCK WAIT (it showed RUNNING for 30 s), so the
	 * statement's own time tells. */
	while ((waiting = itest_sql_int(
		    "SELECT COALESCE(MAX(t.trx_rows_modified), -1) FROM "
		    "information_schema.INNODB_TRX t JOIN "
		    "information_schema.PROCESSLIST p ON p.ID = "
		    "t.trx_mysql_thread_id WHERE p.INFO LIKE 'INSERT INTO "
		    "deliveries%' AND p.TIME_MS > 1000")) < 0) {
		cr_assert(mono_ms() < give_up,
			  "the second transaction never reached the lock");
		itest_msleep(50);
	}
	/* Inside it, with replays written: the kill lands mid-transaction. */
	cr_expect(waiting > 0, "the run waits with nothing written yet");
	fprintf(stderr,
		"killing kcctl replay inside its second transaction "
		"(%lld rows written)\n",
		waiting);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	cr_assert(WIFSIGNALED(st), "the run ended before it was killed");

	/* What the killed run committed: the first transaction only. */
	v = get_json(t.key, url);
	cr_expect_str_eq(itest_jstr(v, "status"), "running");
	cr_expect_eq(itest_jint(v, "total"), N);
	cr_expect_eq(itest_jint(v, "done"), BATCH);
	json_decref(v);
	snprintf(url, sizeof(url), "/v1/deliveries?endpoint=%s&status=pending",
		 ep);
	all = list_all(t.key, url);
	cr_expect_eq(json_array_size(all), BATCH,
		     "%zu replays visible; the killed transaction had "
		     "%lld rows written",
		     json_array_size(all), waiting);
	json_decref(all);

	/* The lock goes, and with it the killed run's connection, whose
	 * transaction rolls back once it finds its client gone. */
	itest_sql_close(&lock);
	give_up = mono_ms() + 30000;
	while (itest_sql_int("SELECT COUNT(*) FROM "
			     "information_schema.INNODB_TRX") > 0) {
		cr_assert(mono_ms() < give_up,
			  "the killed run's transaction is still open");
		itest_msleep(100);
	}

	v = itest_kcctl(&st, run);
	cr_assert(st == 0 && v, "kcctl replay failed (%d)", st);
	json_decref(v);
	snprintf(url, sizeof(url), "/v1/replays/%s", rpl);
	v = get_json(t.key, url);
	cr_expect_str_eq(itest_jstr(v, "status"), "completed");
	cr_expect_eq(itest_jint(v, "total"), N);
	cr_expect_eq(itest_jint(v, "done"), N);
	cr_expect_eq(itest_jint(v, "delivered"), 0);
	json_decref(v);

	/* Each dead delivery was replayed once: N sources, each replayed
	 * by one new delivery that points back at it. */
	snprintf(url, sizeof(url), "/v1/deliveries?endpoint=%s", ep);
	all = list_all(t.key, url);
	seen = json_object();
	json_array_foreach(all, i, d)
	{
		const char *of = itest_jstr(d, "replay_of");

		if (of == NULL) {
			sources++;
			cr_expect_str_eq(itest_jstr(d, "status"), "dead");
			if (itest_jstr(d, "replayed_by"))
				superseded++;
			continue;
		}
		replays++;
		cr_expect_str_eq(itest_jstr(d, "status"), "pending");
		if (json_object_get(seen, of) == NULL) {
			json_object_set_new(seen, of, json_true());
			distinct++;
		}
	}
	json_decref(seen);
	json_decref(all);
	cr_expect_eq(sources, N);
	cr_expect_eq(replays, N, "%zu replays of %d deliveries", replays, N);
	cr_expect_eq(distinct, N, "%zu deliveries replayed", distinct);
	cr_expect_eq(superseded, N);

	/* They go out, every event, and the request counts them. A drain
	 * run stops when nothing is due; on a loaded machine a try may time
	 * out and wait for its retry, so drain again until all arrived. */
	deadline = itest_mono_ms() + 90000;
	do {
		v = itest_deliver(t.biz, &st);
		cr_assert(st == 0 && v);
		json_decref(v);
	} while (itest_rcv_count(path) < N && itest_mono_ms() < deadline);
	log = itest_rcv_log(path);
	seen = json_object();
	distinct = 0;
	json_array_foreach(json_object_get(log, "requests"), i, d)
	{
		if (json_object_get(seen, itest_jstr(d, "id")) == NULL) {
			json_object_set_new(seen, itest_jstr(d, "id"),
					    json_true());
			distinct++;
		}
	}
	/* At least once: a try that timed out may have arrived too. */
	cr_expect_geq(itest_jint(log, "count"), N);
	cr_expect_eq(distinct, N);
	json_decref(seen);
	json_decref(log);
	snprintf(url, sizeof(url), "/v1/replays/%s", rpl);
	v = get_json(t.key, url);
	cr_expect_eq(itest_jint(v, "delivered"), N);
	cr_expect_eq(itest_jint(v, "dead"), 0);
	json_decref(v);

	/* The request is in the audit log. */
	v = get_json(t.key, "/v1/audit-log?limit=100");
	distinct = 0;
	json_array_foreach(json_object_get(v, "data"), i, d)
	{
		if (strcmp(itest_jstr(d, "action"), "replay.created") == 0 &&
		    strcmp(itest_jstr(json_object_get(d, "target"), "id"),
			   rpl) == 0)
			distinct++;
	}
	cr_expect_eq(distinct, 1, "replay %s is not in the audit log", rpl);
	json_decref(v);
}
