/* kcctl dnc import: the national registry loaded from a file of a million
 * numbers, what the check makes of it, and a reload that replaces it
 * atomically while it is being read. The registry is one for every
 * business: these tests run with the jobs, one at a time. The import's
 * time is logged here and measured in scripts/bench-dnc-import (README). */
#include "itest.h"
#include "itest_sql.h"
#include "kc_business.h"
#include "kc_compliance.h"
#include "kc_config.h"
#include "kc_db.h"
#include "kc_registry.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct kc_config cfg;
static struct kc_db *db;

static void
db_open(void)
{
	char err[512];

	itest_setup();
	cr_assert_eq(kc_config_load(&cfg, NULL, err, sizeof(err)), 0, "%s",
		     err);
	db = kc_db_open(&cfg, err, sizeof(err));
	cr_assert_not_null(db, "%s", err);
}

static void
db_close(void)
{
	kc_db_close(db);
	kc_config_free(&cfg);
}

/* Longer than the other suites' 60 s: a million numbers twice. (Criterion
 * 2.4 leaks a little when suites of different timeouts run in parallel;
 * test_jobs runs one test at a time.) */
TestSuite(dnc_registry, .init = db_open, .fini = db_close, .timeout = 600);

#define MILLION 1000000LL

/* The i-th valid number of area code 201: exchanges from 200 on but the
 * N11 ones (99 of each hundred), ten thousand lines each. */
static long long
number(long long i)
{
	long long k = i / 10000, off = k % 99;
	long long ex = 200 + (k / 99) * 100 + off + (off >= 11 ? 1 : 0);

	return 2010000000LL + ex * 10000 + i % 10000;
}

static void
e164(long long i, char *out, size_t cap)
{
	snprintf(out, cap, "+1%lld", number(i));
}

/* Writes numbers [from, to) to a new file, with extra lines appended;
 * path needs 256 bytes. */
