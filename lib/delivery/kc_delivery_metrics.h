/* The delivery engine as GET /metrics shows it, read from the counters
 * that sql/010_metrics.sql's triggers keep and from the claim's index:
 * a scrape costs a few hundred rows whatever the size of the tables. */
#ifndef KC_DELIVERY_METRICS_H
#define KC_DELIVERY_METRICS_H

#include "kc_buf.h"
#include "kc_db.h"

#include <stdint.h>

/* How many due deliveries a scrape counts at most. */
#define KC_DUE_COUNT_LIMIT 10000

#define KC_DM_STATUSES       5
#define KC_DM_OUTCOMES       7
#define KC_DM_LATENCY_BOUNDS 11

extern const char *const kc_dm_statuses[KC_DM_STATUSES];
extern const char *const kc_dm_outcomes[KC_DM_OUTCOMES];
/* Seconds; the same as the trigger's CASE in sql/010_metrics.sql. */
extern const double kc_dm_latency_bounds[KC_DM_LATENCY_BOUNDS];

struct kc_delivery_metrics {
	long long by_status[KC_DM_STATUSES]; /* now */
	uint64_t attempts[KC_DM_OUTCOMES];   /* since the migration */
	/* Creation to delivery: observations per bucket (the last above
	 * every bound) and their sum. */
	uint64_t latency[KC_DM_LATENCY_BOUNDS + 1];
	long long latency_sum_us;
	/* next_attempt_at <= now: counted up to due_limit (due_truncated
	 * when it got there), and how late the oldest is. */
	long long due, due_oldest_us;
	int due_truncated;
};

/* Reads the metrics; due are counted up to due_limit. 0 or -1. */
int kc_delivery_metrics_read(struct kc_db *db, long long due_limit,
			     struct kc_delivery_metrics *m);
/* Adds the rows of metric_counters' sums (name, label, value) to m; the
 * number of rows it did not know, the first of which (in the process's
 * life) is logged. */
int kc_delivery_metrics_take(struct kc_delivery_metrics *m,
			     const struct kc_rows *r);
/* Appends them in the Prometheus text format. */
int kc_delivery_metrics_render(const struct kc_delivery_metrics *m,
			       struct kc_buf *out);

#endif
