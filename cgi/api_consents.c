/* Consents and the business's Do-Not-Call list (consent:read/write). */
#include "handlers.h"
#include "kc_compliance.h"
#include "kc_consent.h"
#include "kc_dnc.h"
#include "kc_id.h"
#include "kc_nanp.h"

#include <string.h>

/* The phone query filter: E.164 when present (400 naming it). */
static int
query_phone(struct kc_req *req, const char **phone, struct kc_verr *e)
{
	*phone = kc_query_get(req, "phone");
	if (*phone && !kc_phone_dialable(*phone))
		return kc_verr_set(e, 400, "invalid_query", "phone",
				   "phone must be an E.164 number such as "
				   "+14155550123");
	return 0;
}

/* Parses and validates a body, then makes the object with the caller as
 * the actor; KC_CONFLICT is for the caller to answer. */
static int
create(struct kc_req *req, int (*validate)(const json_t *, struct kc_verr *),
       int (*make)(struct kc_db *, const struct kc_actor *, long long,
		   const char *, const json_t *, json_t **),
       json_t **out)
{
	struct kc_actor actor = kc_req_actor(req);
	struct kc_verr e;
	json_t *in;
	int rc;

	if ((in = kc_req_json(req, &e)) == NULL)
		return kc_problem_verr(req, &e);
	if (validate(in, &e) != 0) {
		json_decref(in);
		return kc_problem_verr(req, &e);
	}
	rc = make(req->db, &actor, req->auth.business_id,
		  req->auth.business_public_id, in, out);
	json_decref(in);
	if (rc == KC_CONFLICT)
		return -KC_CONFLICT;
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_json(req, 201, *out);
}

int
kc_h_consents_create(struct kc_req *req)
{
	json_t *out = NULL;

	return create(req, kc_consent_validate, kc_consent_create, &out);
}

int
kc_h_consents_get(struct kc_req *req)
{
	json_t *out = NULL;
	int rc = KC_NOTFOUND;

	if (kc_id_valid("cns", req->params[0]))
		rc = kc_consent_get(req->db, req->auth.business_id,
				    req->params[0], &out);
	return kc_reply_found(req, rc, out, "no such consent");
}

int
kc_h_consents_list(struct kc_req *req)
{
	static const char *const channels[] = {"voice", "sms", NULL};
	const char *after, *phone, *channel;
	struct kc_verr e;
	json_t *out;
	int limit, rc;

	if (kc_query_page(req, "cns", &limit, &after, &e) != 0 ||
	    query_phone(req, &phone, &e) != 0 ||
	    kc_query_enum(req, "channel", channels, &channel, &e) != 0)
		return kc_problem_verr(req, &e);
	rc = kc_consent_list(req->db, req->auth.business_id, phone, channel,
			     after, limit, &out);
	return kc_reply_page(req, rc, out, "consent");
}

int
kc_h_consents_revoke(struct kc_req *req)
{
	struct kc_actor actor = kc_req_actor(req);
	json_t *out = NULL;
	int rc = KC_NOTFOUND;

	if (kc_id_valid("cns", req->params[0]))
		rc = kc_consent_revoke(req->db, &actor, req->auth.business_id,
				       req->auth.business_public_id,
				       req->params[0], &out);
	return kc_reply_found(req, rc, out, "no such consent");
}

int
kc_h_dnc_create(struct kc_req *req)
{
	json_t *out = NULL;
	int rc = create(req, kc_dnc_validate, kc_dnc_create, &out);

	if (rc == -KC_CONFLICT)
		return kc_problem(req, 409, "already_opted_out", "phone",
				  "this number already has a live opt-out "
				  "(reason stop_keyword)");
	return rc;
}

int
kc_h_dnc_get(struct kc_req *req)
{
	json_t *out = NULL;
	int rc = KC_NOTFOUND;

	if (kc_id_valid("dnc", req->params[0]))
		rc = kc_dnc_get(req->db, req->auth.business_id, req->params[0],
				&out);
	return kc_reply_found(req, rc, out, "no such DNC entry");
}

int
kc_h_dnc_list(struct kc_req *req)
{
	const char *after, *phone;
	struct kc_verr e;
	json_t *out;
	int limit, rc;

	if (kc_query_page(req, "dnc", &limit, &after, &e) != 0 ||
	    query_phone(req, &phone, &e) != 0)
		return kc_problem_verr(req, &e);
	rc = kc_dnc_list(req->db, req->auth.business_id, phone, after, limit,
			 &out);
	return kc_reply_page(req, rc, out, "DNC entry");
}

int
kc_h_dnc_remove(struct kc_req *req)
{
	struct kc_actor actor = kc_req_actor(req);
	json_t *out = NULL;
	int rc = KC_NOTFOUND;

	if (kc_id_valid("dnc", req->params[0]))
		rc = kc_dnc_remove(req->db, &actor, req->auth.business_id,
				   req->auth.business_public_id, req->params[0],
				   &out);
	return kc_reply_found(req, rc, out, "no such DNC entry");
}

int
kc_h_compliance_settings_get(struct kc_req *req)
{
	json_t *out = NULL;
	int rc =
	    kc_compliance_settings_get(req->db, req->auth.business_id, &out);

	return kc_reply_found(req, rc, out, "no such business");
}

int
kc_h_compliance_settings_update(struct kc_req *req)
{
	struct kc_actor actor = kc_req_actor(req);
	struct kc_verr e;
	json_t *in, *out = NULL;
	int rc;

	if ((in = kc_req_json(req, &e)) == NULL)
		return kc_problem_verr(req, &e);
	if (kc_compliance_settings_validate(in, &e) != 0) {
		json_decref(in);
		return kc_problem_verr(req, &e);
	}
	rc = kc_compliance_settings_update(req->db, &actor,
					   req->auth.business_id, in, &out);
	json_decref(in);
	return kc_reply_found(req, rc, out, "no such business");
}
