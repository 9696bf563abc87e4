/* The jobs that act on every business at once (kcctl maintain, the run
 * lock). They run after the other integration tests, one at a time
 * (scripts/test passes --jobs 1), since a retention of one second would
 * otherwise delete what tests running beside them are looking at. */
#include "itest.h"
#include "itest_sql.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TestSuite(jobs, .init = itest_setup, .timeout = 60);

static json_t *
run(const char *const *args)
{
	int st;
	json_t *v = itest_kcctl(&st, args);

	cr_assert(st == 0 && v, "kcctl %s failed (%d)", args[0], st);
	return v;
}

static long
status_of(const char *key, const char *collection, const char *id)
{
	char path[160];
	struct itest_resp r;
	long s;

	snprintf(path, sizeof(path), "/v1/%s/%s", collection, id);
	itest_get(path, key, &r);
	s = r.status;
	itest_resp_free(&r);
	return s;
}

Test(jobs, maintain_keeps_what_is_owed_and_deletes_the_rest)
{
	struct itest_tenant t;
	struct itest_resp r;
	char ok[64], bad[64], ep_ok[64], ep_bad[64], old_evt[64], owed_evt[64],
	    old_dlv[64], url[160];
	const char *deliver[] = {"deliver", "--business", NULL, NULL};
	const char *maintain[] = {"maintain", NULL};
	json_t *v;

	itest_tenant_new(&t, "Retention Co", "*");
	itest_rcv_path(ok, sizeof(ok));
	itest_rcv_path(bad, sizeof(bad));
	itest_rcv_mode(bad, "{\"status\":500}");
	itest_rcv_endpoint(t.key, ok, NULL, ep_ok, NULL);
	deliver[2] = t.biz;

	itest_lead(t.key, old_evt);
	json_decref(run(deliver));
	snprintf(url, sizeof(url), "/v1/deliveries?event=%s", old_evt);
	itest_get(url, t.key, &r);
	cr_assert_eq(r.status, 200);
	snprintf(old_dlv, sizeof(old_dlv), "%s",
		 itest_jstr(json_array_get(json_object_get(r.json, "data"), 0),
			    "id"));
	itest_resp_free(&r);

	/* An event still owed to a failing endpoint (retry in an hour). */
	itest_rcv_endpoint(t.key, bad, NULL, ep_bad, NULL);
	itest_lead(t.key, owed_evt);
	setenv("KC_DELIVERY_SCHEDULE", "1h", 1);
	json_decref(run(deliver));
	unsetenv("KC_DELIVERY_SCHEDULE");

	/* The scenario, not a wait for a result: every row made above is to
	 * be older than the 1 s retention when maintain runs, the owed event
	 * included (else its staying would prove nothing). */
	itest_msleep(1200);
	setenv("KC_ATTEMPTS_RETENTION", "1s", 1);
	setenv("KC_EVENTS_RETENTION", "1s", 1);
	v = run(maintain);
	cr_expect(itest_jint(v, "attempts") >= 3, "%lld",
		  itest_jint(v, "attempts"));
	cr_expect(itest_jint(v, "events") >= 1, "%lld",
		  itest_jint(v, "events"));
	json_decref(v);

	/* The finished event went with its delivery; the owed one stays,
	 * and its retry is still due. */
	cr_expect_eq(status_of(t.key, "events", old_evt), 404);
	cr_expect_eq(status_of(t.key, "deliveries", old_dlv), 404);
	cr_expect_eq(status_of(t.key, "events", owed_evt), 200);
	snprintf(url, sizeof(url), "/v1/deliveries?event=%s&status=failed",
		 owed_evt);
	cr_expect_eq(itest_count(t.key, url), 1);
	unsetenv("KC_ATTEMPTS_RETENTION");
	unsetenv("KC_EVENTS_RETENTION");
}

