/* No wake-up is lost between an ingest and a claim of the same endpoint
 * (lib/delivery/kc_queue.c): each side is caught at the one moment that
 * matters by a row lock held by hand, as root, in place of the other side.
 *  - An ingest that meets a claim holding the endpoint's queue row waits
 *    for it, then reads what the claim decided and leaves a wake-up.
 *  - A claim that meets an ingest holding the row shared waits for its
 *    commit, then sees its delivery.
 * In test_jobs: it waits for a lock wait anywhere in the server, so
 * nothing else may run meanwhile. */
#include "itest.h"
#include "itest_sql.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(wakeup, .init = itest_setup, .timeout = 60);

static long long
internal_id(const char *table, const char *public_id)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE public_id = '%s'",
		 table, public_id);
	return itest_sql_int(sql);
}

/* Until some transaction waits for a lock on a delivery_queues row (up to
 * 10 s). InnoDB's own report, since information_schema.INNODB_TRX leaves
 * out a transaction that has written nothing yet (the claim's). */
static void
wait_for_lock_wait(const char *who)
{
	long long deadline = itest_mono_ms() + 10000;
	char *st, *trx;
	int waiting;

	for (;;) {
		/* The transactions now, not the last deadlock's report. */
		st = itest_sql_root("SHOW ENGINE INNODB STATUS");
		trx = strstr(st, "LIST OF TRANSACTIONS");
		waiting = trx && strstr(trx, "WAITING") != NULL &&
			  strstr(trx, "`delivery_queues` trx id") != NULL;
		free(st);
		if (waiting)
			return;
		cr_assert(itest_mono_ms() < deadline,
			  "%s never waited for the queue row's lock", who);
		itest_msleep(20);
	}
}

Test(wakeup, an_ingest_meeting_a_claim_leaves_a_wakeup)
{
	struct itest_tenant t;
	struct itest_sql_session claim = {0};
	struct itest_resp r;
	char path[64], ep[64], sql[512];
	long long id;
	json_t *out;
	pid_t pid;
	int st;

	itest_tenant_new(&t, "Woken Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	id = internal_id("webhook_endpoints", ep);
	/* The queue says "due", as between a claim's taking the wake-ups
	 * and its turn at the endpoint: an ingest reading that without a
	 * lock would leave no wake-up. */
	snprintf(sql, sizeof(sql),
		 "UPDATE delivery_queues SET due_at = UTC_TIMESTAMP(6) WHERE "
		 "endpoint_id = %lld",
		 id);
	cr_assert_eq(itest_admin_sql(sql), 0);
	/* A claim holds the row... */
	itest_sql_open(&claim);
	snprintf(sql, sizeof(sql),
		 "BEGIN; SELECT due_at FROM delivery_queues WHERE endpoint_id "
		 "= %lld FOR UPDATE;",
		 id);
	itest_sql_send(&claim, sql);
	/* ...when an event becomes owed to the endpoint. */
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		/* Not the session's pipes: they would keep it open. */
		close(claim.in);
		close(claim.out);
		itest_post(t.key, "/v1/leads",
			   "{\"name\":\"Racer\",\"phone\":\"+14155550188\","
			   "\"intent\":\"booking\"}",
			   &r);
		_exit(r.status == 201 ? 0 : 1);
	}
	wait_for_lock_wait("the ingest");
	/* The claim did not see the ingest's delivery (not committed yet),
	 * so it finds nothing owed and says so. */
	snprintf(sql, sizeof(sql),
		 "UPDATE delivery_queues SET due_at = NULL WHERE endpoint_id = "
		 "%lld; COMMIT;",
		 id);
	itest_sql_send(&claim, sql);
	itest_sql_close(&claim);
	waitpid(pid, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the lead failed");

	/* The ingest read that after the claim's commit and left a wake-up,
	 * so the next worker sends its delivery. */
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM delivery_wakeups WHERE endpoint_id = "
		 "%lld",
		 id);
	cr_expect_eq(itest_sql_int(sql), 1);
	out = itest_deliver(t.biz, &st);
	cr_assert(st == 0 && out, "kcctl deliver failed (%d)", st);
	cr_expect_eq(itest_jint(out, "delivered"), 1);
	json_decref(out);
	cr_expect_eq(itest_rcv_count(path), 1);
}

Test(wakeup, a_claim_meeting_an_ingest_waits_and_sees_its_delivery)
{
	struct itest_tenant t;
	struct itest_sql_session ingest = {0};
	char path[64], ep[64], evt[64], sql[1024], dlv[64], url[128];
	const char *kcctl = getenv("KC_KCCTL"), *conf = getenv("KC_CONF");
	long long id, event;
	struct itest_resp r;
	json_t *out;
	pid_t pid;
	int st;

	itest_tenant_new(&t, "Claimed Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	itest_lead(t.key, evt);
	out = itest_deliver(t.biz, &st);
	cr_assert(st == 0 && out, "kcctl deliver failed (%d)", st);
	json_decref(out);
	cr_assert_eq(itest_rcv_count(path), 1);
	id = internal_id("webhook_endpoints", ep);
	event = internal_id("events", evt);
	/* Due, as an earlier wake-up left it. */
	snprintf(sql, sizeof(sql),
		 "UPDATE delivery_queues SET due_at = UTC_TIMESTAMP(6) WHERE "
		 "endpoint_id = %lld",
		 id);
	cr_assert_eq(itest_admin_sql(sql), 0);
	/* An ingest half-way: its delivery written, the queue read under a
	 * shared lock (due: so it leaves no wake-up), not yet committed. */
	snprintf(dlv, sizeof(dlv), "dlv_race%d", (int)getpid());
	itest_sql_open(&ingest);
	snprintf(sql, sizeof(sql),
		 "BEGIN; INSERT INTO deliveries (public_id, business_id, "
		 "event_id, endpoint_id, status, next_attempt_at, created_at, "
		 "updated_at) SELECT '%s', business_id, %lld, id, 'pending', "
		 "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) FROM "
		 "webhook_endpoints WHERE id = %lld; SELECT due_at FROM "
		 "delivery_queues WHERE endpoint_id = %lld LOCK IN SHARE MODE;",
		 dlv, event, id, id);
	itest_sql_send(&ingest, sql);
	/* A worker comes: its claim waits for the ingest. */
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		close(ingest.in);
		close(ingest.out);
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execl(kcctl, kcctl, "--conf", conf, "deliver", "--business",
		      t.biz, (char *)NULL);
		_exit(127);
	}
	wait_for_lock_wait("the claim");
	itest_sql_send(&ingest, "COMMIT;");
	itest_sql_close(&ingest);
	waitpid(pid, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker exit %d", st);

	/* Having waited, it saw the delivery and sent it. */
	cr_expect_eq(itest_rcv_count(path), 2);
	snprintf(url, sizeof(url), "/v1/deliveries/%s", dlv);
	itest_get(url, t.key, &r);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect_str_eq(itest_jstr(r.json, "status"), "delivered", "%s",
			 r.body);
	itest_resp_free(&r);
}
