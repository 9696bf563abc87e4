#include "handlers.h"
#include "kc_call.h"
#include "kc_followup.h"
#include "kc_id.h"
#include "kc_time.h"

#include <string.h>

int
kc_h_followups_create(struct kc_req *req)
{
	return kc_create_from_body(req, kc_followup_validate,
				   kc_followup_create);
}

int
kc_h_followups_complete(struct kc_req *req)
{
	json_t *out;
	int rc = kc_followup_complete(req->db, req->auth.business_id,
				      req->auth.business_public_id,
				      req->params[0], &out);

	if (rc == KC_NOTFOUND)
		return kc_problem(req, 404, "not_found", NULL,
				  "no such follow-up");
	if (rc == KC_CONFLICT)
		return kc_problem(req, 409, "followup_already_completed", NULL,
				  "this follow-up is already completed");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 200, out);
}

int
kc_h_followups_list(struct kc_req *req)
{
	static const char *const statuses[] = {"open", "completed", NULL};
	const char *after, *status, *lead;
	char buf[KC_TIME_MAX];
	const char *since;
	struct kc_verr e;
	json_t *out;
	int limit, rc;

	if (kc_query_page(req, "fu", &limit, &after, &e) != 0)
		return kc_problem_verr(req, &e);
	if (kc_query_enum(req, "status", statuses, &status, &e) != 0 ||
	    kc_query_since(req, buf, sizeof(buf), &since, &e) != 0)
		return kc_problem_verr(req, &e);
	lead = kc_query_get(req, "lead");
	if (lead && !kc_id_valid("lead", lead))
		return kc_problem(req, 400, "invalid_query", "lead",
				  "lead must be a lead id (lead_...)");
	rc = kc_followup_list(req->db, req->auth.business_id, status, lead,
			      since, after, limit, &out);
	return kc_reply_page(req, rc, out, "follow-up");
}
