#include "handlers.h"
#include "kc_lead.h"
#include "kc_time.h"

int
kc_h_leads_create(struct kc_req *req)
{
	struct kc_verr e;
	json_t *in, *out;
	int rc;

	if ((in = kc_req_json(req, &e)) == NULL)
		return kc_problem_verr(req, &e);
	if (kc_lead_validate(in, &e) != 0) {
		json_decref(in);
		return kc_problem_verr(req, &e);
	}
	rc = kc_lead_create(req->db, req->auth.business_id,
			    req->auth.business_public_id, in, &out, &e);
	json_decref(in);
	if (rc == KC_INVALID)
		return kc_problem_verr(req, &e);
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 201, out);
}

int
kc_h_leads_get(struct kc_req *req)
{
	json_t *out;
	int rc =
	    kc_lead_get(req->db, req->auth.business_id, req->params[0], &out);

	if (rc == KC_NOTFOUND)
		return kc_problem(req, 404, "not_found", NULL, "no such lead");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 200, out);
}

int
kc_h_leads_list(struct kc_req *req)
{
	const char *after, *since_text = kc_query_get(req, "since");
	char since[KC_TIME_MAX];
	struct kc_verr e;
	json_t *out;
	int limit, rc;

	if (kc_query_page(req, "lead", &limit, &after, &e) != 0)
		return kc_problem_verr(req, &e);
	if (since_text && kc_time_to_db(since_text, since, sizeof(since)) != 0)
		return kc_problem(req, 400, "invalid_query", "since",
				  "since must be an RFC 3339 time such as "
				  "2026-01-31T14:00:00Z");
	rc = kc_lead_list(req->db, req->auth.business_id,
			  since_text ? since : NULL, after, limit, &out);
	if (rc == KC_NOTFOUND)
		return kc_problem(req, 400, "invalid_cursor", "starting_after",
				  "starting_after names no lead");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 200, out);
}
