#include "handlers.h"
#include "kc_agent.h"
#include "kc_call.h"
#include "kc_time.h"

#include <string.h>

int
kc_h_calls_start(struct kc_req *req)
{
	return kc_create_from_body(req, kc_call_validate_start, kc_call_start);
}

int
kc_h_calls_end(struct kc_req *req)
{
	struct kc_verr e;
	json_t *in, *out;
	int rc;

	if ((in = kc_req_json(req, &e)) == NULL)
		return kc_problem_verr(req, &e);
	if (kc_call_validate_end(in, &e) != 0) {
		json_decref(in);
		return kc_problem_verr(req, &e);
	}
	rc =
	    kc_call_end(req->db, req->auth.business_id,
			req->auth.business_public_id, req->params[0], in, &out);
	json_decref(in);
	if (rc == KC_NOTFOUND)
		return kc_problem(req, 404, "not_found", NULL, "no such call");
	if (rc == KC_CONFLICT)
		return kc_problem(req, 409, "call_already_ended", NULL,
				  "this call has already ended");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 200, out);
}

int
kc_h_calls_get(struct kc_req *req)
{
	json_t *out;
	int rc =
	    kc_call_get(req->db, req->auth.business_id, req->params[0], &out);

	return kc_reply_found(req, rc, out, "no such call");
}

int
kc_h_calls_list(struct kc_req *req)
{
	static const char *const statuses[] = {"in_progress", "ended", NULL};
	const char *after, *status;
	char buf[KC_TIME_MAX];
	const char *since;
	struct kc_verr e;
	json_t *out;
	int limit, rc;

	if (kc_query_page(req, "call", &limit, &after, &e) != 0)
		return kc_problem_verr(req, &e);
	if (kc_query_enum(req, "status", statuses, &status, &e) != 0 ||
	    kc_query_since(req, buf, sizeof(buf), &since, &e) != 0)
		return kc_problem_verr(req, &e);
	rc = kc_call_list(req->db, req->auth.business_id, status, since, after,
			  limit, &out);
	return kc_reply_page(req, rc, out, "call");
}