Test(jobs, maintain_disables_endpoints_failing_too_long)
{
	struct itest_tenant t;
	char bad[64], ep[64], url[128];
	const char *deliver[] = {"deliver", "--business", NULL, NULL};
	const char *maintain[] = {"maintain", NULL};
	struct itest_resp r;
	long long t0, disabled;
	json_t *v;

	itest_tenant_new(&t, "Long Failing Co", "*");
	itest_rcv_path(bad, sizeof(bad));
	itest_rcv_mode(bad, "{\"status\":500}");
	itest_rcv_endpoint(t.key, bad, NULL, ep, NULL);
	itest_lead(t.key, NULL);
	deliver[2] = t.biz;
	t0 = itest_mono_ms();
	json_decref(run(deliver));

	/* No further try happens (the next is 5 s away); the sweep still sees
	 * the streak's age. It runs until the endpoint is off, and must not
	 * turn it off before the streak is 1 s old. */
	setenv("KC_ENDPOINT_DISABLE_AFTER", "1s", 1);
	snprintf(url, sizeof(url), "/v1/webhook-endpoints/%s", ep);
	for (disabled = 0;; itest_msleep(100)) {
		v = run(maintain);
		disabled += itest_jint(v, "endpoints_disabled");
		json_decref(v);
		itest_get(url, t.key, &r);
		cr_assert_eq(r.status, 200, "%s", r.body);
		if (json_is_false(json_object_get(r.json, "enabled")))
			break;
		itest_resp_free(&r);
		cr_assert(itest_mono_ms() < t0 + 6000,
			  "still enabled 6 s into the failure");
	}
	unsetenv("KC_ENDPOINT_DISABLE_AFTER");
	cr_expect(itest_mono_ms() - t0 >= 1000,
		  "disabled %lld ms into the failure, before the 1 s",
		  itest_mono_ms() - t0);
	cr_expect(disabled >= 1);
	cr_expect(strstr(itest_jstr(r.json, "disabled_reason"), "failing") !=
		  NULL);
	itest_resp_free(&r);
}

/* Whether process pid holds a flock on path (from /proc/locks, which is
 * read without taking or disturbing the lock). */
