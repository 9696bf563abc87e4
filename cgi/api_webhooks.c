#include "handlers.h"
#include "kc_endpoint.h"
#include "kc_event_types.h"
#include "kc_log.h"
#include "kc_url.h"

#include <string.h>

static const struct kc_field endpoint_fields[] = {
    {"url", KC_F_STRING, 1, 2048, 0, 0, NULL, 0},
    {"description", KC_F_STRING, 0, 500, 0, 0, NULL, 0},
    {"event_types", KC_F_ARRAY, 0, 64, 0, 0, NULL, 0},
    {"enabled", KC_F_BOOL, 0, 0, 0, 0, NULL, 0},
    /* Deliveries per second (null: no limit), and at once; their
     * ranges are kc_endpoint_limits_read's, which the dashboard uses. */
    {"rate_limit", KC_F_INT, 0, 0, 1, KC_ENDPOINT_RATE_LIMIT_MAX, NULL, 1},
    {"max_in_flight", KC_F_INT, 0, 0, 1, KC_ENDPOINT_MAX_IN_FLIGHT_MAX, NULL,
     0},
};

#define NFIELDS (sizeof(endpoint_fields) / sizeof(endpoint_fields[0]))

/* Parses and checks a create (all fields) or update (any) body into in.
 * body is returned for the caller to free after using in. */
static int
read_input(struct kc_req *req, int create, json_t **body,
	   struct kc_endpoint_input *in)
{
	struct kc_field fields[NFIELDS];
	struct kc_verr e;
	const json_t *v;
	char why[200];

	memcpy(fields, endpoint_fields, sizeof(fields));
	fields[0].required = create;
	kc_endpoint_input_init(in);
	if ((*body = kc_req_json(req, &e)) == NULL)
		return kc_problem_verr(req, &e);
	if (kc_json_check(*body, "", fields, NFIELDS, &e) != 0)
		return kc_problem_verr(req, &e);
	in->url = kc_json_str(*body, "url");
	in->description = kc_json_str(*body, "description");
	in->event_types = json_object_get(*body, "event_types");
	if ((v = json_object_get(*body, "enabled")) != NULL)
		in->enabled = json_is_true(v);
	if (kc_endpoint_limits_read(*body, in, &e) != 0)
		return kc_problem_verr(req, &e);
	if (in->event_types &&
	    kc_event_filter_validate(in->event_types, "event_types", &e) != 0)
		return kc_problem_verr(req, &e);
	if (in->url &&
	    kc_url_check_webhook(in->url, req->cfg->webhook_allow_hosts, why,
				 sizeof(why)) != 0)
		return kc_problem(req, 422, "invalid_url", "url", "%s", why);
	return 0;
}

int
kc_h_endpoints_create(struct kc_req *req)
{
	struct kc_actor actor = kc_req_actor(req);
	struct kc_endpoint_input in;
	json_t *body = NULL, *all = NULL, *out;
	int rc;

	if (!req->cfg->has_master_key) {
		kc_err("master_key is not configured: cannot seal secrets");
		return kc_internal_error(req);
	}
	if ((rc = read_input(req, 1, &body, &in)) != 0) {
		json_decref(body);
		return rc;
	}
	if (in.event_types == NULL)
		in.event_types = all = json_pack("[s]", "*");
	if (in.enabled < 0)
		in.enabled = 1;
	rc = kc_endpoint_create(req->db, req->cfg->master_key, &actor,
				req->auth.business_id, &in, &out);
	json_decref(body);
	json_decref(all);
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 201, out);
}

static int
endpoint_missing(struct kc_req *req)
{
	return kc_problem(req, 404, "not_found", NULL,
			  "no such webhook endpoint");
}

int
kc_h_endpoints_get(struct kc_req *req)
{
	json_t *out;
	int rc = kc_endpoint_view(req->db, req->auth.business_id,
				  req->params[0], &out);

	return kc_reply_found(req, rc, out, "no such webhook endpoint");
}

int
kc_h_endpoints_list(struct kc_req *req)
{
	const char *after;
	struct kc_verr e;
	json_t *out;
	int limit, rc;

	if (kc_query_page(req, "ep", &limit, &after, &e) != 0)
		return kc_problem_verr(req, &e);
	rc = kc_endpoint_list(req->db, req->auth.business_id, after, limit,
			      &out);
	return kc_reply_page(req, rc, out, "webhook endpoint");
}

int
kc_h_endpoints_update(struct kc_req *req)
{
	struct kc_actor actor = kc_req_actor(req);
	struct kc_endpoint_input in;
	json_t *body = NULL, *out;
	int rc;

	if ((rc = read_input(req, 0, &body, &in)) != 0) {
		json_decref(body);
		return rc;
	}
	rc = kc_endpoint_update(req->db, &actor, req->auth.business_id,
				req->params[0], &in, &out);
	json_decref(body);
	return kc_reply_found(req, rc, out, "no such webhook endpoint");
}

int
kc_h_endpoints_delete(struct kc_req *req)
{
	struct kc_actor actor = kc_req_actor(req);
	int rc = kc_endpoint_delete(req->db, &actor, req->auth.business_id,
				    req->params[0]);

	if (rc == KC_NOTFOUND)
		return endpoint_missing(req);
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_empty(req, 204);
}

int
kc_h_endpoints_rotate(struct kc_req *req)
{
	struct kc_actor actor = kc_req_actor(req);
	json_t *out;
	int rc;

	if (!req->cfg->has_master_key)
		return kc_internal_error(req);
	rc = kc_endpoint_rotate(req->db, req->cfg->master_key, &actor,
				req->auth.business_id, req->params[0],
				req->cfg->webhook_secret_grace, &out);
	return kc_reply_found(req, rc, out, "no such webhook endpoint");
}
