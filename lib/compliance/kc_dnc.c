#include "kc_dnc.h"
#include "kc_compliance.h"
#include "kc_id.h"
#include "kc_nanp.h"
#include "kc_page.h"
#include "kc_time.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

const char *const kc_dnc_reasons[] = {"customer_request", "complaint", "legal",
				      "stop_keyword", NULL};

static const struct kc_field dnc_fields[] = {
    {"phone", KC_F_E164, 1, 16, 0, 0, NULL, 0},
    {"channels", KC_F_ARRAY, 0, 2, 0, 0, NULL, 0},
    {"reason", KC_F_ENUM, 1, 0, 0, 0, kc_dnc_reasons, 0},
};

/* The channels of a validated body: both when absent. */
static void
body_channels(const json_t *in, int *voice, int *sms)
{
	const json_t *list = json_object_get(in, "channels"), *c;
	size_t i;

	*voice = *sms = list == NULL;
	json_array_foreach(list, i, c)
	{
		*voice |= strcmp(json_string_value(c), "voice") == 0;
		*sms |= strcmp(json_string_value(c), "sms") == 0;
	}
}

int
kc_dnc_validate(const json_t *in, struct kc_verr *e)
{
	const json_t *list, *c;
	const char *problem;
	char path[32];
	enum kc_channel ch;
	size_t i;

	if (kc_json_check(in, "", dnc_fields,
			  sizeof(dnc_fields) / sizeof(dnc_fields[0]), e) != 0)
		return -1;
	if ((problem = kc_phone_problem(kc_json_str(in, "phone"))) != NULL)
		return kc_verr_set(e, 422, "invalid_phone_number", "phone",
				   "phone: %s", problem);
	list = json_object_get(in, "channels");
	/* STOP opts out of texts only, and START lifts only what STOP
	 * set: an opt-out that names voice would be lifted by START, and
	 * one without SMS would leave texts going while the number is
	 * told it is unsubscribed. */
	if (strcmp(kc_json_str(in, "reason"), "stop_keyword") == 0 &&
	    (json_array_size(list) != 1 ||
	     !json_is_string(json_array_get(list, 0)) ||
	     strcmp(json_string_value(json_array_get(list, 0)), "sms") != 0))
		return kc_verr_set(e, 422, "invalid_value", "channels",
				   "reason stop_keyword is an SMS opt-out "
				   "(as if the number texted STOP): channels "
				   "must be [\"sms\"]; use another reason to "
				   "block calls");
	if (list == NULL)
		return 0;
	if (json_array_size(list) == 0)
		return kc_verr_set(e, 422, "invalid_value", "channels",
				   "channels must name voice, sms or both");
	json_array_foreach(list, i, c)
	{
		snprintf(path, sizeof(path), "channels[%zu]", i);
		if (!json_is_string(c))
			return kc_verr_set(e, 422, "invalid_type", path,
					   "%s must be a string", path);
		if (kc_channel_parse(json_string_value(c), &ch) != 0)
			return kc_verr_set(e, 422, "invalid_enum", path,
					   "%s must be voice or sms", path);
	}
	return 0;
}

static json_t *
dnc_json(const struct kc_rows *r, size_t i)
{
	const char *removed = kc_rows_get(r, i, 7);
	json_t *channels = json_array();

	if (channels && kc_rows_int(r, i, 2))
		json_array_append_new(channels, json_string("voice"));
	if (channels && kc_rows_int(r, i, 3))
		json_array_append_new(channels, json_string("sms"));
	return json_pack(
	    "{s:s, s:s, s:s, s:o, s:s, s:s?, s:o, s:s, s:o}", "id",
	    kc_rows_get(r, i, 0), "object", "dnc_entry", "phone",
	    kc_rows_get(r, i, 1), "channels", channels ? channels : json_null(),
	    "reason", kc_rows_get(r, i, 4), "message_sid", kc_rows_get(r, i, 5),
	    "created_at", kc_json_db_time(kc_rows_get(r, i, 6)), "status",
	    removed ? "removed" : "active", "removed_at",
	    kc_json_db_time(removed));
}

int
kc_dnc_get(struct kc_db *db, long long business_id, const char *public_id,
	   json_t **out)
{
	return kc_page_one(db, KC_SQL_DNC_GET, business_id, public_id, dnc_json,
			   out);
}

