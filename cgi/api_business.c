#include "handlers.h"
#include "kc_business.h"

int
kc_h_business_get(struct kc_req *req)
{
	struct kc_business b;
	int rc = kc_business_get(req->db, req->auth.business_id, &b);

	if (rc == KC_NOTFOUND)
		return kc_problem(req, 404, "not_found", NULL,
				  "no such business");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 200, kc_business_json(&b));
}
