#include "kc_outbound.h"
#include "kc_business.h"
#include "kc_event.h"
#include "kc_id.h"
#include "kc_page.h"
#include "kc_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A call's context, as JSON: what the agent should know about the call. */
#define CONTEXT_MAX (16 * 1024)

static const char *const purposes[] = {"informational", "marketing", NULL};

static const char *const message_states[] = {"blocked",   "queued",   "sending",
					     "unknown",   "accepted", "sent",
					     "delivered", "failed",   NULL};
static const char *const call_states[] = {
    "blocked", "queued",      "sending",   "unknown", "accepted",
    "ringing", "in_progress", "completed", "failed",  NULL};

/* "to" and "from" are only strings here: that they are numbers the action
 * may use is what the compliance check says, and records. */
static const struct kc_field message_fields[] = {
    {"to", KC_F_STRING, 1, 32, 0, 0, NULL, 0},
    {"from", KC_F_STRING, 1, 32, 0, 0, NULL, 0},
    {"body", KC_F_STRING, 1, KC_OUTBOUND_BODY_MAX * 4, 0, 0, NULL, 0},
    {"purpose", KC_F_ENUM, 1, 0, 0, 0, purposes, 0},
    {"lead_id", KC_F_STRING, 0, 48, 0, 0, NULL, 1},
    {"timezone", KC_F_STRING, 0, 64, 0, 0, NULL, 1},
    {"dry_run", KC_F_BOOL, 0, 0, 0, 0, NULL, 0},
};
static const struct kc_field call_fields[] = {
    {"to", KC_F_STRING, 1, 32, 0, 0, NULL, 0},
    {"from", KC_F_STRING, 1, 32, 0, 0, NULL, 0},
    {"agent_id", KC_F_STRING, 1, 48, 0, 0, NULL, 0},
    {"purpose", KC_F_ENUM, 1, 0, 0, 0, purposes, 0},
    {"lead_id", KC_F_STRING, 0, 48, 0, 0, NULL, 1},
    {"context", KC_F_OBJECT, 0, 0, 0, 0, NULL, 1},
    {"timezone", KC_F_STRING, 0, 64, 0, 0, NULL, 1},
    {"dry_run", KC_F_BOOL, 0, 0, 0, 0, NULL, 0},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *
kc_outbound_kind_name(enum kc_outbound_kind k)
{
	return k == KC_OUTBOUND_CALL ? "call" : "message";
}

const char *
kc_outbound_id_prefix(enum kc_outbound_kind k)
{
	return k == KC_OUTBOUND_CALL ? "ocall" : "msg";
}

static const char *
object_name(enum kc_outbound_kind k)
{
	return k == KC_OUTBOUND_CALL ? "outbound_call" : "message";
}

const char *const *
kc_outbound_states(enum kc_outbound_kind k)
{
	return k == KC_OUTBOUND_CALL ? call_states : message_states;
}

/* Characters as the carrier counts them: code points of valid UTF-8
 * (Jansson's strings are), every byte that does not continue one. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int
kc_outbound_validate(enum kc_outbound_kind k, const json_t *in,
		     struct kc_verr *e)
{
	const char *lead, *agent, *tz, *body;
	const json_t *ctx;
	char *text;
	size_t len;

	if (k == KC_OUTBOUND_CALL
		? kc_json_check(in, "", call_fields, N(call_fields), e)
		: kc_json_check(in, "", message_fields, N(message_fields), e))
		return -1;
	if ((body = kc_json_str(in, "body")) != NULL) {
		if (*body == '\0')
			return kc_verr_set(e, 422, "invalid_value", "body",
					   "body must not be empty");
		if (utf8_chars(body) > KC_OUTBOUND_BODY_MAX)
			return kc_verr_set(e, 422, "too_long", "body",
					   "body may be at most %d characters",
					   KC_OUTBOUND_BODY_MAX);
	}
	if ((agent = kc_json_str(in, "agent_id")) != NULL &&
	    !kc_id_valid("agt", agent))
		return kc_verr_set(e, 422, "invalid_value", "agent_id",
				   "agent_id must be an agent id (agt_...)");
	if ((lead = kc_json_str(in, "lead_id")) != NULL &&
	    !kc_id_valid("lead", lead))
		return kc_verr_set(e, 422, "invalid_value", "lead_id",
				   "lead_id must be a lead id (lead_...)");
	if ((tz = kc_json_str(in, "timezone")) != NULL &&
	    !kc_timezone_valid(tz))
		return kc_verr_set(e, 422, "invalid_value", "timezone",
				   "timezone must be an IANA time zone such as "
				   "America/Chicago");
	if (json_is_object(ctx = json_object_get(in, "context"))) {
		text = json_dumps(ctx, JSON_COMPACT);
		len = text ? strlen(text) : CONTEXT_MAX + 1;
		free(text);
		if (len > CONTEXT_MAX)
			return kc_verr_set(e, 422, "too_long", "context",
					   "context may be at most %d bytes as "
					   "JSON",
					   CONTEXT_MAX);
	}
	return 0;
}

/* --- reading ------------------------------------------------------------- */

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A stored JSON column as a value (JSON null for SQL NULL). */
static json_t *
stored(const char *s)
{
	json_t *v;

	if (s == NULL)
		return json_null();
	v = json_loads(s, JSON_DECODE_ANY, NULL);
	return v ? v : json_null();
}

/* Columns: see OUTBOUND_COLS in kc_sql.c. */
static json_t *
action_json(const struct kc_rows *r, size_t i)
{
	const char *kind = kc_rows_get(r, i, 1),
		   *status = kc_rows_get(r, i, 10);
	int call = strcmp(kind, "call") == 0;
	json_t *a = json_object(), *blocked;

	if (a == NULL)
		return NULL;
	json_object_set_new(a, "id", json_string(kc_rows_get(r, i, 0)));
	json_object_set_new(a, "object",
			    json_string(call ? "outbound_call" : "message"));
	if (call)
		json_object_set_new(a, "direction", json_string("outbound"));
	json_object_set_new(a, "to", json_string(kc_rows_get(r, i, 3)));
	json_object_set_new(a, "from", json_string(kc_rows_get(r, i, 4)));
	if (call) {
		json_object_set_new(a, "agent_id",
				    str_or_null(kc_rows_get(r, i, 5)));
		json_object_set_new(a, "context", stored(kc_rows_get(r, i, 9)));
	} else
		json_object_set_new(a, "body",
				    str_or_null(kc_rows_get(r, i, 8)));
	json_object_set_new(a, "purpose", json_string(kc_rows_get(r, i, 2)));
	json_object_set_new(a, "lead_id", str_or_null(kc_rows_get(r, i, 6)));
	json_object_set_new(a, "timezone", str_or_null(kc_rows_get(r, i, 7)));
	json_object_set_new(a, "status", json_string(status));
	blocked =
	    kc_rows_get(r, i, 11)
		? json_pack("{s:s, s:s, s:s}", "code", kc_rows_get(r, i, 11),
			    "detail",
			    kc_rows_get(r, i, 12) ? kc_rows_get(r, i, 12) : "",
			    "stage",
			    kc_rows_get(r, i, 13) ? kc_rows_get(r, i, 13)
						  : "queue")
		: json_null();
	json_object_set_new(a, "blocked", blocked);
	json_object_set_new(a, "checks", stored(kc_rows_get(r, i, 14)));
	json_object_set_new(a, "send_checks", stored(kc_rows_get(r, i, 15)));
	json_object_set_new(a, "carrier_sid",
			    str_or_null(kc_rows_get(r, i, 16)));
	json_object_set_new(a, "carrier_status",
			    str_or_null(kc_rows_get(r, i, 17)));
	json_object_set_new(a, "error_code",
			    kc_json_db_int(kc_rows_get(r, i, 18)));
	json_object_set_new(a, "error_message",
			    str_or_null(kc_rows_get(r, i, 19)));
	json_object_set_new(a, "attempts", json_integer(kc_rows_int(r, i, 20)));
	/* While sending, the column holds the worker's lease: not a time
	 * anyone waits for. */
	json_object_set_new(a, "next_attempt_at",
			    strcmp(status, "queued") == 0
				? kc_json_db_time(kc_rows_get(r, i, 21))
				: json_null());
	if (call) {
		json_object_set_new(a, "duration_seconds",
				    kc_json_db_int(kc_rows_get(r, i, 22)));
		json_object_set_new(a, "answered_at",
				    kc_json_db_time(kc_rows_get(r, i, 26)));
	}
	json_object_set_new(a, "created_at",
			    kc_json_db_time(kc_rows_get(r, i, 23)));
	json_object_set_new(a, "updated_at",
			    kc_json_db_time(kc_rows_get(r, i, 24)));
	json_object_set_new(a, "sent_at",
			    kc_json_db_time(kc_rows_get(r, i, 25)));
	json_object_set_new(a, "ended_at",
			    kc_json_db_time(kc_rows_get(r, i, 27)));
	return a;
}

int
kc_outbound_get(struct kc_db *db, long long business_id,
		enum kc_outbound_kind k, const char *public_id, json_t **out)
{
	/* The prefix says the kind: a message's id never reads as a call. */
	if (!kc_id_valid(kc_outbound_id_prefix(k), public_id))
		return KC_NOTFOUND;
	return kc_page_one(db, KC_SQL_OUTBOUND_GET, business_id, public_id,
			   action_json, out);
}

int
kc_outbound_list(struct kc_db *db, long long business_id,
		 enum kc_outbound_kind k, const char *status, const char *to,
		 const char *since, const char *starting_after, int limit,
		 json_t **out)
{
	static const enum kc_sql calls[] = {
	    KC_SQL_OUTBOUND_CALL_LIST, KC_SQL_OUTBOUND_CALL_LIST_STATUS,
	    KC_SQL_OUTBOUND_CALL_LIST_TO, KC_SQL_OUTBOUND_CALL_LIST_TO_STATUS};
	static const enum kc_sql messages[] = {
	    KC_SQL_OUTBOUND_MESSAGE_LIST, KC_SQL_OUTBOUND_MESSAGE_LIST_STATUS,
	    KC_SQL_OUTBOUND_MESSAGE_LIST_TO,
	    KC_SQL_OUTBOUND_MESSAGE_LIST_TO_STATUS};
	static const struct kc_page_recent qc = {
	    KC_SQL_OUTBOUND_CURSOR, KC_PAGE_SHAPES(calls), action_json};
	static const struct kc_page_recent qm = {
	    KC_SQL_OUTBOUND_CURSOR, KC_PAGE_SHAPES(messages), action_json};
	const struct kc_param f[] = {kc_p_str(status), kc_p_str(to)};

	return kc_page_recent(db, k == KC_OUTBOUND_CALL ? &qc : &qm,
			      business_id, f, since, NULL, starting_after,
			      limit, out);
}

/* --- writing ------------------------------------------------------------- */

int
kc_outbound_record(struct kc_db *db, long long business_id,
		   const char *business_public_id, const struct kc_actor *actor,
		   enum kc_outbound_kind k, const char *public_id,
		   const char *action, const json_t *before,
		   const json_t *after, const char *event_type,
		   const json_t *action_json_v)
{
	json_t *data;
	int rc;

	if (kc_audit_write(db, business_id, actor, action, object_name(k),
			   public_id, before, after) != 0)
		return -1;
	if (event_type == NULL)
		return 0;
	if ((data = json_deep_copy(action_json_v)) == NULL ||
	    json_object_set_new(
		data, k == KC_OUTBOUND_CALL ? "call_id" : "message_id",
		json_string(public_id)) != 0) {
		json_decref(data);
		return -1;
	}
	rc = kc_event_emit(db, business_id, business_public_id, event_type,
			   data, 0, NULL, NULL);
	json_decref(data);
	return rc;
}

/* Whether the business has the row public_id names (stmt: business id,
 * public id); else a 422 naming field. */
static int
business_has(struct kc_db *db, enum kc_sql stmt, long long business_id,
	     const char *public_id, struct kc_verr *e, const char *code,
	     const char *field, const char *detail)
{
	struct kc_rows *r;
	size_t n;

	if (kc_db_query(db, stmt,
			KC_ARGS(kc_p_int(business_id), kc_p_str(public_id)),
			&r) != 0)
		return -1;
	n = r->nrows;
	kc_rows_free(r);
	if (n == 0) {
		kc_verr_set(e, 422, code, field, "%s", detail);
		return KC_INVALID;
	}
	return 0;
}

/* The agent and the lead a body names must be the business's; another
 * business's read as ones that do not exist. */
static int
references_valid(struct kc_db *db, long long business_id,
		 enum kc_outbound_kind k, const json_t *in, struct kc_verr *e)
{
	const char *agent = kc_json_str(in, "agent_id");
	const char *lead = kc_json_str(in, "lead_id");
	int rc;

	if (k == KC_OUTBOUND_CALL && agent &&
	    (rc = business_has(db, KC_SQL_AGENT_ID_BY_PUBLIC, business_id,
			       agent, e, "unknown_agent", "agent_id",
			       "agent_id names no agent of this business")) !=
		0)
		return rc;
	if (lead &&
	    (rc = business_has(db, KC_SQL_OUTBOUND_LEAD_EXISTS, business_id,
			       lead, e, "unknown_lead", "lead_id",
			       "lead_id names no lead of this business")) != 0)
		return rc;
	return 0;
}

static int
store(struct kc_db *db, const struct kc_actor *actor, long long business_id,
      const char *business_public_id, enum kc_outbound_kind k, const json_t *in,
      const struct kc_check_result *res, json_t **out)
{
	char id[KC_ID_MAX], action[48], *checks = NULL, *context = NULL;
	const json_t *ctx = json_object_get(in, "context");
	struct kc_rows *r = NULL;
	json_t *a = NULL;
	int blocked = res->code != NULL, rc = -1;

	if (kc_id_new(kc_outbound_id_prefix(k), id, sizeof(id)) != 0 ||
	    (checks = json_dumps(res->checks, JSON_COMPACT)) == NULL ||
	    (json_is_object(ctx) &&
	     (context = json_dumps(ctx, JSON_COMPACT)) == NULL))
		goto out;
	snprintf(action, sizeof(action), "%s.queued", object_name(k));
	if (kc_db_begin(db) != 0)
		goto out;
	if (kc_db_query(
		db, KC_SQL_OUTBOUND_INSERT,
		KC_ARGS(kc_p_str(id), kc_p_int(business_id),
			kc_p_str(kc_outbound_kind_name(k)),
			kc_p_str(kc_json_str(in, "purpose")),
			kc_p_str(kc_json_str(in, "to")),
			kc_p_str(kc_json_str(in, "from")),
			kc_p_str(kc_json_str(in, "agent_id")),
			kc_p_str(kc_json_str(in, "lead_id")),
			kc_p_str(kc_json_str(in, "timezone")),
			kc_p_str(kc_json_str(in, "body")), kc_p_str(context),
			kc_p_str(blocked ? "blocked" : "queued"),
			kc_p_str(res->code),
			kc_p_str(blocked ? res->detail : NULL),
			kc_p_str(blocked ? "queue" : NULL), kc_p_str(checks),
			kc_p_int(!blocked), kc_p_int(!blocked)),
		&r) != 0 ||
	    r->nrows != 1 || (a = action_json(r, 0)) == NULL ||
	    kc_outbound_record(db, business_id, business_public_id, actor, k,
			       id, blocked ? "outbound.blocked" : action, NULL,
			       a, blocked ? "outbound.blocked" : NULL,
			       a) != 0 ||
	    kc_db_commit(db) != 0) {
		kc_db_rollback(db);
		json_decref(a);
		goto out;
	}
	*out = a;
	rc = 0;
out:
	kc_rows_free(r);
	free(checks);
	free(context);
	return rc;
}

int
kc_outbound_create(struct kc_db *db, const struct kc_actor *actor,
		   long long business_id, const char *business_public_id,
		   enum kc_outbound_kind k, const json_t *in, time_t now,
		   int dry_run, json_t **out, const char **code,
		   struct kc_verr *e)
{
	struct kc_action_check ck;
	struct kc_check_result res;
	int rc;

	*code = NULL;
	if ((rc = references_valid(db, business_id, k, in, e)) != 0)
		return rc;
	memset(&ck, 0, sizeof(ck));
	ck.channel = k == KC_OUTBOUND_CALL ? KC_CHANNEL_VOICE : KC_CHANNEL_SMS;
	if (kc_purpose_parse(kc_json_str(in, "purpose"), &ck.purpose) != 0)
		return -1;
	ck.to = kc_json_str(in, "to");
	ck.from = kc_json_str(in, "from");
	ck.contact_timezone = kc_json_str(in, "timezone");
	ck.now = now;
	if (kc_compliance_check(db, business_id, &ck, &res) != 0)
		return -1;
	*code = res.code;
	if (dry_run) {
		*out = json_pack(
		    "{s:s, s:b, s:s?, s:s?, s:O}", "object", "outbound_check",
		    "allowed", res.code == NULL, "code", res.code, "detail",
		    res.code ? res.detail : NULL, "checks", res.checks);
		kc_check_result_free(&res);
		return *out ? 0 : -1;
	}
	rc =
	    store(db, actor, business_id, business_public_id, k, in, &res, out);
	kc_check_result_free(&res);
	if (rc != 0)
		return -1;
	return *code ? KC_BLOCKED : 0;
}

/* --- an operator's word (kcctl outbound settle) --------------------------- */

int
kc_outbound_settle(struct kc_db *db, const struct kc_actor *actor,
		   const char *public_id, int placed, const char *sid,
		   json_t **out, char *err, size_t errlen)
{
	struct kc_rows *r = NULL, *owner = NULL;
	enum kc_outbound_kind k;
	long long id, biz;
	const char *state, *event;
	char now[KC_TIME_MAX], action[48];
	unsigned long long n = 0;
	json_t *before = NULL, *after = NULL;
	int requeue, final, rc = -1;

	*out = NULL;
	err[0] = '\0';
	if (kc_db_begin(db) != 0)
		return -1;
	if (kc_db_query(db, KC_SQL_OUTBOUND_LOCK_PUBLIC,
			KC_ARGS(kc_p_str(public_id)), &r) != 0)
		goto fail;
	if (r->nrows == 0) {
		rc = KC_NOTFOUND;
		goto fail;
	}
	id = kc_rows_int(r, 0, 0);
	biz = kc_rows_int(r, 0, 1);
	k = strcmp(kc_rows_get(r, 0, 3), "call") == 0 ? KC_OUTBOUND_CALL
						      : KC_OUTBOUND_MESSAGE;
	if (strcmp(kc_rows_get(r, 0, 4), "unknown") != 0) {
		/* "sending": a worker holds it now; anything else is
		 * settled already. */
		snprintf(err, errlen,
			 "%s is %s, not unknown: nothing to settle", public_id,
			 kc_rows_get(r, 0, 4));
		rc = KC_CONFLICT;
		goto fail;
	}
	/* The carrier gave it a SID: it has it, whatever came of it, and a
	 * message sent again would reach the recipient twice. */
	if (!placed && kc_rows_get(r, 0, 5) != NULL) {
		snprintf(err, errlen,
			 "%s has the carrier's SID %s: the carrier has it, so "
			 "it cannot be settled as not placed",
			 public_id, kc_rows_get(r, 0, 5));
		rc = KC_CONFLICT;
		goto fail;
	}
	if (sid != NULL) {
		if (kc_db_query(db, KC_SQL_OUTBOUND_SID_OWNER,
				KC_ARGS(kc_p_str(sid)), &owner) != 0)
			goto fail;
		if (owner->nrows > 0 &&
		    strcmp(kc_rows_get(owner, 0, 0), public_id) != 0) {
			snprintf(err, errlen, "%s is %s's", sid,
				 kc_rows_get(owner, 0, 0));
			rc = KC_CONFLICT;
			goto fail;
		}
	}
	/* Placed: the carrier took it; its callbacks, if they come, move it
	 * on. Not placed: a call fails (never placed again by us), a
	 * message is queued to be sent again now. */
	requeue = !placed && k == KC_OUTBOUND_MESSAGE;
	state = placed ? "accepted" : requeue ? "queued" : "failed";
	final = strcmp(state, "failed") == 0;
	event = kc_outbound_state_event(k, state);
	if (requeue && kc_time_db_at(kc_time_now_ms(), now, sizeof(now)) != 0)
		goto fail;
	if (kc_db_exec(db, KC_SQL_OUTBOUND_SETTLE,
		       KC_ARGS(kc_p_str(state), kc_p_str(placed ? sid : NULL),
			       kc_p_str(requeue ? now : NULL),
			       kc_p_str(final ? "settled by an operator: the "
						"carrier never placed it"
					      : NULL),
			       kc_p_int(placed), kc_p_int(final), kc_p_int(biz),
			       kc_p_int(id)),
		       &n, NULL) != 0)
		goto fail;
	if (n == 0)
		goto fail; /* cannot be: the row is locked and unknown */
	snprintf(action, sizeof(action), "%s.settled", object_name(k));
	before = json_pack("{s:s}", "status", "unknown");
	after = json_pack("{s:s, s:s, s:s?}", "status", state, "settled_as",
			  placed ? "placed" : "not-placed", "carrier_sid", sid);
	if (before == NULL || after == NULL ||
	    kc_outbound_get(db, biz, k, public_id, out) != 0 ||
	    kc_outbound_record(db, biz, kc_rows_get(r, 0, 2), actor, k,
			       public_id, action, before, after, event,
			       *out) != 0 ||
	    kc_db_commit(db) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	kc_db_rollback(db);
	json_decref(*out);
	*out = NULL;
out:
	kc_rows_free(r);
	kc_rows_free(owner);
	json_decref(before);
	json_decref(after);
	return rc;
}
