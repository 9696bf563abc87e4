#include "kc_stats.h"
#include "kc_business.h"
#include "kc_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const kc_stats_status_names[KC_ST__MAX] = {
    "pending", "in_flight", "delivered", "failed", "dead"};

/* The C library converts with the zone named by TZ. Our processes are
 * single-threaded and use local time nowhere else (logs and the database
 * are UTC), and TZ is put back as it was before returning. */
int
kc_stats_midnight(const char *tz, long long t, long long *out)
{
	char saved[256], spec[80];
	const char *old = getenv("TZ");
	int had = old != NULL, rc = -1;
	time_t tt = (time_t)t, m;
	struct tm tm;

	/* glibc falls back to UTC, silently, for a zone it cannot load. */
	if (!kc_timezone_valid(tz))
		return -1;
	if (had &&
	    snprintf(saved, sizeof(saved), "%s", old) >= (int)sizeof(saved))
		return -1;
	/* ":" names a file of the tz database, never a POSIX rule. */
	snprintf(spec, sizeof(spec), ":%s", tz);
	if (setenv("TZ", spec, 1) != 0)
		return -1;
	tzset();
	if (localtime_r(&tt, &tm) != NULL) {
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		if ((m = mktime(&tm)) != (time_t)-1) {
			*out = (long long)m;
			rc = 0;
		}
	}
	if (had)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	return rc;
}

static int
count(struct kc_db *db, enum kc_sql sql, long long business_id,
      const char *since, long long *out)
{
	struct kc_rows *r;

	if (kc_db_query(db, sql,
			KC_ARGS(kc_p_int(business_id), kc_p_str(since)),
			&r) != 0)
		return -1;
	*out = r->nrows ? kc_rows_int(r, 0, 0) : 0;
	kc_rows_free(r);
	return 0;
}

int
kc_stats_today(struct kc_db *db, long long business_id, const char *tz,
	       struct kc_stats_today *out)
{
	char since[KC_TIME_MAX];
	long long midnight;

	if (kc_stats_midnight(tz, kc_time_now_ms() / 1000, &midnight) != 0 &&
	    kc_stats_midnight("UTC", kc_time_now_ms() / 1000, &midnight) != 0)
		return -1;
	if (kc_time_db_at(midnight * 1000, since, sizeof(since)) != 0 ||
	    kc_time_from_db(since, out->since, sizeof(out->since)) != 0)
		return -1;
	if (count(db, KC_SQL_STATS_CALLS_SINCE, business_id, since,
		  &out->calls) != 0 ||
	    count(db, KC_SQL_STATS_LEADS_SINCE, business_id, since,
		  &out->leads) != 0 ||
	    count(db, KC_SQL_STATS_FOLLOWUPS_SINCE, business_id, since,
		  &out->followups) != 0)
		return -1;
	return 0;
}

int
kc_stats_deliveries_hourly(struct kc_db *db, long long business_id,
			   struct kc_stats_hourly *out)
{
	char since[KC_TIME_MAX], until[KC_TIME_MAX];
	struct kc_rows *r;
	long long now = kc_time_now_ms() / 1000, h, first, total;
	size_t i, s;
	int k;

	memset(out, 0, sizeof(*out));
	out->start_epoch = now - now % 3600 - (KC_STATS_HOURS - 1) * 3600;
	/* The rows say the hour of the day (UTC, as the database's times
	 * are); the first of the 24 is the window's start. */
	first = out->start_epoch / 3600 % 24;
	if (kc_time_db_at(out->start_epoch * 1000, since, sizeof(since)) != 0 ||
	    kc_time_db_at((out->start_epoch + KC_STATS_HOURS * 3600) * 1000,
			  until, sizeof(until)) != 0 ||
	    kc_db_query(db, KC_SQL_STATS_DELIVERIES_HOURLY,
			KC_ARGS(kc_p_int(business_id), kc_p_str(since),
				kc_p_str(until)),
			&r) != 0)
		return -1;
	for (i = 0; i < r->nrows; i++) {
		h = (kc_rows_int(r, i, 0) - first + 24) % 24;
		if (h < 0 || h >= KC_STATS_HOURS)
			continue;
		for (s = 0; s < KC_ST__MAX; s++)
			if (strcmp(kc_rows_get(r, i, 1),
				   kc_stats_status_names[s]) == 0)
				out->n[h][s] += kc_rows_int(r, i, 2);
	}
	kc_rows_free(r);
	for (k = 0; k < KC_STATS_HOURS; k++) {
		for (total = 0, s = 0; s < KC_ST__MAX; s++)
			total += out->n[k][s];
		if (total > out->max)
			out->max = total;
	}
	return 0;
}

int
kc_stats_endpoints_attention(struct kc_db *db, long long business_id,
			     json_t **out)
{
	struct kc_rows *r;
	json_t *e;
	size_t i;

	if (kc_db_query(db, KC_SQL_ENDPOINT_ATTENTION,
			KC_ARGS(kc_p_int(business_id)), &r) != 0)
		return -1;
	*out = json_array();
	for (i = 0; i < r->nrows; i++) {
		e = json_pack("{s:s, s:s, s:s, s:b, s:s?, s:I, s:o, s:I}", "id",
			      kc_rows_get(r, i, 0), "url", kc_rows_get(r, i, 1),
			      "description", kc_rows_get(r, i, 2), "enabled",
			      (int)kc_rows_int(r, i, 3), "disabled_reason",
			      kc_rows_get(r, i, 4), "consecutive_failures",
			      (json_int_t)kc_rows_int(r, i, 5), "failing_since",
			      kc_json_db_time(kc_rows_get(r, i, 6)),
			      "dead_deliveries",
			      (json_int_t)kc_rows_int(r, i, 7));
		if (e)
			json_array_append_new(*out, e);
	}
	kc_rows_free(r);
	return 0;
}
