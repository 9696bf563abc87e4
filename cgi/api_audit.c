#include "handlers.h"
#include "kc_audit.h"

int
kc_h_audit_list(struct kc_req *req)
{
	const char *after;
	struct kc_verr e;
	json_t *list;
	int limit, rc;

	if (kc_query_page(req, "aud", &limit, &after, &e) != 0)
		return kc_problem_verr(req, &e);
	rc = kc_audit_list(req->db, req->auth.business_id, after, limit, &list);
	return kc_reply_page(req, rc, list, "audit entry");
}
