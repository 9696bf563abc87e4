/* Outbound calls (calls:read/write) and SMS (sms:read/write): every check
 * runs before anything is queued; a blocked action is stored, and answered
 * as a 422 with the check's code and the action. */
#include "handlers.h"
#include "kc_outbound.h"
#include "kc_phone.h"

#include <string.h>
#include <time.h>

static int
create(struct kc_req *req, enum kc_outbound_kind k)
{
	struct kc_actor actor = kc_req_actor(req);
	const char *code = NULL, *detail;
	struct kc_verr e;
	json_t *in, *out = NULL;
	int rc, dry_run;

	if ((in = kc_req_json(req, &e)) == NULL)
		return kc_problem_verr(req, &e);
	if (kc_outbound_validate(k, in, &e) != 0) {
		json_decref(in);
		return kc_problem_verr(req, &e);
	}
	dry_run = json_is_true(json_object_get(in, "dry_run"));
	rc = kc_outbound_create(req->db, &actor, req->auth.business_id,
				req->auth.business_public_id, k, in, time(NULL),
				dry_run, &out, &code, &e);
	json_decref(in);
	if (rc == KC_INVALID)
		return kc_problem_verr(req, &e);
	if (rc == KC_BLOCKED) {
		detail = json_string_value(
		    json_object_get(json_object_get(out, "blocked"), "detail"));
		/* A stale registry blocks the purpose, not the number. */
		return kc_problem_with(
		    req, 422, code,
		    strcmp(code, KC_CHECK_NUMBER_NOT_OWNED) == 0     ? "from"
		    : strcmp(code, KC_CHECK_DNC_REGISTRY_STALE) == 0 ? "purpose"
								     : "to",
		    "action", out, "%s", detail ? detail : code);
	}
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, dry_run ? 200 : 202, out);
}

static int
list(struct kc_req *req, enum kc_outbound_kind k, const char *noun)
{
	const char *after, *status, *to, *since;
	char since_buf[64];
	struct kc_verr e;
	json_t *out = NULL;
	int limit, rc;

	if (kc_query_page(req, kc_outbound_id_prefix(k), &limit, &after, &e) !=
		0 ||
	    kc_query_enum(req, "status", kc_outbound_states(k), &status, &e) !=
		0 ||
	    kc_query_since(req, since_buf, sizeof(since_buf), &since, &e) != 0)
		return kc_problem_verr(req, &e);
	to = kc_query_get(req, "to");
	if (to && !kc_e164_valid(to))
		return kc_problem(req, 400, "invalid_query", "to",
				  "to must be an E.164 number such as "
				  "+14155550123 (write + as %%2B)");
	rc = kc_outbound_list(req->db, req->auth.business_id, k, status, to,
			      since, after, limit, &out);
	return kc_reply_page(req, rc, out, noun);
}

static int
get(struct kc_req *req, enum kc_outbound_kind k, const char *missing)
{
	json_t *out = NULL;
	int rc = kc_outbound_get(req->db, req->auth.business_id, k,
				 req->params[0], &out);

	return kc_reply_found(req, rc, out, missing);
}

int
kc_h_outbound_calls_create(struct kc_req *req)
{
	return create(req, KC_OUTBOUND_CALL);
}

int
kc_h_outbound_calls_list(struct kc_req *req)
{
	return list(req, KC_OUTBOUND_CALL, "outbound call");
}

int
kc_h_outbound_calls_get(struct kc_req *req)
{
	return get(req, KC_OUTBOUND_CALL, "no such outbound call");
}

int
kc_h_messages_create(struct kc_req *req)
{
	return create(req, KC_OUTBOUND_MESSAGE);
}

int
kc_h_messages_list(struct kc_req *req)
{
	return list(req, KC_OUTBOUND_MESSAGE, "message");
}

int
kc_h_messages_get(struct kc_req *req)
{
	return get(req, KC_OUTBOUND_MESSAGE, "no such message");
}