static int
holds_flock(pid_t pid, const char *path)
{
	char line[256], kind[16];
	unsigned long ino;
	struct stat sb;
	unsigned maj, min;
	int who, found = 0;
	FILE *f;

	if (stat(path, &sb) != 0 || (f = fopen("/proc/locks", "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind,
			       &who, &maj, &min, &ino) == 5 &&
			strcmp(kind, "FLOCK") == 0 && who == pid &&
			ino == (unsigned long)sb.st_ino;
	fclose(f);
	return found;
}

/* Starts a deliver run holding lock (a fresh file when it still ends in
 * XXXXXX) for window, and returns its pid once it holds the lock; *t0 is
 * when it was started. */
static pid_t
holder(char *lock, const char *window, struct timespec *t0)
{
	const char *kcctl = getenv("KC_KCCTL"), *conf = getenv("KC_CONF");
	long long deadline = itest_mono_ms() + 5000;
	pid_t pid;
	int fd;

	if (strstr(lock, "XXXXXX")) {
		fd = mkstemp(lock);
		cr_assert(fd >= 0);
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, t0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execl(kcctl, kcctl, "--conf", conf, "deliver", "--lock", lock,
		      "--for", window, (char *)NULL);
		_exit(127);
	}
	while (!holds_flock(pid, lock)) {
		cr_assert(itest_mono_ms() < deadline,
			  "the first run did not take the lock");
		itest_msleep(5);
	}
	return pid;
}

/* The dashboard's housekeeping: a session unseen for a day past the idle
 * limit goes, whatever ended it; a live one stays, and so does one dead
 * for less than the day. Sign-in throttle rows go once their window has
 * closed; a counting one stays. */
Test(jobs, maintain_deletes_dead_sessions_and_closed_throttle_windows)
{
	struct itest_tenant t;
	const char *maintain[] = {"maintain", NULL};
	char sql[2048], tag[17];
	long long bid, uid;
	json_t *v;

	itest_tenant_new(&t, "Sessions Co", "*");
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM businesses WHERE public_id = '%s'", t.biz);
	bid = itest_sql_int(sql);
	snprintf(tag, sizeof(tag), "%016llx",
		 (unsigned long long)itest_mono_us());
	snprintf(sql, sizeof(sql),
		 "INSERT INTO users (public_id, business_id, email, role, "
		 "password_hash, created_at, updated_at) VALUES ('usr_%s', "
		 "%lld, 'purge-%s@example.com', 'viewer', 'x', "
		 "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
		 tag, bid, tag);
	free(itest_sql_root(sql));
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM users WHERE public_id = 'usr_%s'", tag);
	uid = itest_sql_int(sql);
	/* token_hash names each row: live, signed out 2 days ago, idle
	 * (last seen 2 days ago), past its 12 h lifetime 3 days ago, and
	 * signed out an hour ago (dead, but not for a day yet). The
	 * stage's session_idle is the default 30 minutes. */
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO sessions (token_hash, user_id, business_id, "
	    "created_at, last_seen_at, expires_at, ended_at) VALUES "
	    "(CONCAT('live-', '%s'), %lld, %lld, UTC_TIMESTAMP(6), "
	    "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL 12 HOUR, NULL), "
	    "(CONCAT('out-', '%s'), %lld, %lld, UTC_TIMESTAMP(6) - "
	    "INTERVAL 2 DAY, UTC_TIMESTAMP(6) - INTERVAL 2 DAY, "
	    "UTC_TIMESTAMP(6) + INTERVAL 10 HOUR - INTERVAL 2 DAY, "
	    "UTC_TIMESTAMP(6) - INTERVAL 2 DAY), "
	    "(CONCAT('idle-', '%s'), %lld, %lld, UTC_TIMESTAMP(6) - "
	    "INTERVAL 50 HOUR, UTC_TIMESTAMP(6) - INTERVAL 49 HOUR, "
	    "UTC_TIMESTAMP(6) - INTERVAL 38 HOUR, NULL), "
	    "(CONCAT('old-', '%s'), %lld, %lld, UTC_TIMESTAMP(6) - "
	    "INTERVAL 4 DAY, UTC_TIMESTAMP(6) - INTERVAL 3 DAY, "
	    "UTC_TIMESTAMP(6) - INTERVAL 84 HOUR, NULL), "
	    "(CONCAT('recent-', '%s'), %lld, %lld, UTC_TIMESTAMP(6) - "
	    "INTERVAL 2 HOUR, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, "
	    "UTC_TIMESTAMP(6) + INTERVAL 10 HOUR, UTC_TIMESTAMP(6) - "
	    "INTERVAL 1 HOUR)",
	    tag, uid, bid, tag, uid, bid, tag, uid, bid, tag, uid, bid, tag,
	    uid, bid);
	free(itest_sql_root(sql));
	/* Throttle rows: a window that closed a day ago, one counting now
	 * (the stage's signin_window is the default 15 minutes). */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO signin_throttle (scope, key_hash, window_start, "
		 "attempts) VALUES ('account', CONCAT('closed-', '%s'), "
		 "UTC_TIMESTAMP(6) - INTERVAL 1 DAY, 3), ('address', "
		 "CONCAT('open-', '%s'), UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE, "
		 "2)",
		 tag, tag);
	free(itest_sql_root(sql));

	v = run(maintain);
	cr_expect(itest_jint(v, "sessions") >= 3, "%lld",
		  itest_jint(v, "sessions"));
	cr_expect(itest_jint(v, "signin_throttle") >= 1, "%lld",
		  itest_jint(v, "signin_throttle"));
	json_decref(v);
	snprintf(sql, sizeof(sql),
		 "SELECT GROUP_CONCAT(SUBSTRING_INDEX(token_hash, '-', 1) "
		 "ORDER BY token_hash) FROM sessions WHERE user_id = %lld",
		 uid);
	{
		char *left = itest_sql_root(sql);

		cr_expect_str_eq(left, "live,recent\n");
		free(left);
	}
	snprintf(sql, sizeof(sql),
		 "SELECT GROUP_CONCAT(key_hash) FROM signin_throttle WHERE "
		 "key_hash LIKE '%%-%s'",
		 tag);
	{
		char *left = itest_sql_root(sql);
		char want[64];

		snprintf(want, sizeof(want), "open-%s\n", tag);
		cr_expect_str_eq(left, want);
		free(left);
	}
	/* Nothing more to do: a second run deletes none of ours. */
	json_decref(run(maintain));
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM sessions WHERE user_id = %lld", uid);
	cr_expect_eq(itest_sql_int(sql), 2);
}

static double
since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

Test(jobs, a_locked_run_steps_aside)
{
	char lock[] = "/tmp/kaicalls-lock-XXXXXX";
	const char *second[] = {"deliver", "--lock", lock, "--for", "5s", NULL};
	struct timespec t0, started;
	json_t *v;
	pid_t pid;
	int st;

	pid = holder(lock, "3s", &started);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	v = itest_kcctl(&st, second);
	cr_expect_eq(st, 0);
	cr_expect(v && json_is_true(json_object_get(v, "locked")),
		  "expected {\"locked\": true}");
	json_decref(v);
	cr_expect(since(&t0) < 2, "the second run waited");
	waitpid(pid, &st, 0);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(lock);
}

Test(jobs, a_run_asked_to_waits_for_the_lock_then_takes_over)
{
	char lock[] = "/tmp/kaicalls-lock-XXXXXX";
	const char *next[] = {"deliver", "--lock", lock, "--lock-wait",
			      "10s",     "--for",  "1s", NULL};
	const char *late[] = {"deliver", "--lock", lock, "--lock-wait",
			      "1s",      "--for",  "1s", NULL};
	struct timespec t0, started;
	json_t *v;
	pid_t pid;
	int st;
	double waited, first;

	/* As cron does at a minute's turn: the next run starts before the
	 * last one has finished, waits, and then works. */
	pid = holder(lock, "3s", &started);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	v = itest_kcctl(&st, next);
	waited = since(&t0);
	first = since(&started);
	cr_expect_eq(st, 0);
	cr_expect(v && json_object_get(v, "locked") == NULL &&
		      json_is_integer(json_object_get(v, "claimed")),
		  "the waiting run did not run");
	json_decref(v);
	/* It waited for the first, whose 3 s window began after it was
	 * started, and did not hang on. */
	cr_expect(first > 3 && waited < 6,
		  "took %.1f s (%.1f s since the "
		  "first started)",
		  waited, first);
	waitpid(pid, &st, 0);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* A wait that runs out is a step aside, not a failure. */
	pid = holder(lock, "4s", &started);
	v = itest_kcctl(&st, late);
	cr_expect_eq(st, 0);
	cr_expect(v && json_is_true(json_object_get(v, "locked")));
	json_decref(v);
	waitpid(pid, &st, 0);
	unlink(lock);
}

/* A database that refuses us (a wrong password) is a configuration error,
 * not an outage to wait out: cron's worker fails at once, and says why,
 * instead of sitting out its window and reporting success. */
Test(jobs, a_refused_database_fails_the_worker_rather_than_waiting)
{
	const char *args[] = {"deliver", "--for", "20s", NULL};
	long long t0;
	json_t *v;
	int st;

	setenv("KC_DB_PASSWORD", "not-the-password", 1);
	t0 = itest_mono_ms();
	v = itest_kcctl(&st, args);
	unsetenv("KC_DB_PASSWORD");
	cr_assert_eq(st, 1, "kcctl deliver exited %d", st);
	cr_assert(v, "kcctl printed no JSON error");
	cr_expect(strstr(itest_jstr(v, "error"), "database") != NULL, "%s",
		  itest_jstr(v, "error"));
	/* Ten tries 200 ms apart, not the 20 s window. */
	cr_expect_lt(itest_mono_ms() - t0, 10000);
	json_decref(v);
}

/* --- outbound (review 11: M2, retention) ---------------------------------- */

/* The internal id of a business, by its public id. */
static long long
business_id_of(const char *biz)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT id FROM businesses WHERE public_id = '%s'", biz);
	return itest_sql_int(sql);
}

/* Stores n messages of business biz straight into the queue (made as the
 * API makes them, "from" a number the business does not own, so that each
 * is blocked when checked), due at next_sql and made at created_sql,
 * their public ids
 * msg_prefixN1..msg_prefixNn (prefix: letters and
 * digits). */
static void
queue_raw(long long biz, const char *prefix, int n, const char *status,
	  const char *next_sql, const char *created_sql)
{
	char sql[2048];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO outbound_actions (public_id, business_id, kind, "
		 "purpose, to_number, from_number, body, status, checks, "
		 "next_attempt_at, created_at, updated_at) SELECT "
		 "CONCAT('msg_%sN', seq), %lld, 'message', 'informational', "
		 "'+12125550142', '+12125550143', 'hello', '%s', '[]', %s, %s, "
		 "%s FROM seq_1_to_%d",
		 prefix, biz, status, next_sql, created_sql, created_sql, n);
	free(itest_sql_root(sql));
}

/* A business at its per-minute cap with a large backlog: the rest of its
 * due work is put back in one statement, so the next claim reaches the
 * other business's message within the run, not after claiming and putting
 * back the backlog a claim at a time. */
Test(jobs, one_business_at_its_cap_does_not_hold_up_another)
{
	struct itest_tenant a, b;
	const char *args[] = {"outbound", "--for", "3s", NULL};
	char prefix_a[32], prefix_b[32], sql[256], rnd[16];
	long long ida, idb;
	json_t *v;
	int st;

	itest_tenant_new(&a, "Backlog Co", "*");
	itest_tenant_new(&b, "Waiting Co", "*");
	ida = business_id_of(a.biz);
	idb = business_id_of(b.biz);
	itest_random_number(rnd, sizeof(rnd));
	snprintf(prefix_a, sizeof(prefix_a), "m2a%s", rnd + 1);
	snprintf(prefix_b, sizeof(prefix_b), "m2b%s", rnd + 1);
	/* A's backlog first in the queue's order, B's one message after. */
	queue_raw(ida, prefix_a, 10000, "queued",
		  "UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE", "UTC_TIMESTAMP(6)");
	queue_raw(idb, prefix_b, 1, "queued", "UTC_TIMESTAMP(6)",
		  "UTC_TIMESTAMP(6)");

	setenv("KC_OUTBOUND_MESSAGES_PER_MINUTE", "1", 1);
	setenv("KC_CARRIER_CONCURRENCY", "1", 1);
	v = itest_kcctl(&st, args);
	unsetenv("KC_OUTBOUND_MESSAGES_PER_MINUTE");
	unsetenv("KC_CARRIER_CONCURRENCY");
	json_decref(v);

	snprintf(sql, sizeof(sql),
		 "SELECT status FROM outbound_actions WHERE public_id = "
		 "'msg_%sN1'",
		 prefix_b);
	{
		char *got = itest_sql_root(sql);

		cr_expect_eq(strncmp(got, "blocked", 7), 0,
			     "B's message is still %s", got);
		free(got);
	}
	/* None of A's backlog is due any more: all of it waits for the next
	 * minute. */
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM outbound_actions WHERE business_id = "
		 "%lld AND next_attempt_at <= UTC_TIMESTAMP(6)",
		 ida);
	cr_expect_eq(itest_sql_int(sql), 0);
	/* The backlog must not burden the jobs that run after this. */
	snprintf(sql, sizeof(sql),
		 "DELETE FROM outbound_actions WHERE business_id IN (%lld, "
		 "%lld)",
		 ida, idb);
	free(itest_sql_root(sql));
}

