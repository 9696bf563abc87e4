#include "kc_page.h"
#include "kc_followup.h"
#include "kc_call.h"
#include "kc_event.h"
#include "kc_id.h"
#include "kc_time.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const kinds[] = {"callback", "appointment", "task", NULL};

static const struct kc_field fields[] = {
    {"lead_id", KC_F_STRING, 1, 48, 0, 0, NULL, 0},
    {"kind", KC_F_ENUM, 1, 0, 0, 0, kinds, 0},
    {"due_at", KC_F_TIME, 1, 40, 0, 0, NULL, 0},
    {"notes", KC_F_STRING, 0, 4000, 0, 0, NULL, 0},
};

int
kc_followup_validate(const json_t *in, struct kc_verr *e)
{
	if (kc_json_check(in, "", fields, sizeof(fields) / sizeof(fields[0]),
			  e) != 0)
		return -1;
	if (!kc_id_valid("lead", kc_json_str(in, "lead_id")))
		return kc_verr_set(e, 422, "invalid_value", "lead_id",
				   "lead_id must be a lead id (lead_...)");
	return 0;
}

static json_t *
followup_json(const struct kc_rows *r, size_t i)
{
	char due[KC_TIME_MAX], done[KC_TIME_MAX] = "", c[KC_TIME_MAX];

	kc_time_from_db(kc_rows_get(r, i, 3), due, sizeof(due));
	if (kc_rows_get(r, i, 6))
		kc_time_from_db(kc_rows_get(r, i, 6), done, sizeof(done));
	kc_time_from_db(kc_rows_get(r, i, 7), c, sizeof(c));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s}", "id",
			 kc_rows_get(r, i, 0), "object", "followup", "lead_id",
			 kc_rows_get(r, i, 1), "kind", kc_rows_get(r, i, 2),
			 "due_at", due, "notes", kc_rows_get(r, i, 4), "status",
			 kc_rows_get(r, i, 5), "completed_at",
			 done[0] ? done : NULL, "created_at", c);
}

static int
get(struct kc_db *db, long long business_id, const char *id, json_t **out)
{
	return kc_page_one(db, KC_SQL_FOLLOWUP_GET, business_id, id,
			   followup_json, out);
}

/* The event data: the follow-up with its id as followup_id. */
static int
emit(struct kc_db *db, long long business_id, const char *biz, const char *type,
     const json_t *f)
{
	json_t *d = json_deep_copy(f);
	int rc;

	json_object_set(d, "followup_id", json_object_get(f, "id"));
	json_object_del(d, "id");
	json_object_del(d, "object");
	rc = kc_event_emit(db, business_id, biz, type, d, 0, NULL, NULL);
	json_decref(d);
	return rc;
}

int
kc_followup_create(struct kc_db *db, long long business_id,
		   const char *business_public_id, const json_t *in,
		   json_t **out, struct kc_verr *e)
{
	char id[KC_ID_MAX], due[KC_TIME_MAX];
	struct kc_rows *lead = NULL;
	json_t *f = NULL;
	int rc = -1;

	if (kc_id_new("fu", id, sizeof(id)) != 0 ||
	    kc_time_to_db(kc_json_str(in, "due_at"), due, sizeof(due)) != 0 ||
	    kc_db_begin(db) != 0)
		return -1;
	/* Another business's lead reads as one that does not exist. */
	if (kc_db_query(db, KC_SQL_LEAD_CURSOR,
			KC_ARGS(kc_p_int(business_id),
				kc_p_str(kc_json_str(in, "lead_id"))),
			&lead) != 0)
		goto fail;
	if (lead->nrows == 0) {
		kc_verr_set(e, 422, "unknown_lead", "lead_id",
			    "lead_id names no lead of this business");
		rc = KC_INVALID;
		goto fail;
	}
	if (kc_db_exec(db, KC_SQL_FOLLOWUP_INSERT,
		       KC_ARGS(kc_p_str(id), kc_p_int(business_id),
			       kc_p_str(kc_json_str(in, "lead_id")),
			       kc_p_str(kc_json_str(in, "kind")), kc_p_str(due),
			       kc_p_str(kc_json_str(in, "notes")
					    ? kc_json_str(in, "notes")
					    : "")),
		       NULL, NULL) != 0 ||
	    get(db, business_id, id, &f) != 0 ||
	    emit(db, business_id, business_public_id, "followup.created", f) ||
	    kc_db_commit(db) != 0)
		goto fail;
	kc_rows_free(lead);
	*out = f;
	return 0;
fail:
	kc_db_rollback(db);
	kc_rows_free(lead);
	json_decref(f);
	return rc;
}

int
kc_followup_complete(struct kc_db *db, long long business_id,
		     const char *business_public_id, const char *id,
		     json_t **out)
{
	struct kc_rows *r = NULL;
	json_t *f = NULL;
	int rc = -1;

	if (kc_db_begin(db) != 0)
		return -1;
	if (kc_db_query(db, KC_SQL_FOLLOWUP_LOCK,
			KC_ARGS(kc_p_int(business_id), kc_p_str(id)), &r) != 0)
		goto fail;
	if (r->nrows == 0) {
		rc = KC_NOTFOUND;
		goto fail;
	}
	if (strcmp(kc_rows_get(r, 0, 1), "completed") == 0) {
		rc = KC_CONFLICT;
		goto fail;
	}
	if (kc_db_exec(
		db, KC_SQL_FOLLOWUP_COMPLETE,
		KC_ARGS(kc_p_int(business_id), kc_p_int(kc_rows_int(r, 0, 0))),
		NULL, NULL) != 0 ||
	    get(db, business_id, id, &f) != 0 ||
	    emit(db, business_id, business_public_id, "followup.completed",
		 f) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	kc_rows_free(r);
	*out = f;
	return 0;
fail:
	kc_db_rollback(db);
	kc_rows_free(r);
	json_decref(f);
	return rc;
}

int
kc_followup_list(struct kc_db *db, long long business_id, const char *status,
		 const char *lead, const char *since,
		 const char *starting_after, int limit, json_t **out)
{
	static const enum kc_sql shape[] = {
	    KC_SQL_FOLLOWUP_LIST, KC_SQL_FOLLOWUP_LIST_STATUS,
	    KC_SQL_FOLLOWUP_LIST_LEAD, KC_SQL_FOLLOWUP_LIST_LEAD_STATUS};
	static const struct kc_page_recent q = {
	    KC_SQL_FOLLOWUP_CURSOR, KC_PAGE_SHAPES(shape), followup_json};
	const struct kc_param f[] = {kc_p_str(status), kc_p_str(lead)};

	return kc_page_recent(db, &q, business_id, f, since, NULL,
			      starting_after, limit, out);
}
