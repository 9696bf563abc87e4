/* What the handlers share: the audit actor of the caller, the 500 problem,
 * and the create-from-body flow of the ingest POSTs. */
#include "handlers.h"

struct kc_actor
kc_req_actor(const struct kc_req *req)
{
	struct kc_actor a = {"api_key", req->auth.key_public_id,
			     req->request_id};
	return a;
}

int
kc_db_unavailable_problem(struct kc_req *req)
{
	int status = kc_problem(req, 503, "database_unavailable", NULL,
				"the service cannot reach its database; "
				"retry in a moment");

	req->resp.retry_after = 1;
	return status;
}

int
kc_internal_error(struct kc_req *req)
{
	unsigned e = req->db ? kc_db_errno(req->db) : 0;
	int status;

	/* A database that went away is a reason to retry, not a bug. */
	if (kc_db_unavailable(req->db))
		return kc_db_unavailable_problem(req);
	/* So is a transaction the server gave up on over a lock (a
	 * deadlock, a lock wait timeout): nothing was written, and the same
	 * request will most likely go through. The database layer leaves
	 * these to its callers, so the line is written here. */
	if (e == KC_ER_LOCK_DEADLOCK || e == KC_ER_LOCK_WAIT_TIMEOUT) {
		kc_warn("%s: %s %s: %s; answered 503, nothing written",
			req->request_id, kc_method_name(req->method), req->path,
			e == KC_ER_LOCK_DEADLOCK ? "deadlock"
						 : "lock wait timeout");
		status = kc_problem(req, 503, "database_busy", NULL,
				    "another request held what this one "
				    "needed; nothing was written, retry in a "
				    "moment");
		req->resp.retry_after = 1;
		return status;
	}
	return kc_problem(req, 500, "internal", NULL,
			  "something went wrong on our side; quote request "
			  "id %s when asking for help",
			  req->request_id);
}

int
kc_create_from_body(struct kc_req *req, kc_validate_fn validate,
		    kc_create_fn create)
{
	struct kc_verr e;
	json_t *in, *out;
	int rc;

	if ((in = kc_req_json(req, &e)) == NULL)
		return kc_problem_verr(req, &e);
	if (validate(in, &e) != 0) {
		json_decref(in);
		return kc_problem_verr(req, &e);
	}
	rc = create(req->db, req->auth.business_id,
		    req->auth.business_public_id, in, &out, &e);
	json_decref(in);
	if (rc == KC_INVALID)
		return kc_problem_verr(req, &e);
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 201, out);
}

int
kc_reply_found(struct kc_req *req, int rc, json_t *out, const char *missing)
{
	if (rc == KC_NOTFOUND)
		return kc_problem(req, 404, "not_found", NULL, "%s", missing);
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 200, out);
}

int
kc_reply_page(struct kc_req *req, int rc, json_t *out, const char *noun)
{
	if (rc == KC_NOTFOUND)
		return kc_problem(req, 400, "invalid_cursor", "starting_after",
				  "starting_after names no %s", noun);
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 200, out);
}