/* Inserts an entry and records it, in the caller's transaction.
 * KC_CONFLICT when it is an opt-out and the number has a live one. */
static int
add(struct kc_db *db, const struct kc_actor *actor, long long business_id,
    const char *business_public_id, const char *phone, int voice, int sms,
    const char *reason, const char *message_sid, json_t **out)
{
	char id[KC_ID_MAX];
	int optout = strcmp(reason, "stop_keyword") == 0;
	json_t *entry = NULL;

	if (kc_id_new("dnc", id, sizeof(id)) != 0)
		return -1;
	if (kc_db_exec(db, KC_SQL_DNC_INSERT,
		       KC_ARGS(kc_p_str(id), kc_p_int(business_id),
			       kc_p_str(phone), kc_p_int(voice), kc_p_int(sms),
			       kc_p_str(reason), kc_p_str(message_sid),
			       kc_p_str(optout ? phone : NULL)),
		       NULL, NULL) != 0)
		return kc_db_errno(db) == KC_ER_DUP_ENTRY && optout
			   ? KC_CONFLICT
			   : -1;
	if (kc_dnc_get(db, business_id, id, &entry) != 0 ||
	    kc_compliance_record(db, business_id, business_public_id, actor,
				 "dnc.added", "dnc_entry", id, "dnc_id", NULL,
				 entry) != 0) {
		json_decref(entry);
		return -1;
	}
	if (out)
		*out = entry;
	else
		json_decref(entry);
	return 0;
}

int
kc_dnc_create(struct kc_db *db, const struct kc_actor *actor,
	      long long business_id, const char *business_public_id,
	      const json_t *in, json_t **out)
{
	int voice, sms, rc;

	body_channels(in, &voice, &sms);
	if (kc_db_begin(db) != 0)
		return -1;
	rc = add(db, actor, business_id, business_public_id,
		 kc_json_str(in, "phone"), voice, sms,
		 kc_json_str(in, "reason"), NULL, out);
	if (rc != 0) {
		kc_db_rollback(db);
		return rc;
	}
	if (kc_db_commit(db) != 0) {
		kc_db_rollback(db);
		json_decref(*out);
		return -1;
	}
	return 0;
}

/* Ends the live entry in r (row 0, locked), recorded. */
static int
end_entry(struct kc_db *db, const struct kc_actor *actor, long long business_id,
	  const char *business_public_id, const struct kc_rows *r, json_t **out)
{
	const char *id = kc_rows_get(r, 0, 0);
	json_t *before = dnc_json(r, 0), *after = NULL;
	int rc = -1;

	if (before == NULL ||
	    kc_db_exec(
		db, KC_SQL_DNC_REMOVE,
		KC_ARGS(kc_p_int(business_id), kc_p_int(kc_rows_int(r, 0, 8))),
		NULL, NULL) != 0 ||
	    kc_dnc_get(db, business_id, id, &after) != 0 ||
	    kc_compliance_record(db, business_id, business_public_id, actor,
				 "dnc.removed", "dnc_entry", id, "dnc_id",
				 before, after) != 0)
		goto out;
	rc = 0;
	if (out) {
		*out = after;
		after = NULL;
	}
out:
	json_decref(before);
	json_decref(after);
	return rc;
}

