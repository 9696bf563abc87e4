/* The numbers of the dashboard's overview: what came in today (the
 * business's day, in its time zone), deliveries per hour and status over
 * the last 24 hours, and the endpoints that need looking at. */
#ifndef KC_STATS_H
#define KC_STATS_H

#include "kc_db.h"
#include "kc_time.h"

#include <jansson.h>

#define KC_STATS_HOURS 24

/* The delivery statuses in the order of the counts below. */
enum kc_stats_status {
	KC_ST_PENDING,
	KC_ST_IN_FLIGHT,
	KC_ST_DELIVERED,
	KC_ST_FAILED,
	KC_ST_DEAD,
	KC_ST__MAX
};
extern const char *const kc_stats_status_names[KC_ST__MAX];

struct kc_stats_today {
	char since[KC_TIME_MAX]; /* the business's midnight, RFC 3339 UTC */
	long long calls, leads, followups;
};

struct kc_stats_hourly {
	long long start_epoch; /* the first hour, Unix seconds (UTC) */
	long long n[KC_STATS_HOURS][KC_ST__MAX];
	long long max; /* the largest hour's total */
};

/* The start of the day of t (Unix seconds) in the IANA zone tz, as Unix
 * seconds. -1 for a zone the system does not know. */
int kc_stats_midnight(const char *tz, long long t, long long *out);
int kc_stats_today(struct kc_db *db, long long business_id, const char *tz,
		   struct kc_stats_today *out);
/* Deliveries created in each of the last 24 whole hours (the current one
 * last), by their status now. */
int kc_stats_deliveries_hourly(struct kc_db *db, long long business_id,
			       struct kc_stats_hourly *out);
/* The business's endpoints that are disabled or failing now (at most
 * 50): [{"id","url","description","enabled","disabled_reason",
 * "consecutive_failures","failing_since","dead_deliveries"}]. */
int kc_stats_endpoints_attention(struct kc_db *db, long long business_id,
				 json_t **out);

#endif
