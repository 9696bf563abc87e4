#include "kc_page.h"
#include "kc_lead.h"
#include "kc_agent.h"
#include "kc_event.h"
#include "kc_id.h"
#include "kc_time.h"

#include <stdint.h>
#include <string.h>

static const char *const intents[] = {
    "booking", "question", "quote", "complaint", "emergency", "other", NULL};

const struct kc_field kc_lead_fields[] = {
    {"call_id", KC_F_STRING, 0, 48, 0, 0, NULL, 1},
    {"name", KC_F_STRING, 0, 200, 0, 0, NULL, 0},
    {"phone", KC_F_E164, 1, 16, 0, 0, NULL, 0},
    {"email", KC_F_STRING, 0, 254, 0, 0, NULL, 1},
    {"intent", KC_F_ENUM, 1, 0, 0, 0, intents, 0},
    {"notes", KC_F_STRING, 0, 4000, 0, 0, NULL, 0},
};
const size_t kc_lead_nfields =
    sizeof(kc_lead_fields) / sizeof(kc_lead_fields[0]);

int
kc_lead_validate(const json_t *in, struct kc_verr *e)
{
	const char *email = kc_json_str(in, "email"), *at;
	const char *call = kc_json_str(in, "call_id");

	if (kc_json_check(in, "", kc_lead_fields, kc_lead_nfields, e) != 0)
		return -1;
	/* Deliberately loose: one '@' with something on both sides and a
	 * dot after it; the CRM on the other end does the rest. */
	if (email && ((at = strchr(email, '@')) == NULL || at == email ||
		      strchr(at + 1, '@') || strchr(at, '.') == NULL ||
		      strchr(email, ' ')))
		return kc_verr_set(e, 422, "invalid_email", "email",
				   "email must be an address such as "
				   "dana@example.com");
	if (call && !kc_id_valid("call", call))
		return kc_verr_set(e, 422, "invalid_value", "call_id",
				   "call_id must be a call id (call_...)");
	return 0;
}

static json_t *
lead_json(const struct kc_rows *r, size_t i)
{
	char c[KC_TIME_MAX];

	kc_time_from_db(kc_rows_get(r, i, 7), c, sizeof(c));
	return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s?, s:s, s:s, s:s}",
			 "id", kc_rows_get(r, i, 0), "object", "lead",
			 "call_id", kc_rows_get(r, i, 1), "name",
			 kc_rows_get(r, i, 2), "phone", kc_rows_get(r, i, 3),
			 "email", kc_rows_get(r, i, 4), "intent",
			 kc_rows_get(r, i, 5), "notes", kc_rows_get(r, i, 6),
			 "created_at", c);
}

int
kc_lead_get(struct kc_db *db, long long business_id, const char *public_id,
	    json_t **out)
{
	return kc_page_one(db, KC_SQL_LEAD_GET, business_id, public_id,
			   lead_json, out);
}

int
kc_lead_create(struct kc_db *db, long long business_id,
	       const char *business_public_id, const json_t *in, json_t **out,
	       struct kc_verr *e)
{
	char id[KC_ID_MAX], now[KC_TIME_MAX];
	json_t *lead = NULL, *data = NULL;
	struct kc_rows *call = NULL;
	int rc = -1;

	if (kc_id_new("lead", id, sizeof(id)) != 0 ||
	    kc_time_now(now, sizeof(now), NULL, 0) != 0 || kc_db_begin(db) != 0)
		return -1;
	/* Another business's call reads as one that does not exist. */
	if (kc_json_str(in, "call_id")) {
		if (kc_db_query(db, KC_SQL_CALL_CURSOR,
				KC_ARGS(kc_p_int(business_id),
					kc_p_str(kc_json_str(in, "call_id"))),
				&call) != 0)
			goto fail;
		if (call->nrows == 0) {
			kc_verr_set(e, 422, "unknown_call", "call_id",
				    "call_id names no call of this business");
			rc = KC_INVALID;
			goto fail;
		}
	}
	if (kc_db_exec(db, KC_SQL_LEAD_INSERT,
		       KC_ARGS(kc_p_str(id), kc_p_int(business_id),
			       kc_p_str(kc_json_str(in, "call_id")),
			       kc_p_str(kc_json_str(in, "name")
					    ? kc_json_str(in, "name")
					    : ""),
			       kc_p_str(kc_json_str(in, "phone")),
			       kc_p_str(kc_json_str(in, "email")),
			       kc_p_str(kc_json_str(in, "intent")),
			       kc_p_str(kc_json_str(in, "notes")
					    ? kc_json_str(in, "notes")
					    : ""),
			       kc_p_str(now)),
		       NULL, NULL) != 0 ||
	    kc_lead_get(db, business_id, id, &lead) != 0)
		goto fail;
	/* The event carries the lead as the API shows it. */
	data = json_deep_copy(lead);
	json_object_del(data, "object");
	json_object_del(data, "id");
	json_object_set_new(data, "lead_id", json_string(id));
	if (kc_event_emit(db, business_id, business_public_id, "lead.captured",
			  data, 0, NULL, NULL) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	json_decref(data);
	kc_rows_free(call);
	*out = lead;
	return 0;
fail:
	kc_db_rollback(db);
	json_decref(lead);
	json_decref(data);
	kc_rows_free(call);
	return rc;
}

int
kc_lead_list(struct kc_db *db, long long business_id, const char *since,
	     const char *starting_after, int limit, json_t **out)
{
	static const enum kc_sql shape[] = {KC_SQL_LEAD_LIST};
	static const struct kc_page_recent q = {
	    KC_SQL_LEAD_CURSOR, KC_PAGE_SHAPES(shape), lead_json};

	return kc_page_recent(db, &q, business_id, NULL, since, NULL,
			      starting_after, limit, out);
}
