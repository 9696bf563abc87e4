/*
 * Unit tests for lib/delivery/kc_delivery_metrics: what a scrape shows
 * for given counters, and that the names the triggers of
 * sql/010_metrics.sql and sql/017_metrics_per_connection.sql write
 * (latency buckets, attempt outcomes) are the ones this code reads: a
 * bucket or an outcome only one side knows would vanish from the metrics.
 * A row it does not know is logged once, not at every scrape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kc_delivery_metrics.h"
#include "kc_prom.h"

Test(delivery_metrics, rendered)
{
	struct kc_delivery_metrics m;
	struct kc_buf b;
	size_t i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < KC_DM_STATUSES; i++)
		m.by_status[i] = (long long)i + 1;
	m.attempts[0] = 7; /* ok */
	m.attempts[3] = 2; /* http_5xx */
	m.attempts[6] = 1; /* transport */
	m.latency[0] = 1;  /* <= 0.1 s */
	m.latency[3] = 2;  /* (0.5, 1] */
	m.latency[11] = 1; /* over an hour */
	m.latency_sum_us = 4000123456LL;
	m.due = 10000;
	m.due_truncated = 1;
	m.due_oldest_us = 93500000;
	kc_buf_init(&b, 1 << 20);
	cr_assert_eq(kc_delivery_metrics_render(&m, &b), 0);
	cr_assert_not_null(
	    strstr(b.data, "# TYPE kaicalls_deliveries gauge\n"
			   "kaicalls_deliveries{status=\"pending\"} 1\n"
			   "kaicalls_deliveries{status=\"in_flight\"} 2\n"
			   "kaicalls_deliveries{status=\"failed\"} 3\n"
			   "kaicalls_deliveries{status=\"delivered\"} 4\n"
			   "kaicalls_deliveries{status=\"dead\"} 5\n"),
	    "%s", b.data);
	cr_assert_not_null(strstr(b.data, "\nkaicalls_deliveries_due 10000\n"));
	cr_assert_not_null(
	    strstr(b.data, "\nkaicalls_deliveries_due_truncated 1\n"));
	cr_assert_not_null(strstr(b.data,
				  "\nkaicalls_deliveries_due_oldest_seconds "
				  "93.500000\n"));
	cr_assert_not_null(
	    strstr(b.data,
		   "# TYPE kaicalls_delivery_attempts_total counter\n"
		   "kaicalls_delivery_attempts_total{outcome=\"ok\"} 7\n"
		   "kaicalls_delivery_attempts_total{outcome=\"http_3xx\"} 0\n"
		   "kaicalls_delivery_attempts_total{outcome=\"http_4xx\"} 0\n"
		   "kaicalls_delivery_attempts_total{outcome=\"http_5xx\"} 2\n"
		   "kaicalls_delivery_attempts_total{outcome=\"timeout\"} 0\n"
		   "kaicalls_delivery_attempts_total{outcome=\"blocked\"} 0\n"
		   "kaicalls_delivery_attempts_total{outcome=\"transport\"} "
		   "1\n"),
	    "%s", b.data);
	cr_assert_not_null(
	    strstr(b.data,
		   "# TYPE kaicalls_delivery_latency_seconds histogram\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"0.1\"} 1\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"0.25\"} 1\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"0.5\"} 1\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"1\"} 3\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"2.5\"} 3\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"5\"} 3\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"10\"} 3\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"30\"} 3\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"60\"} 3\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"300\"} 3\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"3600\"} 3\n"
		   "kaicalls_delivery_latency_seconds_bucket{le=\"+Inf\"} 4\n"
		   "kaicalls_delivery_latency_seconds_sum 4000.123456\n"
		   "kaicalls_delivery_latency_seconds_count 4\n"),
	    "%s", b.data);
	kc_buf_free(&b);
}

/* The migrations that (re)define the metric triggers, each whole. */
static const char *const trigger_files[] = {"010_metrics.sql",
					    "017_metrics_per_connection.sql"};
#define NFILES (sizeof(trigger_files) / sizeof(trigger_files[0]))

