#include "kc_page.h"
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

static json_t *
delivery_json(const struct kc_rows *r, size_t i)
{
	char next[KC_TIME_MAX], c[KC_TIME_MAX], u[KC_TIME_MAX];

	kc_time_from_db(kc_rows_get(r, i, 3), next, sizeof(next));
	kc_time_from_db(kc_rows_get(r, i, 4), c, sizeof(c));
	kc_time_from_db(kc_rows_get(r, i, 5), u, sizeof(u));
	return json_pack(
	    "{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
	    kc_rows_get(r, i, 0), "object", "delivery", "status",
	    kc_rows_get(r, i, 1), "attempts", (json_int_t)kc_rows_int(r, i, 2),
	    "next_attempt_at", next, "event_id", kc_rows_get(r, i, 6),
	    "event_type", kc_rows_get(r, i, 7), "endpoint_id",
	    kc_rows_get(r, i, 8), "created_at", c, "updated_at", u);
}

int
kc_delivery_list(struct kc_db *db, long long business_id,
		 const struct kc_delivery_filter *f, const char *starting_after,
		 int limit, json_t **out)
{
	struct kc_rows *r;
	long long before;
	int rc;

	if ((rc = kc_page_cursor(db, KC_SQL_DELIVERY_CURSOR, business_id,
				 starting_after, INT64_MAX, &before)) != 0)
		return rc;
	if (kc_db_query(db, KC_SQL_DELIVERY_LIST,
			KC_ARGS(kc_p_int(business_id), kc_p_int(before),
				kc_p_str(f->event), kc_p_str(f->event),
				kc_p_str(f->endpoint), kc_p_str(f->endpoint),
				kc_p_str(f->status), kc_p_str(f->status),
				kc_p_int(limit + 1)),
			&r) != 0)
		return -1;
	*out = kc_page_build(r, limit, delivery_json);
	kc_rows_free(r);
	return *out ? 0 : -1;
}