int
kc_dnc_remove(struct kc_db *db, const struct kc_actor *actor,
	      long long business_id, const char *business_public_id,
	      const char *public_id, json_t **out)
{
	struct kc_rows *r = NULL;
	int rc = -1;

	if (kc_db_begin(db) != 0)
		return -1;
	if (kc_db_query(db, KC_SQL_DNC_LOCK,
			KC_ARGS(kc_p_int(business_id), kc_p_str(public_id)),
			&r) != 0)
		goto fail;
	if (r->nrows == 0) {
		rc = KC_NOTFOUND;
		goto fail;
	}
	if (kc_rows_get(r, 0, 7) != NULL) {
		/* Already removed: answered as it is, nothing recorded. */
		*out = dnc_json(r, 0);
		kc_rows_free(r);
		kc_db_rollback(db);
		return *out ? 0 : -1;
	}
	if (end_entry(db, actor, business_id, business_public_id, r, out) !=
		0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	kc_rows_free(r);
	return 0;
fail:
	kc_db_rollback(db);
	kc_rows_free(r);
	return rc;
}

int
kc_dnc_list(struct kc_db *db, long long business_id, const char *phone,
	    const char *starting_after, int limit, json_t **out)
{
	struct kc_page_query q = {
	    KC_SQL_DNC_CURSOR, phone ? KC_SQL_DNC_LIST_PHONE : KC_SQL_DNC_LIST,
	    INT64_MAX, dnc_json};
	struct kc_param before[1] = {kc_p_str(phone)};
	struct kc_page_args args = {before, phone ? 1 : 0, NULL, 0};

	return kc_page_list_args(db, &q, business_id, &args, starting_after,
				 limit, out);
}

/* Sets the SMS channel of the live opt-out in r (row 0, locked) to sms,
 * recorded as dnc.updated. */
static int
set_sms(struct kc_db *db, const struct kc_actor *actor, long long business_id,
	const char *business_public_id, const struct kc_rows *r, int sms)
{
	const char *id = kc_rows_get(r, 0, 0);
	json_t *before = dnc_json(r, 0), *after = NULL;
	int rc = -1;

	if (before != NULL &&
	    kc_db_exec(db, KC_SQL_DNC_SET_SMS,
		       KC_ARGS(kc_p_int(sms), kc_p_int(business_id),
			       kc_p_int(kc_rows_int(r, 0, 8))),
		       NULL, NULL) == 0 &&
	    kc_dnc_get(db, business_id, id, &after) == 0 &&
	    kc_compliance_record(db, business_id, business_public_id, actor,
				 "dnc.updated", "dnc_entry", id, "dnc_id",
				 before, after) == 0)
		rc = 0;
	json_decref(before);
	json_decref(after);
	return rc;
}

int
kc_dnc_opt_out(struct kc_db *db, const struct kc_actor *actor,
	       long long business_id, const char *business_public_id,
	       const char *phone, const char *message_sid, int *changed)
{
	struct kc_rows *r;
	int rc = add(db, actor, business_id, business_public_id, phone, 0, 1,
		     "stop_keyword", message_sid, NULL);

	*changed = rc == 0;
	if (rc != KC_CONFLICT)
		return rc;
	/* The number has a live opt-out already. A repeated STOP changes
	 * nothing, unless the entry does not cover texts (one made for
	 * voice alone, before the API refused that): STOP must stop SMS
	 * whatever the entry said, so it is widened. */
	if (kc_db_query(db, KC_SQL_DNC_OPTOUT_LOCK,
			KC_ARGS(kc_p_int(business_id), kc_p_str(phone)),
			&r) != 0)
		return -1;
	rc = 0;
	if (r->nrows == 0)
		rc = -1; /* ended meanwhile: the caller's retry adds one */
	else if (kc_rows_int(r, 0, 3) == 0) {
		rc = set_sms(db, actor, business_id, business_public_id, r, 1);
		*changed = rc == 0;
	}
	kc_rows_free(r);
	return rc;
}

int
kc_dnc_opt_in(struct kc_db *db, const struct kc_actor *actor,
	      long long business_id, const char *business_public_id,
	      const char *phone, int *changed)
{
	struct kc_rows *r;
	int rc = 0;

	*changed = 0;
	if (kc_db_query(db, KC_SQL_DNC_OPTOUT_LOCK,
			KC_ARGS(kc_p_int(business_id), kc_p_str(phone)),
			&r) != 0)
		return -1;
	if (r->nrows > 0 && kc_rows_int(r, 0, 3) == 0) {
		/* Not opted out of texts (a voice-only entry): nothing for
		 * START to lift. */
	} else if (r->nrows > 0 && kc_rows_int(r, 0, 2) != 0) {
		/* An entry for both channels (made before the API refused
		 * that): START lifts texts only; the voice block stays. */
		rc = set_sms(db, actor, business_id, business_public_id, r, 0);
		*changed = rc == 0;
	} else if (r->nrows > 0) {
		rc = end_entry(db, actor, business_id, business_public_id, r,
			       NULL);
		*changed = rc == 0;
	}
	kc_rows_free(r);
	return rc;
}