/* kcctl maintain deletes finished outbound actions past
 * outbound_retention and carrier callbacks past
 * carrier_callbacks_retention; what is queued, or of unknown outcome,
 * stays whatever its age. */
Test(jobs, maintain_purges_finished_outbound_actions_and_old_callbacks)
{
	struct itest_tenant t;
	const char *maintain[] = {"maintain", NULL};
	char p[32], rnd[16], sql[512];
	long long id;
	json_t *v;

	itest_tenant_new(&t, "Outbound Retention Co", "*");
	id = business_id_of(t.biz);
	itest_random_number(rnd, sizeof(rnd));
	snprintf(p, sizeof(p), "ret%s", rnd + 1);
	{
		char old[64], fresh[64], kept[64];

		snprintf(old, sizeof(old), "%sold", p);
		snprintf(fresh, sizeof(fresh), "%snew", p);
		snprintf(kept, sizeof(kept), "%sdue", p);
		queue_raw(id, old, 2, "blocked", "NULL",
			  "UTC_TIMESTAMP(6) - INTERVAL 1 HOUR");
		queue_raw(id, fresh, 1, "delivered", "NULL",
			  "UTC_TIMESTAMP(6)");
		/* Old, but queued for later, or perhaps sent. */
		queue_raw(id, kept, 1, "queued",
			  "UTC_TIMESTAMP(6) + INTERVAL 1 DAY",
			  "UTC_TIMESTAMP(6) - INTERVAL 1 HOUR");
		snprintf(kept, sizeof(kept), "%sunk", p);
		queue_raw(id, kept, 1, "unknown", "NULL",
			  "UTC_TIMESTAMP(6) - INTERVAL 1 HOUR");
	}
	snprintf(sql, sizeof(sql),
		 "INSERT INTO carrier_callbacks (carrier_sid, status, "
		 "business_id, received_at) VALUES ('SM%s', 'sent', %lld, "
		 "UTC_TIMESTAMP(6) - INTERVAL 1 HOUR), ('SM%s', 'delivered', "
		 "%lld, UTC_TIMESTAMP(6))",
		 p, id, p, id);
	free(itest_sql_root(sql));

	setenv("KC_OUTBOUND_RETENTION", "10m", 1);
	setenv("KC_CARRIER_CALLBACKS_RETENTION", "10m", 1);
	v = run(maintain);
	unsetenv("KC_OUTBOUND_RETENTION");
	unsetenv("KC_CARRIER_CALLBACKS_RETENTION");
	cr_expect(itest_jint(v, "outbound_actions") >= 2, "%lld",
		  itest_jint(v, "outbound_actions"));
	cr_expect(itest_jint(v, "carrier_callbacks") >= 1, "%lld",
		  itest_jint(v, "carrier_callbacks"));
	json_decref(v);

	snprintf(sql, sizeof(sql),
		 "SELECT GROUP_CONCAT(public_id ORDER BY public_id) FROM "
		 "outbound_actions WHERE business_id = %lld",
		 id);
	{
		char *got = itest_sql_root(sql), want[256];

		snprintf(want, sizeof(want),
			 "msg_%sdueN1,msg_%snewN1,msg_%sunkN1\n", p, p, p);
		cr_expect_str_eq(got, want);
		free(got);
	}
	snprintf(sql, sizeof(sql),
		 "SELECT GROUP_CONCAT(status) FROM carrier_callbacks WHERE "
		 "carrier_sid = 'SM%s'",
		 p);
	{
		char *got = itest_sql_root(sql);

		cr_expect_str_eq(got, "delivered\n");
		free(got);
	}
	/* The defaults keep them: four years, thirty days. */
	v = run(maintain);
	json_decref(v);
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM outbound_actions WHERE business_id = "
		 "%lld",
		 id);
	cr_expect_eq(itest_sql_int(sql), 3);
}