static void
write_file(char *path, long long from, long long to, const char *extra)
{
	const char *dir = getenv("KC_VAR");
	long long i;
	FILE *f;
	int fd;

	snprintf(path, 256, "%s/dnc-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	for (i = from; i < to; i++)
		fprintf(f, "%lld\n", number(i));
	if (extra)
		fputs(extra, f);
	cr_assert_eq(fclose(f), 0);
}

static json_t *
import(const char *path, int *status)
{
	const char *args[] = {"dnc", "import", path, NULL};

	return itest_kcctl(status, args);
}

static long long
registry_rows(void)
{
	return itest_sql_int("SELECT COUNT(*) FROM dnc_registry");
}

static int
has(long long i)
{
	char n[16];
	int h;

	e164(i, n, sizeof(n));
	h = kc_registry_has(db, n);
	cr_assert(h == 0 || h == 1, "kc_registry_has failed");
	return h;
}

/* Starts kcctl dnc import path in the background. */
static pid_t
import_in_background(const char *path)
{
	const char *kcctl = getenv("KC_KCCTL"), *conf = getenv("KC_CONF");
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(kcctl, kcctl, "--conf", conf, "dnc", "import", path,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void
written_consent(const char *key, const char *to, const char *channel)
{
	struct itest_resp r;
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"phone\":\"%s\",\"channel\":\"%s\",\"kind\":"
		 "\"written\",\"source\":\"web_form\",\"captured_at\":"
		 "\"2026-01-02T03:04:05Z\"}",
		 to, channel);
	itest_post(key, "/v1/consents", body, &r);
	cr_assert_eq(r.status, 201, "%s", r.body);
	itest_resp_free(&r);
}

/* One test, in steps that build on each other: a million numbers, what
 * the check makes of them, a bad file that changes nothing, and a reload
 * read all the while. */
Test(dnc_registry, import_check_and_atomic_reload)
{
	/* A: numbers [0, 1M); B: [500k, 1.5M). a is only in A, b only in
	 * B, c in both. */
	const long long a = 10, b = 1400000, c = 700000;
	char path_a[256], path_b[256], path_bad[256], path_empty[256], to[16],
	    from[16];
	long long version, t0, old_seen = 0, new_seen = 0, rounds = 0;
	struct itest_tenant t;
	struct kc_business biz;
	json_t *v;
	int st, wst;
	pid_t pid;

	/* Repeats, blank lines and CRLF endings are what files look like. */
	write_file(path_a, 0, MILLION, "2012000000\r\n\n2012000001\n");
	t0 = itest_mono_ms();
	v = import(path_a, &st);
	cr_assert(st == 0 && v, "kcctl dnc import failed (%d)", st);
	cr_log_info("kcctl dnc import of 1,000,002 lines (1 M numbers): "
		    "%lld ms (kcctl %.2f s, of which loading %.2f s)",
		    itest_mono_ms() - t0,
		    json_real_value(json_object_get(v, "seconds")),
		    json_real_value(json_object_get(v, "load_seconds")));
	cr_assert_eq(itest_jint(v, "numbers"), MILLION);
	cr_assert_eq(itest_jint(v, "lines"), MILLION + 2);
	version = itest_jint(v, "version");
	json_decref(v);
	cr_assert(has(a) && has(c) && has(MILLION - 1));
	cr_assert(!has(b) && !has(MILLION));
	cr_assert_eq(registry_rows(), MILLION);
	{
		const char *args[] = {"dnc", "status", NULL};

		v = itest_kcctl(&st, args);
		cr_assert_eq(st, 0);
		cr_assert_eq(itest_jint(v, "numbers"), MILLION);
		cr_assert_eq(itest_jint(v, "version"), version);
		cr_assert_str_eq(itest_jstr(v, "imported_by"),
				 "kcctl dnc import");
		cr_assert_eq(strlen(itest_jstr(v, "file_sha256")), 64);
		json_decref(v);
	}

	/* The check: the registry blocks marketing only. */
	itest_tenant_new(&t, "Registry Co", "*");
	cr_assert_eq(kc_business_find(db, t.biz, &biz), 0);
	{
		const char *args[] = {"number", "add", "--business",
				      t.biz,    from,  NULL};
		char r7[16];

		/* +1555XXXXXXX -> +1212 2XX XXXX: valid, and unused. */
		itest_random_number(r7, sizeof(r7));
		snprintf(from, sizeof(from), "+12122%.6s", r7 + 6);
		json_decref(itest_kcctl(&st, args));
		cr_assert_eq(st, 0);
	}
	e164(a, to, sizeof(to));
	{
		struct tm tm = {
		    .tm_year = 126, .tm_mon = 6, .tm_mday = 15, .tm_hour = 15};
		struct kc_action_check in = {
		    KC_CHANNEL_VOICE, KC_PURPOSE_MARKETING, to, from, NULL,
		    timegm(&tm)};
		struct kc_check_result res;

		written_consent(t.key, to, "voice");
		cr_assert_eq(kc_compliance_check(db, biz.id, &in, &res), 0);
		cr_assert_str_eq(res.code ? res.code : "allowed",
				 KC_CHECK_NUMBER_ON_DNC,
				 "written consent does not beat the registry");
		cr_assert(strstr(res.detail, "National"), "%s", res.detail);
		kc_check_result_free(&res);
		in.purpose = KC_PURPOSE_INFORMATIONAL;
		cr_assert_eq(kc_compliance_check(db, biz.id, &in, &res), 0);
		cr_assert_null(res.code, "%s: %s", res.code, res.detail);
		kc_check_result_free(&res);
	}

	/* A bad line fails the import before anything changes. */
	write_file(path_bad, 0, 3, "201555012\n2015550123\n");
	v = import(path_bad, &st);
	cr_assert_eq(st, 1);
	cr_assert(strstr(itest_jstr(v, "error"), "line 4"), "%s",
		  itest_jstr(v, "error"));
	json_decref(v);
	write_file(path_empty, 0, 0, "\n\n");
	v = import(path_empty, &st);
	cr_assert_eq(st, 1);
	cr_assert(strstr(itest_jstr(v, "error"), "no numbers"), "%s",
		  itest_jstr(v, "error"));
	json_decref(v);
	cr_assert(has(a) && !has(b));
	cr_assert_eq(registry_rows(), MILLION, "a failed import left rows");

	/* The reload, read all the while. A reader must see A or B whole:
	 * reading a then b, a gone means b is there (no moment with
	 * neither); reading b then a, b there means a is gone (no moment
	 * with both); c, in both, never goes missing. */
	write_file(path_b, MILLION / 2, MILLION + MILLION / 2, NULL);
	pid = import_in_background(path_b);
	for (;;) {
		int ra = has(a), rb = has(b), rb2, ra2;

		cr_assert(ra || rb, "neither list at round %lld", rounds);
		rb2 = has(b);
		ra2 = has(a);
		cr_assert(!(rb2 && ra2), "both lists at round %lld", rounds);
		cr_assert(has(c), "a number of both lists missing");
		old_seen += ra && !rb;
		new_seen += rb2 && !ra2;
		rounds++;
		if (waitpid(pid, &wst, WNOHANG) == pid)
			break;
	}
	cr_assert(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "the reload failed");
	cr_log_info("reload of 1 M numbers read %lld times meanwhile (old "
		    "list %lld times, new %lld)",
		    rounds, old_seen, new_seen);
	cr_assert_gt(old_seen, 0, "the reload was never read under way");
	cr_assert(!has(a) && has(b) && has(c));
	cr_assert_eq(registry_rows(), MILLION, "the old list was not purged");
	{
		const char *args[] = {"dnc", "status", NULL};

		v = itest_kcctl(&st, args);
		cr_assert_gt(itest_jint(v, "version"), version);
		cr_assert_eq(itest_jint(v, "numbers"), MILLION);
		json_decref(v);
	}
	unlink(path_a);
	unlink(path_b);
	unlink(path_bad);
	unlink(path_empty);
}

/* Makes the current import look imported days ago (UTC, as imports are
 * stamped; whole seconds, so that the age read back is not a fraction
 * short of them), or takes the registry away (days < 0). */
static void
registry_age(int days)
{
	char sql[256];

	if (days < 0)
		snprintf(sql, sizeof(sql),
			 "UPDATE dnc_registry_current SET version = NULL "
			 "WHERE id = 1");
	else
		snprintf(sql, sizeof(sql),
			 "UPDATE dnc_registry_imports i JOIN "
			 "dnc_registry_current c ON c.version = i.id SET "
			 "i.current_at = UTC_TIMESTAMP() - INTERVAL %d DAY",
			 days);
	cr_assert_eq(itest_admin_sql(sql), 0, "%s", sql);
}

static json_t *
registry_status(void)
{
	const char *args[] = {"dnc", "status", NULL};
	json_t *v;
	int st;

	v = itest_kcctl(&st, args);
	cr_assert(st == 0 && v, "kcctl dnc status (%d)", st);
	return v;
}

/* An SMS for purpose from the business's number; extra: more members. */
static void
send_sms(const struct itest_tenant *t, const char *from, const char *to,
	 const char *purpose, const char *extra, struct itest_resp *r)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"to\":\"%s\",\"from\":\"%s\",\"body\":\"20%% off this "
		 "week.\",\"purpose\":\"%s\"%s}",
		 to, from, purpose, extra);
	itest_post(t->key, "/v1/messages", body, r);
}

