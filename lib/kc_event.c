#include "kc_page.h"
#include "kc_event.h"
#include "kc_event_types.h"
#include "kc_id.h"
#include "kc_json.h"
#include "kc_time.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int
add_delivery(struct kc_db *db, long long business_id, long long event,
	     long long endpoint, const char *now)
{
	char id[KC_ID_MAX];

	if (kc_id_new("dlv", id, sizeof(id)) != 0)
		return -1;
	return kc_db_exec(db, KC_SQL_DELIVERY_INSERT,
			  KC_ARGS(kc_p_str(id), kc_p_int(business_id),
				  kc_p_int(event), kc_p_int(endpoint),
				  kc_p_str(now), kc_p_str(now), kc_p_str(now)),
			  NULL, NULL);
}

int
kc_event_emit(struct kc_db *db, long long business_id,
	      const char *business_public_id, const char *type,
	      const json_t *data, long long only_endpoint, json_t **event,
	      int *ndeliveries)
{
	char id[KC_ID_MAX], now_db[KC_TIME_MAX], now[KC_TIME_MAX], *text = NULL;
	struct kc_rows *targets = NULL;
	unsigned long long eid;
	json_t *env = NULL, *types;
	size_t i;
	int n = 0, rc = -1;

	if (kc_id_new("evt", id, sizeof(id)) != 0 ||
	    kc_time_now(now_db, sizeof(now_db), now, sizeof(now)) != 0)
		return -1;
	env = json_pack("{s:s, s:s, s:s, s:s, s:O}", "id", id, "type", type,
			"created_at", now, "business_id", business_public_id,
			"data", data);
	/* The stored text is what is signed and sent, byte for byte. */
	if (env == NULL ||
	    (text = json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
		NULL)
		goto out;
	if (kc_db_exec(db, KC_SQL_EVENT_INSERT,
		       KC_ARGS(kc_p_str(id), kc_p_int(business_id),
			       kc_p_str(type), kc_p_str(text),
			       kc_p_str(now_db)),
		       NULL, &eid) != 0)
		goto out;
	if (only_endpoint) {
		if (add_delivery(db, business_id, (long long)eid, only_endpoint,
				 now_db) != 0)
			goto out;
		n = 1;
	} else {
		if (kc_db_query(db, KC_SQL_EVENT_TARGETS,
				KC_ARGS(kc_p_int(business_id)), &targets) != 0)
			goto out;
		for (i = 0; i < targets->nrows; i++) {
			types = json_loads(kc_rows_get(targets, i, 1), 0, NULL);
			int match =
			    types && kc_event_filter_matches(types, type);
			json_decref(types);
			if (!match)
				continue;
			if (add_delivery(db, business_id, (long long)eid,
					 kc_rows_int(targets, i, 0),
					 now_db) != 0)
				goto out;
			n++;
		}
	}
	if (ndeliveries)
		*ndeliveries = n;
	if (event) {
		*event = env;
		env = NULL;
	}
	rc = 0;
out:
	kc_rows_free(targets);
	json_decref(env);
	free(text);
	return rc;
}

static json_t *
stored_event(const struct kc_rows *r, size_t i)
{
	return json_loads(kc_rows_get(r, i, 1), 0, NULL);
}

int
kc_event_get(struct kc_db *db, long long business_id, const char *public_id,
	     json_t **out)
{
	return kc_page_one(db, KC_SQL_EVENT_GET, business_id, public_id,
			   stored_event, out);
}

int
kc_event_list(struct kc_db *db, long long business_id, const char *type,
	      const char *since, const char *starting_after, int limit,
	      json_t **out)
{
	static const enum kc_sql shape[] = {KC_SQL_EVENT_LIST,
					    KC_SQL_EVENT_LIST_TYPE};
	static const struct kc_page_recent q = {
	    KC_SQL_EVENT_CURSOR, KC_PAGE_SHAPES(shape), stored_event};
	const struct kc_param f[] = {kc_p_str(type)};

	return kc_page_recent(db, &q, business_id, f, since, NULL,
			      starting_after, limit, out);
}
