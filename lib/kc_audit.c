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
kc_audit_list(struct kc_db *db, long long business_id,
	      const char *starting_after, int limit, json_t **out)
{
	static const struct kc_page_query q = {
	    KC_SQL_AUDIT_CURSOR, KC_SQL_AUDIT_LIST, INT64_MAX, audit_json};

	return kc_page_list(db, &q, business_id, starting_after, limit, out);
}

/* One bound of a time span as an id: the row found, moved by delta, or
 * dflt when there is none. */
static int
span_id(struct kc_db *db, enum kc_sql sql, long long business_id,
	const char *at, long long delta, long long dflt, long long *id)
{
	struct kc_rows *r;

	if (kc_db_query(db, sql, KC_ARGS(kc_p_int(business_id), kc_p_str(at)),
			&r) != 0)
		return -1;
	*id = r->nrows ? kc_rows_int(r, 0, 0) + delta : dflt;
	kc_rows_free(r);
	return 0;
}

int
kc_audit_list_filtered(struct kc_db *db, long long business_id,
		       const struct kc_audit_filter *f,
		       const char *starting_after, int limit, json_t **out)
{
	static const enum kc_sql lists[4] = {
	    KC_SQL_AUDIT_LIST_SPAN, KC_SQL_AUDIT_LIST_ACTION,
	    KC_SQL_AUDIT_LIST_TARGET, KC_SQL_AUDIT_LIST_ACTION_TARGET};
	struct kc_page_query q = {KC_SQL_AUDIT_CURSOR, KC_SQL_AUDIT_LIST,
				  INT64_MAX, audit_json};
	struct kc_param before[2], after[4];
	struct kc_page_args args = {before, 0, after, 4};
	long long lo = 0, hi = INT64_MAX;

	if (!f->action && !f->target && !f->since && !f->until)
		return kc_audit_list(db, business_id, starting_after, limit,
				     out);
	q.list = lists[(f->action != NULL) | (f->target != NULL) << 1];
	if (f->action)
		before[args.nbefore++] = kc_p_str(f->action);
	if (f->target)
		before[args.nbefore++] = kc_p_str(f->target);
	if ((f->since && span_id(db, KC_SQL_AUDIT_ID_SINCE, business_id,
				 f->since, 1, 0, &lo) != 0) ||
	    (f->until && span_id(db, KC_SQL_AUDIT_ID_UNTIL, business_id,
				 f->until, -1, INT64_MAX, &hi) != 0))
		return -1;
	after[0] = kc_p_int(lo);
	after[1] = kc_p_int(hi);
	after[2] = kc_p_str(f->since ? f->since : "1000-01-01 00:00:00");
	after[3] = kc_p_str(f->until ? f->until : "9999-12-31 23:59:59");
	return kc_page_list_args(db, &q, business_id, &args, starting_after,
				 limit, out);
}