/* The delivery queues broken as a crash, a hand-made endpoint or a binary
 * older than migration 011 leaves them: a queue that says nothing is due
 * while a delivery is owed and counts deliveries in flight that are not,
 * an endpoint without a queue row, and a wake-up no worker consumed.
 * kcctl maintain sets them right, and the deliveries then go. */
Test(jobs, maintain_repairs_the_delivery_queues)
{
	struct itest_tenant t;
	char p1[64], p2[64], p3[64], e1[64], e2[64], e3[64], sql[1024];
	const char *deliver[] = {"deliver", "--business", NULL, NULL};
	const char *maintain[] = {"maintain", NULL};
	long long id1, id2, id3;
	json_t *v;

	itest_tenant_new(&t, "Broken Queues Co", "*");
	itest_rcv_path(p1, sizeof(p1));
	itest_rcv_path(p2, sizeof(p2));
	itest_rcv_path(p3, sizeof(p3));
	itest_rcv_endpoint(t.key, p1, NULL, e1, NULL);
	itest_rcv_endpoint(t.key, p2, NULL, e2, NULL);
	itest_rcv_endpoint(t.key, p3, NULL, e3, NULL);
	itest_lead(t.key, NULL); /* one delivery owed to each */
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM webhook_endpoints WHERE public_id = '%s'", e1);
	id1 = itest_sql_int(sql);
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM webhook_endpoints WHERE public_id = '%s'", e2);
	id2 = itest_sql_int(sql);
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM webhook_endpoints WHERE public_id = '%s'", e3);
	id3 = itest_sql_int(sql);
	/* 1: not due, and 7 in flight; 2: no queue row; 3: not due, with its
	 * wake-up still waiting. None of 1 and 2 has a wake-up. */
	snprintf(
	    sql, sizeof(sql),
	    "DELETE FROM delivery_wakeups WHERE endpoint_id IN (%lld, "
	    "%lld); UPDATE delivery_queues SET due_at = NULL, in_flight = "
	    "7 WHERE endpoint_id = %lld; DELETE FROM delivery_queues WHERE "
	    "endpoint_id = %lld; UPDATE delivery_queues SET due_at = NULL "
	    "WHERE endpoint_id = %lld",
	    id1, id2, id1, id2, id3);
	cr_assert_eq(itest_admin_sql(sql), 0);
	deliver[2] = t.biz;
	/* As broken, endpoints 1 and 2 are never looked at. */
	v = run(deliver);
	cr_expect_eq(itest_jint(v, "delivered"), 1, "only 3's wake-up works");
	json_decref(v);
	cr_expect_eq(itest_rcv_count(p1) + itest_rcv_count(p2), 0);

	v = run(maintain);
	cr_expect_geq(itest_jint(v, "delivery_queues_repaired"), 2);
	json_decref(v);
	snprintf(
	    sql, sizeof(sql),
	    "SELECT COUNT(*) FROM delivery_queues WHERE endpoint_id IN "
	    "(%lld, %lld) AND due_at <= UTC_TIMESTAMP(6) AND in_flight = 0",
	    id1, id2);
	cr_expect_eq(itest_sql_int(sql), 2, "queues not set right");
	v = run(deliver);
	cr_expect_eq(itest_jint(v, "delivered"), 2);
	json_decref(v);
	cr_expect_eq(itest_rcv_count(p1), 1);
	cr_expect_eq(itest_rcv_count(p2), 1);
	cr_expect_eq(itest_rcv_count(p3), 1);
}