/* A marketing SMS is refused with dnc_registry_stale and kept blocked;
 * its detail says what to run and has why (said). */
static void
blocked_as_stale(const struct itest_tenant *t, const char *from, const char *to,
		 const char *said)
{
	struct itest_resp r;
	const char *detail;
	const json_t *a;

	send_sms(t, from, to, "marketing", "", &r);
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "code"), "dnc_registry_stale");
	cr_assert_str_eq(itest_jstr(r.json, "field"), "purpose");
	detail = itest_jstr(r.json, "detail");
	cr_assert(detail && strstr(detail, "kcctl dnc import"), "%s", r.body);
	cr_assert(strstr(detail, said), "%s", r.body);
	a = json_object_get(r.json, "action");
	cr_assert_str_eq(itest_jstr(a, "status"), "blocked");
	cr_assert_str_eq(itest_jstr(json_object_get(a, "blocked"), "stage"),
			 "queue");
	itest_resp_free(&r);
}

/* The FTC's rule: a seller markets only against a copy of the registry
 * no older than 31 days. With none, or an older one, marketing to a +1
 * number is blocked (dnc_registry_stale) when queued and when sent;
 * informational messages go on. The registry is every business's: this
 * runs with the jobs, one test at a time, and leaves a fresh one. */
Test(dnc_registry, marketing_waits_for_a_fresh_registry)
{
	const char *add[] = {"number", "add", "--business", NULL, NULL, NULL};
	struct itest_tenant t;
	struct itest_resp r;
	char from[20], to[20], id[64], path[128];
	const json_t *a;
	json_t *v;
	int st, npa = itest_npa_where(1);

	/* The send-time step needs an action queued, so a recipient inside
	 * the hours now (none is for half an hour a year, 11:00-11:30 UTC
	 * in winter). */
	cr_assert(npa, "no NANP area code is inside 08:00-21:00 now");
	itest_tenant_new(&t, "Stale Registry Co", "*");
	itest_number_in(212, from, sizeof(from));
	add[3] = t.biz;
	add[4] = from;
	json_decref(itest_kcctl(&st, add));
	cr_assert_eq(st, 0);
	itest_number_in(npa, to, sizeof(to));
	written_consent(t.key, to, "sms");

	/* None imported. */
	registry_age(-1);
	v = registry_status();
	cr_assert(json_is_true(json_object_get(v, "stale")));
	cr_assert(json_is_null(json_object_get(v, "age_seconds")));
	cr_assert_eq(itest_jint(v, "max_age_seconds"), 31 * 86400LL);
	json_decref(v);
	blocked_as_stale(&t, from, to, "no National Do-Not-Call Registry");
	/* Informational messages do not need the registry. */
	send_sms(&t, from, to, "informational", ",\"dry_run\":true", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_is_true(json_object_get(r.json, "allowed")), "%s",
		  r.body);
	itest_resp_free(&r);

	/* One imported 32 days ago. */
	itest_dnc_registry_fresh();
	registry_age(32);
	v = registry_status();
	cr_assert(json_is_true(json_object_get(v, "stale")));
	cr_assert_geq(itest_jint(v, "age_seconds"), 32 * 86400LL);
	json_decref(v);
	blocked_as_stale(&t, from, to, "32 days ago");

	/* 30 days old is fresh enough: it is queued. */
	registry_age(30);
	v = registry_status();
	cr_assert(json_is_false(json_object_get(v, "stale")));
	json_decref(v);
	send_sms(&t, from, to, "marketing", "", &r);
	cr_assert_eq(r.status, 202, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "queued");
	snprintf(id, sizeof(id), "%s", itest_jstr(r.json, "id"));
	itest_resp_free(&r);

	/* It goes stale before the worker sends it: blocked, not sent. */
	registry_age(32);
	{
		const char *args[] = {"outbound", "--business", t.biz, NULL};

		v = itest_kcctl(&st, args);
		cr_assert(st == 0 && v, "kcctl outbound (%d)", st);
		cr_assert_eq(itest_jint(v, "blocked"), 1);
		cr_assert_eq(itest_jint(v, "accepted"), 0);
		json_decref(v);
	}
	snprintf(path, sizeof(path), "/v1/messages/%s", id);
	itest_get(path, t.key, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_jstr(r.json, "status"), "blocked");
	a = json_object_get(r.json, "blocked");
	cr_assert_str_eq(itest_jstr(a, "code"), "dnc_registry_stale");
	cr_assert_str_eq(itest_jstr(a, "stage"), "send");
	cr_assert(strstr(itest_jstr(a, "detail"), "kcctl dnc import"), "%s",
		  r.body);
	itest_resp_free(&r);

	/* And leaves a fresh one for what runs next. */
	registry_age(0);
	v = registry_status();
	cr_assert(json_is_false(json_object_get(v, "stale")));
	json_decref(v);
}
