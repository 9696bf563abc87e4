#include "kc_page.h"
#include "kc_audit.h"
#include "kc_id.h"
#include "kc_json.h"
#include "kc_time.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
kc_audit_write(struct kc_db *db, long long business_id,
	       const struct kc_actor *actor, const char *action,
	       const char *target_type, const char *target_id,
	       const json_t *before, const json_t *after)
{
	char id[KC_ID_MAX], *b = NULL, *a = NULL;
	int rc = -1;

	if (kc_id_new("aud", id, sizeof(id)) != 0)
		return -1;
	if (before &&
	    (b = json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	if (after &&
	    (a = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	rc = kc_db_exec(db, KC_SQL_AUDIT_INSERT,
			KC_ARGS(kc_p_str(id), kc_p_int(business_id),
				kc_p_str(actor->type), kc_p_str(actor->id),
				kc_p_str(action), kc_p_str(target_type),
				kc_p_str(target_id), kc_p_str(b), kc_p_str(a),
				kc_p_str(actor->request_id)),
			NULL, NULL);
out:
	free(b);
	free(a);
	return rc;
}

/* A stored JSON column back to a value; a NULL column is JSON null. */
static json_t *
stored_json(const char *s)
{
	json_t *v;

	if (s == NULL)
		return json_null();
	v = json_loads(s, JSON_DECODE_ANY, NULL);
	return v ? v : json_null();
}

/* Who did it, as the API shows it: an API key or a user by id, the system
 * by the job's name. Rows that kcctl wrote as "operator" are the system's
 * too. */
static json_t *
actor_json(const char *type, const char *id)
{
	if (strcmp(type, "system") == 0 || strcmp(type, "operator") == 0)
		return json_pack("{s:s, s:s}", "type", "system", "name", id);
	return json_pack("{s:s, s:s}", "type", type, "id", id);
}

static json_t *
audit_json(const struct kc_rows *r, size_t i)
{
	char ts[KC_TIME_MAX];

	kc_time_from_db(kc_rows_get(r, i, 9), ts, sizeof(ts));
	return json_pack(
	    "{s:s, s:s, s:o, s:s, s:{s:s, s:s}, s:o, s:o, s:s?, s:s}", "id",
	    kc_rows_get(r, i, 0), "object", "audit_entry", "actor",
	    actor_json(kc_rows_get(r, i, 1), kc_rows_get(r, i, 2)), "action",
	    kc_rows_get(r, i, 3), "target", "type", kc_rows_get(r, i, 4), "id",
	    kc_rows_get(r, i, 5), "before", stored_json(kc_rows_get(r, i, 6)),
	    "after", stored_json(kc_rows_get(r, i, 7)), "request_id",
	    kc_rows_get(r, i, 8), "created_at", ts);
}

int
kc_audit_find(struct kc_db *db, long long business_id,
	      const struct kc_audit_query *q, const char *starting_after,
	      int limit, json_t **out)
{
	/* By the filters given: bit 0 actor, 1 action, 2 target. */
	static const enum kc_sql shape[] = {
	    KC_SQL_AUDIT_FIND,
	    KC_SQL_AUDIT_FIND_ACTOR,
	    KC_SQL_AUDIT_FIND_ACTION,
	    KC_SQL_AUDIT_FIND_ACTOR_ACTION,
	    KC_SQL_AUDIT_FIND_TARGET,
	    KC_SQL_AUDIT_FIND_ACTOR_TARGET,
	    KC_SQL_AUDIT_FIND_ACTION_TARGET,
	    KC_SQL_AUDIT_FIND_ACTOR_ACTION_TARGET,
	};
	static const struct kc_page_recent pq = {
	    KC_SQL_AUDIT_FIND_CURSOR, KC_PAGE_SHAPES(shape), audit_json};
	struct kc_param f[3] = {kc_p_str(q->actor), kc_p_str(q->action),
				kc_p_str(q->target)};

	return kc_page_recent(db, &pq, business_id, f, q->since, q->until,
			      starting_after, limit, out);
}