static char *
migration(const char *name)
{
	const char *src = getenv("KC_SRCDIR");
	char path[4096], *text;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/sql/%s", src ? src : "../..", name);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	text = malloc((size_t)n + 1);
	cr_assert_not_null(text);
	cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void
buckets_are_the_bounds(const char *name)
{
	char *sql = migration(name), *p, label[32], le[32];
	long long us;
	size_t i = 0;

	/* "WHEN us <= 100000 THEN '0.1'", one per bound, in order. */
	for (p = sql; (p = strstr(p, "WHEN us <= ")) != NULL; p++) {
		cr_assert_eq(
		    sscanf(p, "WHEN us <= %lld THEN '%31[^']'", &us, label), 2);
		cr_assert_lt(i, KC_DM_LATENCY_BOUNDS, "%s: more buckets", name);
		cr_assert_eq(us,
			     (long long)(kc_dm_latency_bounds[i] * 1e6 + 0.5),
			     "%s: bucket %zu", name, i);
		kc_prom_bound(kc_dm_latency_bounds[i], le, sizeof(le));
		cr_assert_str_eq(label, le, "%s: bucket %zu", name, i);
		i++;
	}
	cr_assert_eq(i, KC_DM_LATENCY_BOUNDS, "%s: fewer buckets", name);
	cr_assert_not_null(strstr(sql, "ELSE '+Inf' END"), "%s", name);
	free(sql);
}

Test(delivery_metrics, trigger_buckets_are_the_bounds)
{
	size_t i;

	for (i = 0; i < NFILES; i++)
		buckets_are_the_bounds(trigger_files[i]);
}

static void
outcomes_are_known(const char *name)
{
	char *sql = migration(name), *p, *end, label[32];
	size_t i, seen = 0;

	p = strstr(sql, "VALUES ('delivery_attempts',");
	cr_assert_not_null(p);
	end = strstr(p, "END,");
	cr_assert_not_null(end);
	for (; (p = strstr(p, "THEN '")) != NULL && p < end; p++) {
		cr_assert_eq(sscanf(p, "THEN '%31[^']'", label), 1);
		for (i = 0; i < KC_DM_OUTCOMES; i++)
			if (strcmp(label, kc_dm_outcomes[i]) == 0)
				break;
		cr_assert_lt(i, KC_DM_OUTCOMES, "%s: unknown outcome %s", name,
			     label);
		seen++;
	}
	p = strstr(sql, "ELSE 'transport' END");
	cr_assert(p && p < end + 4, "%s", name);
	cr_assert_eq(seen + 1, KC_DM_OUTCOMES, "%s: outcomes never written",
		     name);
	free(sql);
}

Test(delivery_metrics, trigger_outcomes_are_known)
{
	size_t i;

	for (i = 0; i < NFILES; i++)
		outcomes_are_known(trigger_files[i]);
}

/* Rows as KC_SQL_METRIC_COUNTERS returns them: name, label, sum. */
static void
rows_of(struct kc_rows *r, char **cells, size_t nrows)
{
	memset(r, 0, sizeof(*r));
	r->nrows = nrows;
	r->ncols = 3;
	r->ncells = nrows * 3;
	r->cell = cells;
}

Test(delivery_metrics, an_unknown_row_is_logged_once)
{
	char *cells[] = {"deliveries",        "dead",     "4",
			 "deliveries",        "archived", "9",
			 "delivery_attempts", "ok",       "12",
			 "no_such_metric",    "",         "1"};
	struct kc_delivery_metrics m;
	struct kc_rows r;
	char log[4096], *p;
	FILE *f = tmpfile();
	int saved, round, lines = 0;
	size_t n;

	cr_assert_not_null(f);
	rows_of(&r, cells, 4);
	fflush(stderr);
	saved = dup(2);
	cr_assert_geq(saved, 0);
	cr_assert_eq(dup2(fileno(f), 2), 2);
	/* Three scrapes. */
	for (round = 0; round < 3; round++) {
		memset(&m, 0, sizeof(m));
		cr_assert_eq(kc_delivery_metrics_take(&m, &r), 2);
		/* What it knows is still read. */
		cr_assert_eq(m.by_status[4], 4);
		cr_assert_eq(m.attempts[0], 12);
	}
	fflush(stderr);
	cr_assert_eq(dup2(saved, 2), 2);
	close(saved);
	rewind(f);
	n = fread(log, 1, sizeof(log) - 1, f);
	log[n] = '\0';
	fclose(f);
	for (p = log; (p = strstr(p, "metric_counters: unknown")) != NULL; p++)
		lines++;
	cr_assert_eq(lines, 1, "logged %d times:\n%s", lines, log);
	cr_assert_not_null(strstr(log, "unknown deliveries/archived"), "%s",
			   log);
}
