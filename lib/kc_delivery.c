#include "kc_delivery.h"
#include "kc_json.h"
#include "kc_time.h"

#include <stdint.h>
#include <string.h>

int
kc_delivery_status_valid(const char *s)
{
	static const char *const st[] = {"pending", "in_flight", "delivered",
					 "failed", "dead"};
	size_t i;

	for (i = 0; s && i < sizeof(st) / sizeof(st[0]); i++)
		if (strcmp(s, st[i]) == 0)
			return 1;
	return 0;
}

int
kc_delivery_list(struct kc_db *db, long long business_id,
		 const struct kc_delivery_filter *f, const char *starting_after,
		 int limit, json_t **out)
{
	char next[KC_TIME_MAX], c[KC_TIME_MAX], u[KC_TIME_MAX];
	struct kc_rows *r;
	long long before = INT64_MAX;
	json_t *data;
	size_t i, n;

	if (starting_after) {
		if (kc_db_query(db, KC_SQL_DELIVERY_CURSOR,
				KC_ARGS(kc_p_int(business_id),
					kc_p_str(starting_after)),
				&r) != 0)
			return -1;
		before = r->nrows ? kc_rows_int(r, 0, 0) : -1;
		kc_rows_free(r);
		if (before < 0)
			return KC_NOTFOUND;
	}
	if (kc_db_query(db, KC_SQL_DELIVERY_LIST,
			KC_ARGS(kc_p_int(business_id), kc_p_int(before),
				kc_p_str(f->event), kc_p_str(f->event),
				kc_p_str(f->endpoint), kc_p_str(f->endpoint),
				kc_p_str(f->status), kc_p_str(f->status),
				kc_p_int(limit + 1)),
			&r) != 0)
		return -1;
	data = json_array();
	n = r->nrows > (size_t)limit ? (size_t)limit : r->nrows;
	for (i = 0; i < n; i++) {
		kc_time_from_db(kc_rows_get(r, i, 3), next, sizeof(next));
		kc_time_from_db(kc_rows_get(r, i, 4), c, sizeof(c));
		kc_time_from_db(kc_rows_get(r, i, 5), u, sizeof(u));
		json_array_append_new(
		    data,
		    json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, "
			      "s:s, s:s}",
			      "id", kc_rows_get(r, i, 0), "object", "delivery",
			      "status", kc_rows_get(r, i, 1), "attempts",
			      (json_int_t)kc_rows_int(r, i, 2),
			      "next_attempt_at", next, "event_id",
			      kc_rows_get(r, i, 6), "event_type",
			      kc_rows_get(r, i, 7), "endpoint_id",
			      kc_rows_get(r, i, 8), "created_at", c,
			      "updated_at", u));
	}
	*out = kc_json_list(data, r->nrows > (size_t)limit);
	kc_rows_free(r);
	return *out ? 0 : -1;
}
