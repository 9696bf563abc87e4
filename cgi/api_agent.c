#include "handlers.h"
#include "kc_agent.h"

int
kc_h_agent_get(struct kc_req *req)
{
	char *a;
	int rc = kc_agent_get_text(req->db, req->auth.business_id, &a);

	if (rc == KC_NOTFOUND)
		return kc_problem(req, 404, "not_found", NULL,
				  "this business has no agent");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_text(req, 200, a);
}

/* The body is a routing object, merged into the current one (RFC 7396:
 * members set to null are removed) and validated whole before anything is
 * written. */
int
kc_h_agent_routing_patch(struct kc_req *req)
{
	struct kc_actor actor = kc_req_actor(req);
	struct kc_verr e;
	json_t *patch, *routing = NULL;
	int rc;

	if ((patch = kc_req_json(req, &e)) == NULL)
		return kc_problem_verr(req, &e);
	rc = kc_agent_update_routing(req->db, &actor, req->auth.business_id,
				     patch, &routing, &e);
	json_decref(patch);
	if (rc == KC_INVALID)
		return kc_problem_verr(req, &e);
	if (rc == KC_NOTFOUND)
		return kc_problem(req, 404, "not_found", NULL,
				  "this business has no agent");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 200, routing);
}
