#include "handlers.h"
#include "kc_number.h"

int
kc_h_numbers_list(struct kc_req *req)
{
	const char *after;
	struct kc_verr e;
	json_t *list;
	int limit, rc;

	if (kc_query_page(req, "pn", &limit, &after, &e) != 0)
		return kc_problem_verr(req, &e);
	rc =
	    kc_number_list(req->db, req->auth.business_id, after, limit, &list);
	if (rc == KC_NOTFOUND)
		return kc_problem(req, 400, "invalid_cursor", "starting_after",
				  "starting_after names no phone number");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 200, list);
}
