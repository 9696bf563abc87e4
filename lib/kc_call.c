#include "kc_page.h"
#include "kc_call.h"
#include "kc_agent.h"
#include "kc_event.h"
#include "kc_id.h"
#include "kc_time.h"
#include "kc_url.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const directions[] = {"inbound", "outbound", NULL};
static const char *const outcomes[] = {
    "completed", "lead_captured", "appointment_booked",
    "voicemail", "transferred",   "missed",
    "abandoned", "spam",          NULL};
static const char *const speakers[] = {"agent", "caller", "system", NULL};

static const struct kc_field start_fields[] = {
    {"direction", KC_F_ENUM, 1, 0, 0, 0, directions, 0},
    {"from", KC_F_E164, 1, 16, 0, 0, NULL, 0},
    {"to", KC_F_E164, 1, 16, 0, 0, NULL, 0},
    {"agent_id", KC_F_STRING, 0, 48, 0, 0, NULL, 0},
    {"started_at", KC_F_TIME, 1, 40, 0, 0, NULL, 0},
};
static const struct kc_field end_fields[] = {
    {"ended_at", KC_F_TIME, 1, 40, 0, 0, NULL, 0},
    {"duration_seconds", KC_F_INT, 1, 0, 0, 86400, NULL, 0},
    {"outcome", KC_F_ENUM, 1, 0, 0, 0, outcomes, 0},
    {"summary", KC_F_STRING, 0, 4000, 0, 0, NULL, 1},
    {"transcript", KC_F_ARRAY, 0, 5000, 0, 0, NULL, 1},
    {"recording_url", KC_F_STRING, 0, 2048, 0, 0, NULL, 1},
};
static const struct kc_field segment_fields[] = {
    {"speaker", KC_F_ENUM, 1, 0, 0, 0, speakers, 0},
    {"text", KC_F_STRING, 1, 8000, 0, 0, NULL, 0},
    {"offset_seconds", KC_F_INT, 0, 0, 0, 86400, NULL, 0},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int
kc_call_validate_start(const json_t *in, struct kc_verr *e)
{
	const char *agent = kc_json_str(in, "agent_id");

	if (kc_json_check(in, "", start_fields, N(start_fields), e) != 0)
		return -1;
	if (agent && !kc_id_valid("agt", agent))
		return kc_verr_set(e, 422, "invalid_value", "agent_id",
				   "agent_id must be an agent id (agt_...)");
	return 0;
}

int
kc_call_validate_end(const json_t *in, struct kc_verr *e)
{
	const json_t *t = json_object_get(in, "transcript"), *seg;
	const char *url = kc_json_str(in, "recording_url");
	char path[64], *text;
	struct kc_url u;
	size_t i, len;

	if (kc_json_check(in, "", end_fields, N(end_fields), e) != 0)
		return -1;
	json_array_foreach(t, i, seg)
	{
		snprintf(path, sizeof(path), "transcript[%zu]", i);
		if (kc_json_check(seg, path, segment_fields, N(segment_fields),
				  e) != 0)
			return -1;
	}
	if (json_is_array(t)) {
		text = json_dumps(t, JSON_COMPACT);
		len = text ? strlen(text) : SIZE_MAX;
		free(text);
		if (len > KC_TRANSCRIPT_MAX)
			return kc_verr_set(e, 422, "too_long", "transcript",
					   "transcript may be at most %d bytes "
					   "as JSON",
					   KC_TRANSCRIPT_MAX);
	}
	if (url && (kc_url_parse(url, &u, path, sizeof(path)) != 0 || !u.https))
		return kc_verr_set(e, 422, "invalid_url", "recording_url",
				   "recording_url must be an https URL");
	return 0;
}

static json_t *
call_json(const struct kc_rows *r, size_t i)
{
	char s[KC_TIME_MAX], en[KC_TIME_MAX] = "", c[KC_TIME_MAX];
	const char *t = kc_rows_get(r, i, 11);
	json_t *transcript = t ? json_loads(t, 0, NULL) : NULL;

	kc_time_from_db(kc_rows_get(r, i, 6), s, sizeof(s));
	if (kc_rows_get(r, i, 7))
		kc_time_from_db(kc_rows_get(r, i, 7), en, sizeof(en));
	kc_time_from_db(kc_rows_get(r, i, 13), c, sizeof(c));
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:o, s:s?, "
	    "s:s?, s:o, s:s?, s:s}",
	    "id", kc_rows_get(r, i, 0), "object", "call", "agent_id",
	    kc_rows_get(r, i, 1), "direction", kc_rows_get(r, i, 2), "from",
	    kc_rows_get(r, i, 3), "to", kc_rows_get(r, i, 4), "status",
	    kc_rows_get(r, i, 5), "started_at", s, "ended_at",
	    en[0] ? en : NULL, "duration_seconds",
	    kc_rows_get(r, i, 8) ? json_integer(kc_rows_int(r, i, 8))
				 : json_null(),
	    "outcome", kc_rows_get(r, i, 9), "summary", kc_rows_get(r, i, 10),
	    "transcript", transcript ? transcript : json_null(),
	    "recording_url", kc_rows_get(r, i, 12), "created_at", c);
}

int
kc_call_get(struct kc_db *db, long long business_id, const char *id,
	    json_t **out)
{
	return kc_page_one(db, KC_SQL_CALL_GET, business_id, id, call_json,
			   out);
}

/* The event data: the call as the API shows it, id as call_id. */
static json_t *
event_data(const json_t *call)
{
	json_t *d = json_deep_copy(call);

	json_object_set(d, "call_id", json_object_get(call, "id"));
	json_object_del(d, "id");
	json_object_del(d, "object");
	return d;
}

