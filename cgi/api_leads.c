#include "handlers.h"
#include "kc_lead.h"
#include "kc_time.h"

int
kc_h_leads_create(struct kc_req *req)
{
	return kc_create_from_body(req, kc_lead_validate, kc_lead_create);
}

int
kc_h_leads_get(struct kc_req *req)
{
	json_t *out;
	int rc =
	    kc_lead_get(req->db, req->auth.business_id, req->params[0], &out);

	return kc_reply_found(req, rc, out, "no such lead");
}

int
kc_h_leads_list(struct kc_req *req)
{
	const char *after;
	char buf[KC_TIME_MAX];
	const char *since;
	struct kc_verr e;
	json_t *out;
	int limit, rc;

	if (kc_query_page(req, "lead", &limit, &after, &e) != 0)
		return kc_problem_verr(req, &e);
	if (kc_query_since(req, buf, sizeof(buf), &since, &e) != 0)
		return kc_problem_verr(req, &e);
	rc = kc_lead_list(req->db, req->auth.business_id, since, after, limit,
			  &out);
	return kc_reply_page(req, rc, out, "lead");
}
