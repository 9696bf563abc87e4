#include "kc_consent.h"
#include "kc_compliance.h"
#include "kc_id.h"
#include "kc_nanp.h"
#include "kc_page.h"
#include "kc_time.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const channels[] = {"voice", "sms", NULL};
static const char *const kinds[] = {"express", "written", NULL};

static const struct kc_field consent_fields[] = {
    {"phone", KC_F_E164, 1, 16, 0, 0, NULL, 0},
    {"channel", KC_F_ENUM, 1, 0, 0, 0, channels, 0},
    {"kind", KC_F_ENUM, 1, 0, 0, 0, kinds, 0},
    {"source", KC_F_STRING, 1, 200, 0, 0, NULL, 0},
    {"evidence", KC_F_STRING, 0, 4000, 0, 0, NULL, 1},
    {"captured_at", KC_F_TIME, 1, 40, 0, 0, NULL, 0},
};

/* A clock a little ahead of ours is not a consent from the future. */
#define CAPTURED_SKEW_MS (5 * 60 * 1000LL)

int
kc_consent_validate(const json_t *in, struct kc_verr *e)
{
	char at[KC_TIME_MAX], limit[KC_TIME_MAX];
	const char *problem;

	if (kc_json_check(in, "", consent_fields,
			  sizeof(consent_fields) / sizeof(consent_fields[0]),
			  e) != 0)
		return -1;
	if ((problem = kc_phone_problem(kc_json_str(in, "phone"))) != NULL)
		return kc_verr_set(e, 422, "invalid_phone_number", "phone",
				   "phone: %s", problem);
	if (json_string_length(json_object_get(in, "source")) == 0)
		return kc_verr_set(e, 422, "invalid_value", "source",
				   "source must say where the consent was "
				   "given, such as web_form");
	/* Both MariaDB text of the same shape: they compare as strings. */
	if (kc_time_to_db(kc_json_str(in, "captured_at"), at, sizeof(at)) !=
		0 ||
	    kc_time_db_at(kc_time_now_ms() + CAPTURED_SKEW_MS, limit,
			  sizeof(limit)) != 0)
		return kc_verr_set(e, 422, "invalid_time", "captured_at",
				   "captured_at must be an RFC 3339 time");
	if (strcmp(at, limit) > 0)
		return kc_verr_set(e, 422, "out_of_range", "captured_at",
				   "captured_at must not be in the future");
	return 0;
}

static json_t *
consent_json(const struct kc_rows *r, size_t i)
{
	const char *revoked = kc_rows_get(r, i, 8);

	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:o, s:o, s:s, s:o}", "id",
	    kc_rows_get(r, i, 0), "object", "consent", "phone",
	    kc_rows_get(r, i, 1), "channel", kc_rows_get(r, i, 2), "kind",
	    kc_rows_get(r, i, 3), "source", kc_rows_get(r, i, 4), "evidence",
	    kc_rows_get(r, i, 5), "captured_at",
	    kc_json_db_time(kc_rows_get(r, i, 6)), "created_at",
	    kc_json_db_time(kc_rows_get(r, i, 7)), "status",
	    revoked ? "revoked" : "active", "revoked_at",
	    kc_json_db_time(revoked));
}

int
kc_consent_get(struct kc_db *db, long long business_id, const char *public_id,
	       json_t **out)
{
	return kc_page_one(db, KC_SQL_CONSENT_GET, business_id, public_id,
			   consent_json, out);
}

int
kc_consent_create(struct kc_db *db, const struct kc_actor *actor,
		  long long business_id, const char *business_public_id,
		  const json_t *in, json_t **out)
{
	char id[KC_ID_MAX], at[KC_TIME_MAX];
	json_t *c = NULL;

	if (kc_id_new("cns", id, sizeof(id)) != 0 ||
	    kc_time_to_db(kc_json_str(in, "captured_at"), at, sizeof(at)) !=
		0 ||
	    kc_db_begin(db) != 0)
		return -1;
	if (kc_db_exec(db, KC_SQL_CONSENT_INSERT,
		       KC_ARGS(kc_p_str(id), kc_p_int(business_id),
			       kc_p_str(kc_json_str(in, "phone")),
			       kc_p_str(kc_json_str(in, "channel")),
			       kc_p_str(kc_json_str(in, "kind")),
			       kc_p_str(kc_json_str(in, "source")),
			       kc_p_str(kc_json_str(in, "evidence")),
			       kc_p_str(at)),
		       NULL, NULL) != 0 ||
	    kc_consent_get(db, business_id, id, &c) != 0 ||
	    kc_compliance_record(db, business_id, business_public_id, actor,
				 "consent.granted", "consent", id, "consent_id",
				 NULL, c) != 0 ||
	    kc_db_commit(db) != 0) {
		kc_db_rollback(db);
		json_decref(c);
		return -1;
	}
	*out = c;
	return 0;
}

int
kc_consent_revoke(struct kc_db *db, const struct kc_actor *actor,
		  long long business_id, const char *business_public_id,
		  const char *public_id, json_t **out)
{
	json_t *before = NULL, *after = NULL;
	struct kc_rows *r = NULL;
	int rc = -1;

	if (kc_db_begin(db) != 0)
		return -1;
	/* Locked, so two revocations at once record one. */
	if (kc_db_query(db, KC_SQL_CONSENT_LOCK,
			KC_ARGS(kc_p_int(business_id), kc_p_str(public_id)),
			&r) != 0)
		goto fail;
	if (r->nrows == 0) {
		rc = KC_NOTFOUND;
		goto fail;
	}
	if ((before = consent_json(r, 0)) == NULL)
		goto fail;
	if (kc_rows_get(r, 0, 8) != NULL) {
		/* Already revoked: nothing changes, nothing is recorded. */
		kc_rows_free(r);
		kc_db_rollback(db);
		*out = before;
		return 0;
	}
	if (kc_db_exec(
		db, KC_SQL_CONSENT_REVOKE,
		KC_ARGS(kc_p_int(business_id), kc_p_int(kc_rows_int(r, 0, 9))),
		NULL, NULL) != 0 ||
	    kc_consent_get(db, business_id, public_id, &after) != 0 ||
	    kc_compliance_record(db, business_id, business_public_id, actor,
				 "consent.revoked", "consent", public_id,
				 "consent_id", before, after) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	kc_rows_free(r);
	json_decref(before);
	*out = after;
	return 0;
fail:
	kc_db_rollback(db);
	kc_rows_free(r);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
kc_consent_list(struct kc_db *db, long long business_id, const char *phone,
		const char *channel, const char *starting_after, int limit,
		json_t **out)
{
	static const enum kc_sql lists[4] = {
	    KC_SQL_CONSENT_LIST, KC_SQL_CONSENT_LIST_PHONE,
	    KC_SQL_CONSENT_LIST_CHANNEL, KC_SQL_CONSENT_LIST_PHONE_CHANNEL};
	struct kc_page_query q = {KC_SQL_CONSENT_CURSOR, KC_SQL_CONSENT_LIST,
				  INT64_MAX, consent_json};
	struct kc_param before[2];
	struct kc_page_args args = {before, 0, NULL, 0};

	q.list = lists[(phone != NULL) | (channel != NULL) << 1];
	if (phone)
		before[args.nbefore++] = kc_p_str(phone);
	if (channel)
		before[args.nbefore++] = kc_p_str(channel);
	return kc_page_list_args(db, &q, business_id, &args, starting_after,
				 limit, out);
}
