#include "handlers.h"
#include "kc_endpoint.h"
#include "kc_event.h"
#include "kc_event_types.h"
#include "kc_time.h"

#include <string.h>

int
kc_h_event_types(struct kc_req *req)
{
	json_t *data = json_array(), *example;
	size_t i;

	for (i = 0; i < kc_event_types_count; i++) {
		example = json_loads(kc_event_types[i].example, 0, NULL);
		json_array_append_new(
		    data,
		    json_pack(
			"{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:o*}}",
			"object", "event_type", "name", kc_event_types[i].name,
			"description", kc_event_types[i].description, "example",
			"id", "evt_example", "type", kc_event_types[i].name,
			"created_at", "2026-11-26T15:07:41.000Z", "business_id",
			req->auth.business_public_id, "data", example));
	}
	return kc_reply_json(req, 200, kc_json_list(data, 0));
}

int
kc_h_events_list(struct kc_req *req)
{
	const char *after, *type = kc_query_get(req, "type");
	char buf[KC_TIME_MAX];
	const char *since;
	struct kc_verr e;
	json_t *out;
	size_t i;
	int limit, rc;

	if (kc_query_page(req, "evt", &limit, &after, &e) != 0)
		return kc_problem_verr(req, &e);
	if (type) {
		for (i = 0; i < kc_event_types_count; i++)
			if (strcmp(type, kc_event_types[i].name) == 0)
				break;
		if (i == kc_event_types_count)
			return kc_problem(req, 400, "invalid_query", "type",
					  "type is not an event type; see GET "
					  "/v1/event-types");
	}
	if (kc_query_since(req, buf, sizeof(buf), &since, &e) != 0)
		return kc_problem_verr(req, &e);
	rc = kc_event_list(req->db, req->auth.business_id, type, since, after,
			   limit, &out);
	return kc_reply_page(req, rc, out, "event");
}

int
kc_h_events_get(struct kc_req *req)
{
	json_t *out;
	int rc =
	    kc_event_get(req->db, req->auth.business_id, req->params[0], &out);

	return kc_reply_found(req, rc, out, "no such event");
}

/* Queues a webhook.test event to this endpoint alone (202). */
int
kc_h_endpoints_test(struct kc_req *req)
{
	json_t *event;
	int rc = kc_endpoint_send_test(req->db, req->auth.business_id,
				       req->auth.business_public_id,
				       req->params[0], &event);

	if (rc == KC_NOTFOUND)
		return kc_problem(req, 404, "not_found", NULL,
				  "no such webhook endpoint");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 202, event);
}
