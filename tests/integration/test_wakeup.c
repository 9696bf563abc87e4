/* Queue rows held by another transaction stop nobody, and one business's
 * hanging receiver does not delay another's deliveries
 * (lib/delivery/kc_queue.c). A queue row is held by hand, as root, in
 * place of a transaction that does not end:
 *  - an ingest never waits for it, and leaves a wake-up;
 *  - a claim skips that endpoint and delivers the others; the endpoint's
 *    deliveries go once the row is free.
 * In test_jobs: the workers here serve every business (no --business), so
 * nothing else may run meanwhile. */
#include "itest.h"
#include "itest_sql.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
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

/* Nothing owed anywhere: what earlier tests left due (to receivers that
 * hang or fail, some of them) would take the slots of a worker that
 * serves every business. */
static void
nothing_else_owed(void)
{
	cr_assert_eq(
	    itest_admin_sql(
		"UPDATE deliveries SET status = 'dead', next_attempt_at = "
		"NULL, lease_owner = NULL, lease_until = NULL WHERE status IN "
		"('pending', 'failed', 'in_flight'); UPDATE delivery_queues "
		"SET "
		"due_at = NULL, in_flight = 0; DELETE FROM delivery_wakeups"),
	    0);
}

/* The queue row of endpoint ep, held FOR UPDATE by session s. */
static void
hold_queue_row(struct itest_sql_session *s, long long endpoint)
{
	char sql[256];

	itest_sql_open(s);
	snprintf(sql, sizeof(sql),
		 "BEGIN; SELECT due_at FROM delivery_queues WHERE endpoint_id "
		 "= %lld FOR UPDATE;",
		 endpoint);
	itest_sql_send(s, sql);
}

Test(wakeup, an_ingest_never_waits_for_a_queue_row)
{
	struct itest_tenant t;
	struct itest_sql_session held = {0};
	struct itest_resp r;
	char path[64], ep[64], sql[256];
	long long id, t0, took;
	json_t *out;
	int st;

	itest_tenant_new(&t, "Unwaiting Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	id = internal_id("webhook_endpoints", ep);
	hold_queue_row(&held, id);
	t0 = itest_mono_ms();
	itest_post(t.key, "/v1/leads",
		   "{\"name\":\"Racer\",\"phone\":\"+14155550188\","
		   "\"intent\":\"booking\"}",
		   &r);
	took = itest_mono_ms() - t0;
	cr_expect_eq(r.status, 201, "%s", r.body);
	itest_resp_free(&r);
	/* A lock wait would be InnoDB's 50 s (or the client's 20 s). */
	cr_expect_lt(took, 3000, "the ingest took %lld ms", took);
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM delivery_wakeups WHERE endpoint_id = "
		 "%lld",
		 id);
	cr_expect_eq(itest_sql_int(sql), 1, "no wake-up left");
	itest_sql_close(&held);

	out = itest_deliver(t.biz, &st);
	cr_assert(st == 0 && out, "kcctl deliver failed (%d)", st);
	cr_expect_eq(itest_jint(out, "delivered"), 1);
	json_decref(out);
	cr_expect_eq(itest_rcv_count(path), 1);
}

Test(wakeup, a_claim_skips_a_held_queue_row_and_serves_the_rest)
{
	struct itest_tenant a, b;
	struct itest_sql_session held = {0};
	char path_a[64], path_b[64], ep_a[64], ep_b[64], sql[256];
	long long id_a;
	json_t *out;
	int fd;
	pid_t pid;

	nothing_else_owed();
	itest_tenant_new(&a, "Held Queue Co", "*");
	itest_tenant_new(&b, "Free Queue Co", "*");
	itest_rcv_path(path_a, sizeof(path_a));
	itest_rcv_path(path_b, sizeof(path_b));
	/* A's endpoint first: the lower id, which a claim locks first. */
	itest_rcv_endpoint(a.key, path_a, NULL, ep_a, NULL);
	itest_rcv_endpoint(b.key, path_b, NULL, ep_b, NULL);
	id_a = internal_id("webhook_endpoints", ep_a);
	itest_lead(a.key, NULL);
	itest_lead(b.key, NULL);
	/* A's queue due, its row held as by a transaction that hangs. */
	snprintf(sql, sizeof(sql),
		 "UPDATE delivery_queues SET due_at = UTC_TIMESTAMP(6) WHERE "
		 "endpoint_id = %lld",
		 id_a);
	cr_assert_eq(itest_admin_sql(sql), 0);
	hold_queue_row(&held, id_a);

	/* One worker for every business: B's delivery goes at once. */
	pid = itest_worker_spawn(NULL, "30s", &fd);
	itest_wait_received(path_b, 1, 5000);
	cr_expect_eq(itest_rcv_count(path_a), 0, "sent through a held row");
	/* Freed: A's goes too, by the same worker (which never failed). */
	itest_sql_close(&held);
	itest_wait_received(path_a, 1, 5000);
	out = itest_worker_done(pid, fd);
	cr_expect_eq(itest_jint(out, "delivered"), 2);
	json_decref(out);
}

