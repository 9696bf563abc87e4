#include "kc_delivery_metrics.h"
#include "kc_log.h"
#include "kc_prom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kc_dm_statuses[KC_DM_STATUSES] = {
    "pending", "in_flight", "failed", "delivered", "dead"};
/* The trigger on delivery_attempts names these (sql/010_metrics.sql). */
const char *const kc_dm_outcomes[KC_DM_OUTCOMES] = {
    "ok",      "http_3xx", "http_4xx", "http_5xx",
    "timeout", "blocked",  "transport"};
const double kc_dm_latency_bounds[KC_DM_LATENCY_BOUNDS] = {
    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600};

static int
find(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static int
latency_bucket(const char *label)
{
	char le[32];
	size_t i;

	if (strcmp(label, "+Inf") == 0)
		return KC_DM_LATENCY_BOUNDS;
	for (i = 0; i < KC_DM_LATENCY_BOUNDS; i++) {
		kc_prom_bound(kc_dm_latency_bounds[i], le, sizeof(le));
		if (strcmp(le, label) == 0)
			return (int)i;
	}
	return -1;
}

/* One (name, label, sum) row into m; 0 if it was understood. */
static int
take(struct kc_delivery_metrics *m, const char *name, const char *label,
     long long v)
{
	int i;

	if (strcmp(name, "deliveries") == 0) {
		if ((i = find(kc_dm_statuses, KC_DM_STATUSES, label)) < 0)
			return -1;
		m->by_status[i] = v;
	} else if (strcmp(name, "delivery_attempts") == 0) {
		if ((i = find(kc_dm_outcomes, KC_DM_OUTCOMES, label)) < 0)
			return -1;
		m->attempts[i] = v < 0 ? 0 : (uint64_t)v;
	} else if (strcmp(name, "delivery_latency_bucket") == 0) {
		if ((i = latency_bucket(label)) < 0)
			return -1;
		m->latency[i] = v < 0 ? 0 : (uint64_t)v;
	} else if (strcmp(name, "delivery_latency_sum_us") == 0)
		m->latency_sum_us = v;
	else
		return -1;
	return 0;
}

/* Set once this process has said that it met a row it does not know. */
static int unknown_logged;

int
kc_delivery_metrics_take(struct kc_delivery_metrics *m, const struct kc_rows *r)
{
	size_t i;
	int unknown = 0;

	for (i = 0; i < r->nrows; i++) {
		const char *name = kc_rows_get(r, i, 0),
			   *label = kc_rows_get(r, i, 1);

		if (name != NULL && label != NULL &&
		    take(m, name, label, kc_rows_int(r, i, 2)) == 0)
			continue;
		/* A name or label this version does not know: a trigger
		 * and this file disagree, which must be said, once: every
		 * scrape (every few seconds) would say it again. */
		if (!unknown_logged)
			kc_warn("metric_counters: unknown %s/%s (a trigger "
				"and this version disagree; further unknown "
				"rows are not logged)",
				name ? name : "-", label ? label : "-");
		unknown_logged = 1;
		unknown++;
	}
	return unknown;
}

int
kc_delivery_metrics_read(struct kc_db *db, long long due_limit,
			 struct kc_delivery_metrics *m)
{
	struct kc_rows *r = NULL;

	memset(m, 0, sizeof(*m));
	if (kc_db_query(db, KC_SQL_METRIC_COUNTERS, NULL, 0, &r) != 0)
		return -1;
	(void)kc_delivery_metrics_take(m, r);
	kc_rows_free(r);
	if (kc_db_query(db, KC_SQL_METRIC_DUE, KC_ARGS(kc_p_int(due_limit)),
			&r) != 0)
		return -1;
	m->due = kc_rows_int(r, 0, 0);
	m->due_truncated = m->due >= due_limit;
	m->due_oldest_us = kc_rows_int(r, 0, 1);
	kc_rows_free(r);
	return 0;
}

int
kc_delivery_metrics_render(const struct kc_delivery_metrics *m,
			   struct kc_buf *out)
{
	struct kc_prom_label l;
	size_t i;
	int rc = 0;

	rc |= kc_prom_family(out, "kaicalls_deliveries", "gauge",
			     "Deliveries by status, across every business.");
	for (i = 0; i < KC_DM_STATUSES; i++) {
		l = (struct kc_prom_label){"status", kc_dm_statuses[i]};
		rc |= kc_prom_int(out, "kaicalls_deliveries", &l, 1,
				  m->by_status[i]);
	}
	rc |= kc_prom_family(out, "kaicalls_deliveries_due", "gauge",
			     "Deliveries whose next attempt is due (retries "
			     "and expired leases), counted up to 10000.");
	rc |= kc_prom_int(out, "kaicalls_deliveries_due", NULL, 0, m->due);
	rc |= kc_prom_family(out, "kaicalls_deliveries_due_truncated", "gauge",
			     "1 if the due count stopped at its limit: there "
			     "are at least that many.");
	rc |= kc_prom_int(out, "kaicalls_deliveries_due_truncated", NULL, 0,
			  m->due_truncated);
	rc |= kc_prom_family(out, "kaicalls_deliveries_due_oldest_seconds",
			     "gauge",
			     "How long the longest-waiting due delivery has "
			     "been due (0: none).");
	rc |= kc_prom_micro(out, "kaicalls_deliveries_due_oldest_seconds", NULL,
			    0, m->due_oldest_us);
	rc |= kc_prom_family(out, "kaicalls_delivery_attempts_total", "counter",
			     "Delivery attempts by outcome.");
	for (i = 0; i < KC_DM_OUTCOMES; i++) {
		l = (struct kc_prom_label){"outcome", kc_dm_outcomes[i]};
		rc |= kc_prom_uint(out, "kaicalls_delivery_attempts_total", &l,
				   1, m->attempts[i]);
	}
	rc |= kc_prom_family(out, "kaicalls_delivery_latency_seconds",
			     "histogram",
			     "From a delivery's creation to its successful "
			     "attempt.");
	rc |= kc_prom_histogram(out, "kaicalls_delivery_latency_seconds", NULL,
				0, kc_dm_latency_bounds, KC_DM_LATENCY_BOUNDS,
				m->latency, m->latency_sum_us);
	return rc ? -1 : 0;
}
