/* Every handler: validates its input, calls lib/, renders. Returns the HTTP
 * status it produced. The router has already authenticated the caller and
 * checked the scope and the query keys. */
#ifndef KC_HANDLERS_H
#define KC_HANDLERS_H

#include "request.h"
#include "response.h"

int kc_h_livez(struct kc_req *req);
int kc_h_healthz(struct kc_req *req);
int kc_h_metrics(struct kc_req *req);
int kc_h_business_get(struct kc_req *req);
int kc_h_agent_get(struct kc_req *req);
int kc_h_agent_routing_patch(struct kc_req *req);
int kc_h_numbers_list(struct kc_req *req);
int kc_h_audit_list(struct kc_req *req);
int kc_h_endpoints_create(struct kc_req *req);
int kc_h_endpoints_list(struct kc_req *req);
int kc_h_endpoints_get(struct kc_req *req);
int kc_h_endpoints_update(struct kc_req *req);
int kc_h_endpoints_delete(struct kc_req *req);
int kc_h_endpoints_rotate(struct kc_req *req);
int kc_h_endpoints_test(struct kc_req *req);
int kc_h_event_types(struct kc_req *req);
int kc_h_events_list(struct kc_req *req);
int kc_h_events_get(struct kc_req *req);
int kc_h_leads_create(struct kc_req *req);
int kc_h_leads_list(struct kc_req *req);
int kc_h_leads_get(struct kc_req *req);
int kc_h_deliveries_list(struct kc_req *req);
int kc_h_deliveries_get(struct kc_req *req);
int kc_h_deliveries_replay(struct kc_req *req);
int kc_h_endpoints_replay(struct kc_req *req);
int kc_h_replays_get(struct kc_req *req);
int kc_h_calls_start(struct kc_req *req);
int kc_h_calls_end(struct kc_req *req);
int kc_h_calls_get(struct kc_req *req);
int kc_h_calls_list(struct kc_req *req);
int kc_h_followups_create(struct kc_req *req);
int kc_h_followups_complete(struct kc_req *req);
int kc_h_followups_list(struct kc_req *req);
/* Compliance: consents, the DNC list, settings (cgi/api_consents.c). */
int kc_h_consents_create(struct kc_req *req);
int kc_h_consents_get(struct kc_req *req);
int kc_h_consents_list(struct kc_req *req);
int kc_h_consents_revoke(struct kc_req *req);
int kc_h_dnc_create(struct kc_req *req);
int kc_h_dnc_get(struct kc_req *req);
int kc_h_dnc_list(struct kc_req *req);
int kc_h_dnc_remove(struct kc_req *req);
int kc_h_compliance_settings_get(struct kc_req *req);
int kc_h_compliance_settings_update(struct kc_req *req);
/* Outbound calls and SMS (cgi/api_outbound.c) and the carrier's callbacks
 * (cgi/carrier_twilio.c). */
int kc_h_outbound_calls_create(struct kc_req *req);
int kc_h_outbound_calls_list(struct kc_req *req);
int kc_h_outbound_calls_get(struct kc_req *req);
int kc_h_messages_create(struct kc_req *req);
int kc_h_messages_list(struct kc_req *req);
int kc_h_messages_get(struct kc_req *req);
int kc_h_carrier_call_status(struct kc_req *req);
int kc_h_carrier_message_status(struct kc_req *req);
int kc_h_carrier_inbound_sms(struct kc_req *req);

/* The actor for audit rows written on behalf of the authenticated key. */
struct kc_actor kc_req_actor(const struct kc_req *req);
/* The shape every ingest POST shares: parse the body, validate it, create
 * the object (with its event) for the caller's business, answer 201. */
typedef int (*kc_validate_fn)(const json_t *in, struct kc_verr *e);
typedef int (*kc_create_fn)(struct kc_db *db, long long business_id,
			    const char *business_public_id, const json_t *in,
			    json_t **out, struct kc_verr *e);
int kc_create_from_body(struct kc_req *req, kc_validate_fn validate,
			kc_create_fn create);
/* The answer to a read or a change of one object: 200 with out when rc is 0,
 * 404 saying missing
 * ("no such call") for KC_NOTFOUND, else 500. */
int kc_reply_found(struct kc_req *req, int rc, json_t *out,
		   const char *missing);
/* The same for a page of a list, where KC_NOTFOUND is a starting_after
 * that names no noun of the business (400 invalid_cursor). */
int kc_reply_page(struct kc_req *req, int rc, json_t *out, const char *noun);
/* 500 problem for a failure that is ours, with the request id to quote;
 * 503 database_unavailable (Retry-After: 1) when the database could not be
 * reached. */
int kc_internal_error(struct kc_req *req);
int kc_db_unavailable_problem(struct kc_req *req);

#endif