/* Wake-ups of a business no worker serves (every worker runs with
 * --business for others) are taken by kcctl maintain: the table does not
 * grow for ever, and the queue they woke is due. */
Test(jobs, maintain_takes_wakeups_no_worker_took)
{
	struct itest_tenant t;
	char p[64], e[64], sql[512];
	const char *maintain[] = {"maintain", NULL};
	long long id;
	json_t *v;

	itest_tenant_new(&t, "Unserved Co", "*");
	itest_rcv_path(p, sizeof(p));
	itest_rcv_endpoint(t.key, p, NULL, e, NULL);
	itest_lead(t.key, NULL);
	itest_lead(t.key, NULL);
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM webhook_endpoints WHERE public_id = '%s'", e);
	id = itest_sql_int(sql);
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM delivery_wakeups WHERE endpoint_id = "
		 "%lld",
		 id);
	cr_assert_geq(itest_sql_int(sql), 1, "no wake-up to take");
	v = run(maintain);
	cr_expect_geq(itest_jint(v, "wakeups_taken"), 1);
	json_decref(v);
	cr_expect_eq(itest_sql_int(sql), 0, "wake-ups left");
	snprintf(
	    sql, sizeof(sql),
	    "SELECT COUNT(*) FROM delivery_queues WHERE endpoint_id = %lld "
	    "AND due_at <= UTC_TIMESTAMP(6)",
	    id);
	cr_expect_eq(itest_sql_int(sql), 1, "the queue is not due");
}

