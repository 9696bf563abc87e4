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
	return kc_reply_page(req, rc, list, "phone number");
}