int
kc_call_start(struct kc_db *db, long long business_id,
	      const char *business_public_id, const json_t *in, json_t **out,
	      struct kc_verr *e)
{
	char id[KC_ID_MAX], agent[KC_ID_MAX], started[KC_TIME_MAX];
	struct kc_rows *r = NULL;
	json_t *call = NULL, *data = NULL;
	int rc = -1;

	if (kc_id_new("call", id, sizeof(id)) != 0 ||
	    kc_time_to_db(kc_json_str(in, "started_at"), started,
			  sizeof(started)) != 0 ||
	    kc_db_begin(db) != 0)
		return -1;
	if (kc_json_str(in, "agent_id")) {
		/* Another business's agent reads as one that does not exist. */
		if (kc_db_query(db, KC_SQL_AGENT_ID_BY_PUBLIC,
				KC_ARGS(kc_p_int(business_id),
					kc_p_str(kc_json_str(in, "agent_id"))),
				&r) != 0)
			goto fail;
		if (r->nrows == 0) {
			kc_verr_set(e, 422, "unknown_agent", "agent_id",
				    "agent_id names no agent of this business");
			rc = KC_INVALID;
			goto fail;
		}
		snprintf(agent, sizeof(agent), "%s",
			 kc_json_str(in, "agent_id"));
	} else {
		if (kc_db_query(db, KC_SQL_AGENT_PRIMARY_ID,
				KC_ARGS(kc_p_int(business_id)), &r) != 0 ||
		    r->nrows == 0)
			goto fail;
		snprintf(agent, sizeof(agent), "%s", kc_rows_get(r, 0, 0));
	}
	if (kc_db_exec(
		db, KC_SQL_CALL_INSERT,
		KC_ARGS(kc_p_str(id), kc_p_int(business_id), kc_p_str(agent),
			kc_p_str(kc_json_str(in, "direction")),
			kc_p_str(kc_json_str(in, "from")),
			kc_p_str(kc_json_str(in, "to")), kc_p_str(started)),
		NULL, NULL) != 0 ||
	    kc_call_get(db, business_id, id, &call) != 0 ||
	    (data = event_data(call)) == NULL ||
	    kc_event_emit(db, business_id, business_public_id, "call.started",
			  data, 0, NULL, NULL) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	kc_rows_free(r);
	json_decref(data);
	*out = call;
	return 0;
fail:
	kc_db_rollback(db);
	kc_rows_free(r);
	json_decref(call);
	json_decref(data);
	return rc;
}

int
kc_call_end(struct kc_db *db, long long business_id,
	    const char *business_public_id, const char *call_id,
	    const json_t *in, json_t **out)
{
	char ended[KC_TIME_MAX], *transcript = NULL;
	const json_t *t = json_object_get(in, "transcript");
	struct kc_rows *r = NULL;
	json_t *call = NULL, *data = NULL;
	int rc = -1;

	if (kc_time_to_db(kc_json_str(in, "ended_at"), ended, sizeof(ended)) ||
	    (json_is_array(t) &&
	     (transcript = json_dumps(t, JSON_COMPACT)) == NULL) ||
	    kc_db_begin(db) != 0) {
		free(transcript);
		return -1;
	}
	/* FOR UPDATE: two concurrent "end" reports must not both win. */
	if (kc_db_query(db, KC_SQL_CALL_LOCK,
			KC_ARGS(kc_p_int(business_id), kc_p_str(call_id)),
			&r) != 0)
		goto fail;
	if (r->nrows == 0) {
		rc = KC_NOTFOUND;
		goto fail;
	}
	if (strcmp(kc_rows_get(r, 0, 1), "ended") == 0) {
		rc = KC_CONFLICT;
		goto fail;
	}
	if (kc_db_exec(db, KC_SQL_CALL_END,
		       KC_ARGS(kc_p_str(ended),
			       kc_p_int(json_integer_value(
				   json_object_get(in, "duration_seconds"))),
			       kc_p_str(kc_json_str(in, "outcome")),
			       kc_p_str(kc_json_str(in, "summary")),
			       kc_p_str(transcript),
			       kc_p_str(kc_json_str(in, "recording_url")),
			       kc_p_int(business_id),
			       kc_p_int(kc_rows_int(r, 0, 0))),
		       NULL, NULL) != 0 ||
	    kc_call_get(db, business_id, call_id, &call) != 0 ||
	    (data = event_data(call)) == NULL ||
	    kc_event_emit(db, business_id, business_public_id, "call.ended",
			  data, 0, NULL, NULL) != 0 ||
	    kc_db_commit(db) != 0) {
		rc = -1;
		goto fail;
	}
	kc_rows_free(r);
	json_decref(data);
	free(transcript);
	*out = call;
	return 0;
fail:
	kc_db_rollback(db);
	kc_rows_free(r);
	json_decref(call);
	json_decref(data);
	free(transcript);
	return rc;
}

/* Lists leave the transcript out: fetch one call for it. */
static json_t *
call_list_json(const struct kc_rows *r, size_t i)
{
	json_t *c = call_json(r, i);

	json_object_del(c, "transcript");
	return c;
}

int
kc_call_list(struct kc_db *db, long long business_id, const char *status,
	     const char *since, const char *starting_after, int limit,
	     json_t **out)
{
	static const enum kc_sql shape[] = {KC_SQL_CALL_LIST,
					    KC_SQL_CALL_LIST_STATUS};
	static const struct kc_page_recent q = {
	    KC_SQL_CALL_CURSOR, KC_PAGE_SHAPES(shape), call_list_json};
	const struct kc_param f[] = {kc_p_str(status)};

	return kc_page_recent(db, &q, business_id, f, since, NULL,
			      starting_after, limit, out);
}