/* A held queue stays held: a wake-up (a new delivery) does not make the
 * endpoint of an open breaker due before its probe; a replay, which asks
 * for the probe now, does. In test_jobs: kcctl maintain turns the
 * wake-ups into due queues as a worker does, across every business. */
Test(jobs, a_wakeup_does_not_undo_a_hold_and_a_replay_does)
{
	struct itest_tenant t;
	struct itest_resp r;
	char p[64], e[64], sql[512], url[160], dlv[64];
	const char *deliver[] = {"deliver", "--business", NULL, NULL};
	const char *maintain[] = {"maintain", NULL};
	long long id;
	json_t *v;

	itest_tenant_new(&t, "Held Breaker Co", "*");
	itest_rcv_path(p, sizeof(p));
	itest_rcv_endpoint(t.key, p, NULL, e, NULL);
	deliver[2] = t.biz;
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM webhook_endpoints WHERE public_id = '%s'", e);
	id = itest_sql_int(sql);
	snprintf(
	    sql, sizeof(sql),
	    "UPDATE webhook_endpoints SET breaker_state = 'open', "
	    "breaker_failures = 5, breaker_opens = 1, breaker_opened_at = "
	    "UTC_TIMESTAMP(6), breaker_until = UTC_TIMESTAMP(6) + INTERVAL "
	    "1 HOUR WHERE id = %lld",
	    id);
	cr_assert_eq(itest_admin_sql(sql), 0);
	itest_lead(t.key, NULL);
	/* The claim holds it until the probe, an hour away. */
	json_decref(run(deliver));
	cr_assert_eq(itest_rcv_count(p), 0);
	snprintf(
	    sql, sizeof(sql),
	    "SELECT COUNT(*) FROM delivery_queues WHERE endpoint_id = %lld "
	    "AND due_at > UTC_TIMESTAMP(6) + INTERVAL 30 MINUTE",
	    id);
	cr_assert_eq(itest_sql_int(sql), 1, "not held");
	/* New deliveries wake it: still held. */
	itest_lead(t.key, NULL);
	json_decref(run(maintain));
	cr_expect_eq(itest_sql_int(sql), 1, "a wake-up undid the hold");

	/* A replay asks for the probe now: the hold ends with it. */
	snprintf(
	    sql, sizeof(sql),
	    "UPDATE deliveries SET status = 'dead', next_attempt_at = NULL "
	    "WHERE endpoint_id = %lld ORDER BY id LIMIT 1; SELECT "
	    "public_id FROM deliveries WHERE endpoint_id = %lld ORDER BY "
	    "id LIMIT 1",
	    id, id);
	itest_admin_value(sql, dlv, sizeof(dlv));
	snprintf(url, sizeof(url), "/v1/deliveries/%s/replay", dlv);
	itest_post(t.key, url, "{}", &r);
	cr_assert_lt(r.status, 300, "%ld %s", r.status, r.body);
	itest_resp_free(&r);
	v = run(deliver);
	cr_expect_geq(itest_jint(v, "delivered"), 1, "no probe");
	json_decref(v);
	cr_expect_geq(itest_rcv_count(p), 1);
}

