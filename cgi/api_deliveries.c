#include "handlers.h"
#include "kc_delivery.h"
#include "kc_id.h"

int
kc_h_deliveries_list(struct kc_req *req)
{
	struct kc_delivery_filter f = {kc_query_get(req, "event"),
				       kc_query_get(req, "endpoint"),
				       kc_query_get(req, "status")};
	const char *after;
	struct kc_verr e;
	json_t *out;
	int limit, rc;

	if (kc_query_page(req, "dlv", &limit, &after, &e) != 0)
		return kc_problem_verr(req, &e);
	if (f.event && !kc_id_valid("evt", f.event))
		return kc_problem(req, 400, "invalid_query", "event",
				  "event must be an event id (evt_...)");
	if (f.endpoint && !kc_id_valid("ep", f.endpoint))
		return kc_problem(req, 400, "invalid_query", "endpoint",
				  "endpoint must be an endpoint id (ep_...)");
	if (f.status && !kc_delivery_status_valid(f.status))
		return kc_problem(req, 400, "invalid_query", "status",
				  "status must be pending, in_flight, "
				  "delivered, failed or dead");
	rc = kc_delivery_list(req->db, req->auth.business_id, &f, after, limit,
			      &out);
	if (rc == KC_NOTFOUND)
		return kc_problem(req, 400, "invalid_cursor", "starting_after",
				  "starting_after names no delivery");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 200, out);
}