/* The promise of fair delivery across businesses, with a worker that
 * serves every business: business A's receiver hangs and A has more due
 * than the worker has slots, with room to take them all (max_in_flight
 * 10 > 4 slots); business B's events still reach B within a second. Here,
 * with nothing else running, the second is a fair bound. */
Test(wakeup, a_hanging_business_leaves_slots_to_another)
{
	enum { SLOTS = 4, BACKLOG = 20, FRESH = 5 };
	struct itest_tenant a, b;
	char hang[64], ok[64], ep_a[64], ep_b[64];
	json_t *log, *out;
	size_t i;
	int fd;
	pid_t pid;

	nothing_else_owed();
	setenv("KC_DELIVERY_BATCH", "4", 1);
	setenv("KC_DELIVERY_TIMEOUT", "3s", 1);
	setenv("KC_DELIVERY_LEASE", "10s", 1);
	itest_tenant_new(&a, "Hanging Business Co", "*");
	itest_tenant_new(&b, "Healthy Business Co", "*");
	itest_rcv_path(hang, sizeof(hang));
	itest_rcv_path(ok, sizeof(ok));
	itest_rcv_mode(hang, "{\"status\":200,\"delay_ms\":10000}");
	itest_rcv_endpoint(a.key, hang, NULL, ep_a, NULL);
	itest_rcv_endpoint(b.key, ok, NULL, ep_b, NULL);
	for (i = 0; i < BACKLOG; i++)
		itest_lead(a.key, NULL);
	pid = itest_worker_spawn(NULL, "30s", &fd);
	/* A holds what it may of the slots before B has anything. */
	itest_wait_received(hang, SLOTS - SLOTS / 4, 5000);
	for (i = 0; i < FRESH; i++) {
		itest_lead(b.key, NULL);
		itest_msleep(200);
	}
	itest_wait_received(ok, FRESH, 3000);
	itest_expect_latency(ok, FRESH, 1000);
	out = itest_worker_done(pid, fd);
	json_decref(out);
	/* A never held more than three quarters of the slots, though its
	 * own limit would have let it take all four. */
	log = itest_rcv_log(hang);
	cr_expect_eq(itest_jint(log, "max_concurrent"), SLOTS - SLOTS / 4);
	json_decref(log);
}

/* An endpoint row held by a transaction that does not end (a stuck
 * request) does not stop the worker: the outcome is recorded after a
 * second's wait, without that endpoint's health, instead of waiting
 * InnoDB's 50 s three times with the batch's locks held. */
Test(wakeup, recording_does_not_wait_for_a_held_endpoint_row)
{
	struct itest_tenant t;
	struct itest_sql_session held = {0};
	char path[64], ep[64], sql[256];
	long long t0, took;
	json_t *out;
	int st;

	itest_tenant_new(&t, "Stuck Endpoint Co", "*");
	itest_rcv_path(path, sizeof(path));
	itest_rcv_endpoint(t.key, path, NULL, ep, NULL);
	itest_lead(t.key, NULL);
	itest_sql_open(&held);
	snprintf(sql, sizeof(sql),
		 "BEGIN; SELECT id FROM webhook_endpoints WHERE id = %lld FOR "
		 "UPDATE;",
		 internal_id("webhook_endpoints", ep));
	itest_sql_send(&held, sql);
	t0 = itest_mono_ms();
	out = itest_deliver(t.biz, &st);
	took = itest_mono_ms() - t0;
	cr_assert(st == 0 && out, "kcctl deliver failed (%d)", st);
	cr_expect_eq(itest_jint(out, "delivered"), 1);
	json_decref(out);
	cr_expect_lt(took, 10000, "the worker took %lld ms", took);
	itest_sql_close(&held);
	cr_expect_eq(itest_rcv_count(path), 1);
	snprintf(
	    sql, sizeof(sql),
	    "SELECT COUNT(*) FROM deliveries d JOIN webhook_endpoints w ON "
	    "w.id = d.endpoint_id WHERE w.public_id = '%s' AND d.status = "
	    "'delivered'",
	    ep);
	cr_expect_eq(itest_sql_int(sql), 1);
}
