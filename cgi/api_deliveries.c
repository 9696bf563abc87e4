#include "handlers.h"
#include "kc_delivery.h"
#include "kc_id.h"
#include "kc_replay.h"
#include "kc_time.h"

#include <string.h>

int
kc_h_deliveries_list(struct kc_req *req)
{
	struct kc_delivery_filter f = {kc_query_get(req, "event"),
				       kc_query_get(req, "endpoint"),
				       NULL,
				       NULL,
				       NULL,
				       NULL};
	char since[KC_TIME_MAX], until[KC_TIME_MAX];
	const char *after;
	struct kc_verr e;
	json_t *out;
	int limit, rc;

	if (kc_query_page(req, "dlv", &limit, &after, &e) != 0 ||
	    kc_query_time(req, "since", since, sizeof(since), &f.since, &e) !=
		0 ||
	    kc_query_time(req, "until", until, sizeof(until), &f.until, &e) !=
		0 ||
	    kc_query_enum(req, "status", kc_delivery_statuses, &f.status, &e) !=
		0)
		return kc_problem_verr(req, &e);
	if (f.event && !kc_id_valid("evt", f.event))
		return kc_problem(req, 400, "invalid_query", "event",
				  "event must be an event id (evt_...)");
	if (f.endpoint && !kc_id_valid("ep", f.endpoint))
		return kc_problem(req, 400, "invalid_query", "endpoint",
				  "endpoint must be an endpoint id (ep_...)");
	rc = kc_delivery_list(req->db, req->auth.business_id, &f, after, limit,
			      &out);
	return kc_reply_page(req, rc, out, "delivery");
}

static int
delivery_missing(struct kc_req *req)
{
	return kc_problem(req, 404, "not_found", NULL, "no such delivery");
}

int
kc_h_deliveries_get(struct kc_req *req)
{
	json_t *out = NULL;
	int rc = KC_NOTFOUND;

	if (kc_id_valid("dlv", req->params[0]))
		rc = kc_delivery_get(req->db, req->auth.business_id,
				     req->params[0], &out);
	return kc_reply_found(req, rc, out, "no such delivery");
}

int
kc_h_deliveries_replay(struct kc_req *req)
{
	struct kc_actor actor = kc_req_actor(req);
	char newer[KC_ID_MAX];
	const char *why;
	json_t *out;
	int rc;

	if (!kc_id_valid("dlv", req->params[0]))
		return delivery_missing(req);
	rc = kc_delivery_replay(req->db, req->auth.business_id, req->params[0],
				&actor, &out, &why, newer);
	if (rc == KC_NOTFOUND)
		return delivery_missing(req);
	if (rc == KC_CONFLICT && strcmp(why, "already_replayed") == 0)
		return kc_problem(req, 409, why, NULL,
				  "this delivery was replayed as %s: replay "
				  "that one if it is needed again",
				  newer);
	if (rc == KC_CONFLICT && strcmp(why, "endpoint_deleted") == 0)
		return kc_problem(req, 409, why, NULL,
				  "the endpoint was deleted: its deliveries "
				  "cannot be sent again");
	if (rc == KC_CONFLICT && strcmp(why, "endpoint_disabled") == 0)
		return kc_problem(req, 409, why, NULL,
				  "the endpoint is disabled: enable it "
				  "(PATCH enabled: true) before replaying");
	if (rc == KC_CONFLICT)
		return kc_problem(req, 409, why, NULL,
				  "the delivery is pending or being sent "
				  "right now; it needs no replay");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 202, out);
}

static const struct kc_field replay_fields[] = {
    {"status", KC_F_ENUM, 0, 0, 0, 0, kc_replay_filters, 0},
    {"since", KC_F_TIME, 0, 0, 0, 0, NULL, 1},
    {"until", KC_F_TIME, 0, 0, 0, 0, NULL, 1},
};

int
kc_h_endpoints_replay(struct kc_req *req)
{
	struct kc_actor actor = kc_req_actor(req);
	char since[KC_TIME_MAX], until[KC_TIME_MAX];
	const char *filter, *s, *u;
	struct kc_verr e;
	json_t *body, *out;
	int rc;

	if ((body = kc_req_json(req, &e)) == NULL)
		return kc_problem_verr(req, &e);
	if (kc_json_check(body, "", replay_fields,
			  sizeof(replay_fields) / sizeof(replay_fields[0]),
			  &e) != 0) {
		json_decref(body);
		return kc_problem_verr(req, &e);
	}
	filter = kc_json_str(body, "status");
	s = kc_json_str(body, "since");
	u = kc_json_str(body, "until");
	/* Checked as RFC 3339 above; converted for the database here. */
	if ((s && kc_time_to_db(s, since, sizeof(since)) != 0) ||
	    (u && kc_time_to_db(u, until, sizeof(until)) != 0)) {
		json_decref(body);
		return kc_internal_error(req);
	}
	if (s && u && strcmp(since, until) >= 0) {
		json_decref(body);
		return kc_problem(req, 422, "invalid_range", "until",
				  "until must be later than since");
	}
	rc = kc_replay_create(req->db, req->auth.business_id, req->params[0],
			      filter ? filter : "dead", s ? since : NULL,
			      u ? until : NULL, &actor, &out);
	json_decref(body);
	if (rc == KC_NOTFOUND)
		return kc_problem(req, 404, "not_found", NULL,
				  "no such webhook endpoint");
	if (rc == KC_CONFLICT)
		return kc_problem(req, 409, "endpoint_disabled", NULL,
				  "the endpoint is disabled: enable it "
				  "(PATCH enabled: true) before replaying");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 202, out);
}

int
kc_h_replays_get(struct kc_req *req)
{
	json_t *out = NULL;
	int rc = KC_NOTFOUND;

	if (kc_id_valid("rpl", req->params[0]))
		rc = kc_replay_get(req->db, req->auth.business_id,
				   req->params[0], &out);
	return kc_reply_found(req, rc, out, "no such replay");
}