/* A worker killed between a batch that opened a breaker and the event
 * that tells of it leaves the transition marked: kcctl maintain (or the
 * next worker, as it starts) tells it, once. */
Test(jobs, a_breaker_transition_a_killed_worker_left_is_told)
{
	struct itest_tenant t;
	char bad[64], watch[64], ep_bad[64], ep_w[64], sql[512];
	const char *maintain[] = {"maintain", NULL};
	json_t *v, *log, *ev;

	itest_tenant_new(&t, "Killed Worker Co", "*");
	itest_rcv_path(bad, sizeof(bad));
	itest_rcv_path(watch, sizeof(watch));
	itest_rcv_endpoint(t.key, bad, "[\"lead.captured\"]", ep_bad, NULL);
	itest_rcv_endpoint(t.key, watch, "[\"endpoint.circuit_opened\"]", ep_w,
			   NULL);
	/* What the batch wrote before the worker died. */
	snprintf(
	    sql, sizeof(sql),
	    "UPDATE webhook_endpoints SET breaker_state = 'open', "
	    "breaker_failures = 5, breaker_opens = 1, breaker_opened_at = "
	    "UTC_TIMESTAMP(6), breaker_until = UTC_TIMESTAMP(6) + INTERVAL "
	    "1 HOUR, breaker_event = 'opened' WHERE public_id = '%s'",
	    ep_bad);
	cr_assert_eq(itest_admin_sql(sql), 0);
	v = run(maintain);
	cr_expect_geq(itest_jint(v, "breaker_events_told"), 1);
	json_decref(v);
	/* Its delivery goes with the next worker of the business. */
	{
		const char *deliver[] = {"deliver", "--business", t.biz, NULL};

		json_decref(run(deliver));
	}
	log = itest_rcv_log(watch);
	cr_assert_eq(itest_jint(log, "count"), 1);
	ev = json_loads(
	    itest_jstr(json_array_get(json_object_get(log, "requests"), 0),
		       "body"),
	    0, NULL);
	cr_expect_str_eq(itest_jstr(ev, "type"), "endpoint.circuit_opened");
	cr_expect_str_eq(itest_jstr(json_object_get(ev, "data"), "endpoint_id"),
			 ep_bad);
	json_decref(ev);
	json_decref(log);
	/* Told once. */
	json_decref(run(maintain));
	snprintf(
	    sql, sizeof(sql),
	    "SELECT COUNT(*) FROM webhook_endpoints WHERE public_id = '%s' "
	    "AND breaker_event IS NULL",
	    ep_bad);
	cr_expect_eq(itest_sql_int(sql), 1);
	cr_expect_eq(itest_rcv_count(watch), 1);
}
