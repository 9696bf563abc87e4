/* The whole API in one table. The router, not the handlers, answers 404,
 * 405, 401 and 403, so no handler can forget to. */
#include "routes.h"
#include "dash.h"
#include "handlers.h"
#include "kc_addr.h"
#include "kc_crypto.h"
#include "kc_idempotency.h"
#include "kc_log.h"
#include "kc_scope.h"
#include "ratelimit.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PAGE "limit,starting_after"

/* Each request with a key draws from one of the key's rate limits (README,
 * Rate limits), by the route's kind: ingest for the POSTs of the ingest
 * scope (the voice runtime's calls, leads and follow-ups), read for GETs,
 * write for every other change (configuration, replays, test events:
 * rarer, and each followed by work of its own). A route that is none of
 * these says so with a KC_R_LIMIT_* flag. */
static const struct kc_route routes[] = {
    {KC_M_GET, "/livez", kc_h_livez, 0, KC_R_PUBLIC, NULL},
    {KC_M_GET, "/healthz", kc_h_healthz, 0, KC_R_PUBLIC, NULL},
    {KC_M_GET, "/metrics", kc_h_metrics, 0, KC_R_PUBLIC | KC_R_OPERATOR, NULL},
    {KC_M_GET, "/v1/business", kc_h_business_get, 0, 0, NULL},
    {KC_M_GET, "/v1/agent", kc_h_agent_get, KC_SCOPE_AGENTS_READ, 0, NULL},
    {KC_M_PATCH, "/v1/agent/routing", kc_h_agent_routing_patch,
     KC_SCOPE_AGENTS_WRITE, 0, NULL},
    {KC_M_GET, "/v1/phone-numbers", kc_h_numbers_list, KC_SCOPE_NUMBERS_READ, 0,
     PAGE},
    {KC_M_GET, "/v1/audit-log", kc_h_audit_list, KC_SCOPE_AUDIT_READ, 0,
     PAGE ",actor,action,target,since,until"},
    {KC_M_POST, "/v1/webhook-endpoints", kc_h_endpoints_create,
     KC_SCOPE_WEBHOOKS_WRITE, 0, NULL},
    {KC_M_GET, "/v1/webhook-endpoints", kc_h_endpoints_list,
     KC_SCOPE_WEBHOOKS_READ, 0, PAGE},
    {KC_M_GET, "/v1/webhook-endpoints/{id}", kc_h_endpoints_get,
     KC_SCOPE_WEBHOOKS_READ, 0, NULL},
    {KC_M_PATCH, "/v1/webhook-endpoints/{id}", kc_h_endpoints_update,
     KC_SCOPE_WEBHOOKS_WRITE, 0, NULL},
    {KC_M_DELETE, "/v1/webhook-endpoints/{id}", kc_h_endpoints_delete,
     KC_SCOPE_WEBHOOKS_WRITE, 0, NULL},
    {KC_M_POST, "/v1/webhook-endpoints/{id}/rotate-secret",
     kc_h_endpoints_rotate, KC_SCOPE_WEBHOOKS_WRITE, 0, NULL},
    {KC_M_POST, "/v1/webhook-endpoints/{id}/test", kc_h_endpoints_test,
     KC_SCOPE_WEBHOOKS_WRITE, 0, NULL},
    {KC_M_GET, "/v1/event-types", kc_h_event_types, 0, 0, NULL},
    {KC_M_GET, "/v1/events", kc_h_events_list, KC_SCOPE_EVENTS_READ, 0,
     PAGE ",type,since"},
    {KC_M_GET, "/v1/events/{id}", kc_h_events_get, KC_SCOPE_EVENTS_READ, 0,
     NULL},
    {KC_M_POST, "/v1/leads", kc_h_leads_create, KC_SCOPE_INGEST, 0, NULL},
    {KC_M_GET, "/v1/leads", kc_h_leads_list, KC_SCOPE_LEADS_READ, 0,
     PAGE ",since"},
    {KC_M_GET, "/v1/leads/{id}", kc_h_leads_get, KC_SCOPE_LEADS_READ, 0, NULL},
    {KC_M_POST, "/v1/webhook-endpoints/{id}/replay", kc_h_endpoints_replay,
     KC_SCOPE_EVENTS_REPLAY, 0, NULL},
    {KC_M_GET, "/v1/deliveries", kc_h_deliveries_list, KC_SCOPE_EVENTS_READ, 0,
     PAGE ",event,endpoint,status,since,until"},
    {KC_M_GET, "/v1/deliveries/{id}", kc_h_deliveries_get, KC_SCOPE_EVENTS_READ,
     0, NULL},
    {KC_M_POST, "/v1/deliveries/{id}/replay", kc_h_deliveries_replay,
     KC_SCOPE_EVENTS_REPLAY, 0, NULL},
    {KC_M_GET, "/v1/replays/{id}", kc_h_replays_get, KC_SCOPE_EVENTS_READ, 0,
     NULL},
    {KC_M_POST, "/v1/calls", kc_h_calls_start, KC_SCOPE_INGEST, 0, NULL},
    {KC_M_POST, "/v1/calls/{id}/end", kc_h_calls_end, KC_SCOPE_INGEST, 0, NULL},
    {KC_M_GET, "/v1/calls", kc_h_calls_list, KC_SCOPE_CALLS_READ, 0,
     PAGE ",status,since"},
    {KC_M_GET, "/v1/calls/{id}", kc_h_calls_get, KC_SCOPE_CALLS_READ, 0, NULL},
    {KC_M_POST, "/v1/follow-ups", kc_h_followups_create, KC_SCOPE_INGEST, 0,
     NULL},
    {KC_M_POST, "/v1/follow-ups/{id}/complete", kc_h_followups_complete,
     KC_SCOPE_INGEST, 0, NULL},
    {KC_M_GET, "/v1/follow-ups", kc_h_followups_list, KC_SCOPE_LEADS_READ, 0,
     PAGE ",status,lead,since"},
    /* Compliance: consents, the DNC list, settings. */
    {KC_M_POST, "/v1/consents", kc_h_consents_create, KC_SCOPE_CONSENT_WRITE, 0,
     NULL},
    {KC_M_GET, "/v1/consents", kc_h_consents_list, KC_SCOPE_CONSENT_READ, 0,
     PAGE ",phone,channel"},
    {KC_M_GET, "/v1/consents/{id}", kc_h_consents_get, KC_SCOPE_CONSENT_READ, 0,
     NULL},
    {KC_M_DELETE, "/v1/consents/{id}", kc_h_consents_revoke,
     KC_SCOPE_CONSENT_WRITE, 0, NULL},
    {KC_M_POST, "/v1/dnc", kc_h_dnc_create, KC_SCOPE_CONSENT_WRITE, 0, NULL},
    {KC_M_GET, "/v1/dnc", kc_h_dnc_list, KC_SCOPE_CONSENT_READ, 0,
     PAGE ",phone"},
    {KC_M_GET, "/v1/dnc/{id}", kc_h_dnc_get, KC_SCOPE_CONSENT_READ, 0, NULL},
    {KC_M_DELETE, "/v1/dnc/{id}", kc_h_dnc_remove, KC_SCOPE_CONSENT_WRITE, 0,
     NULL},
    {KC_M_GET, "/v1/compliance-settings", kc_h_compliance_settings_get,
     KC_SCOPE_CONSENT_READ, 0, NULL},
    {KC_M_PATCH, "/v1/compliance-settings", kc_h_compliance_settings_update,
     KC_SCOPE_CONSENT_WRITE, 0, NULL},
    /* The dashboard (cgi/dash_*.c): where the API's rows name a key's
     * scope, these name the least role of the signed-in user (the
     * flags). A fixed path comes before a {id} that would match it. */
    {KC_M_GET, "/app", kc_d_home, 0, KC_R_DASH_OPEN, NULL},
    {KC_M_GET, "/app/sign-in", kc_d_signin_form, 0, KC_R_DASH_OPEN, "next,why"},
    {KC_M_POST, "/app/sign-in", kc_d_signin, 0, KC_R_DASH_OPEN, "next"},
    {KC_M_POST, "/app/sign-out", kc_d_signout, 0, KC_R_VIEWER, NULL},
    {KC_M_POST, "/app/sign-out-everywhere", kc_d_signout_everywhere, 0,
     KC_R_VIEWER, NULL},
    {KC_M_GET, "/app/", kc_d_overview, 0, KC_R_VIEWER, NULL},
    {KC_M_GET, "/app/keys", kc_d_keys, 0, KC_R_OWNER, "done,new"},
    {KC_M_POST, "/app/keys", kc_d_keys_create, 0, KC_R_OWNER, NULL},
    {KC_M_POST, "/app/keys/{id}/rotate", kc_d_keys_rotate, 0, KC_R_OWNER, NULL},
    {KC_M_POST, "/app/keys/{id}/revoke", kc_d_keys_revoke, 0, KC_R_OWNER, NULL},
    {KC_M_GET, "/app/endpoints", kc_d_endpoints, 0, KC_R_VIEWER, "after"},
    {KC_M_GET, "/app/endpoints/new", kc_d_endpoint_new, 0, KC_R_ADMIN, NULL},
    {KC_M_POST, "/app/endpoints", kc_d_endpoint_create, 0, KC_R_ADMIN, NULL},
    {KC_M_GET, "/app/endpoints/{id}", kc_d_endpoint, 0, KC_R_VIEWER,
     "done,new"},
    {KC_M_POST, "/app/endpoints/{id}/rotate", kc_d_endpoint_rotate, 0,
     KC_R_ADMIN, NULL},
    {KC_M_POST, "/app/endpoints/{id}/test", kc_d_endpoint_test, 0, KC_R_ADMIN,
     NULL},
    {KC_M_POST, "/app/endpoints/{id}/enable", kc_d_endpoint_enable, 0,
     KC_R_ADMIN, NULL},
    {KC_M_POST, "/app/endpoints/{id}/disable", kc_d_endpoint_disable, 0,
     KC_R_ADMIN, NULL},
    {KC_M_POST, "/app/endpoints/{id}/limits", kc_d_endpoint_limits, 0,
     KC_R_ADMIN, NULL},
    {KC_M_POST, "/app/endpoints/{id}/try-now", kc_d_endpoint_try_now, 0,
     KC_R_ADMIN, NULL},
    {KC_M_GET, "/app/deliveries", kc_d_deliveries, 0, KC_R_VIEWER,
     "status,endpoint,type,since,until,after"},
    {KC_M_GET, "/app/deliveries/{id}", kc_d_delivery, 0, KC_R_VIEWER, "done"},
    {KC_M_POST, "/app/deliveries/{id}/replay", kc_d_delivery_replay, 0,
     KC_R_ADMIN, NULL},
    {KC_M_GET, "/app/dead-letters", kc_d_dead_letters, 0, KC_R_VIEWER,
     "endpoint,after"},
    {KC_M_POST, "/app/replays", kc_d_replay_create, 0, KC_R_ADMIN, NULL},
    {KC_M_GET, "/app/replays/{id}", kc_d_replay, 0, KC_R_VIEWER, NULL},
    {KC_M_GET, "/app/audit", kc_d_audit, 0, KC_R_VIEWER,
     "actor,action,target,since,until,after"},
    {KC_M_GET, "/app/calls", kc_d_calls, 0, KC_R_VIEWER, "status,since,after"},
    {KC_M_GET, "/app/calls/{id}", kc_d_call, 0, KC_R_VIEWER, NULL},
    {KC_M_GET, "/app/leads", kc_d_leads, 0, KC_R_VIEWER, "since,after"},
    {KC_M_GET, "/app/leads/{id}", kc_d_lead, 0, KC_R_VIEWER, NULL},
    {KC_M_GET, "/app/follow-ups", kc_d_followups, 0, KC_R_VIEWER,
     "status,lead,since,after"},
    {KC_M_GET, "/app/consents", kc_d_consents, 0, KC_R_VIEWER,
     "phone,channel,after,done"},
    {KC_M_POST, "/app/consents", kc_d_consent_create, 0, KC_R_ADMIN, NULL},
    {KC_M_POST, "/app/consents/{id}/revoke", kc_d_consent_revoke, 0, KC_R_ADMIN,
     NULL},
    {KC_M_GET, "/app/dnc", kc_d_dnc, 0, KC_R_VIEWER, "phone,after,done"},
    {KC_M_POST, "/app/dnc", kc_d_dnc_create, 0, KC_R_ADMIN, NULL},
    {KC_M_POST, "/app/dnc/{id}/remove", kc_d_dnc_remove, 0, KC_R_ADMIN, NULL},
    {KC_M_GET, "/app/outbound", kc_d_outbound, 0, KC_R_VIEWER,
     "kind,status,to,after"},
    {KC_M_GET, "/app/agent", kc_d_agent, 0, KC_R_VIEWER, "done"},
    {KC_M_POST, "/app/agent/routing", kc_d_agent_routing, 0, KC_R_ADMIN, NULL},
    /* Outbound calls and SMS, checked before they go. */
    {KC_M_POST, "/v1/outbound-calls", kc_h_outbound_calls_create,
     KC_SCOPE_CALLS_WRITE, 0, NULL},
    {KC_M_GET, "/v1/outbound-calls", kc_h_outbound_calls_list,
     KC_SCOPE_CALLS_READ, 0, PAGE ",status,to,since"},
    {KC_M_GET, "/v1/outbound-calls/{id}", kc_h_outbound_calls_get,
     KC_SCOPE_CALLS_READ, 0, NULL},
    {KC_M_POST, "/v1/messages", kc_h_messages_create, KC_SCOPE_SMS_WRITE, 0,
     NULL},
    {KC_M_GET, "/v1/messages", kc_h_messages_list, KC_SCOPE_SMS_READ, 0,
     PAGE ",status,to,since"},
    {KC_M_GET, "/v1/messages/{id}", kc_h_messages_get, KC_SCOPE_SMS_READ, 0,
     NULL},
    /* The carrier's callbacks: no API key, an X-Twilio-Signature (checked
     * by the handlers, 403 without a valid one). */
    {KC_M_POST, "/carrier/twilio/calls/{id}/status", kc_h_carrier_call_status,
     0, KC_R_PUBLIC, NULL},
    {KC_M_POST, "/carrier/twilio/messages/{id}/status",
     kc_h_carrier_message_status, 0, KC_R_PUBLIC, NULL},
    {KC_M_POST, "/carrier/twilio/sms", kc_h_carrier_inbound_sms, 0, KC_R_PUBLIC,
     NULL},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* The rule of the comment above the table. */
enum kc_rl_kind
kc_route_kind(const struct kc_route *r)
{
	if (r->flags & KC_R_LIMIT_READ)
		return KC_RL_READ;
	if (r->flags & KC_R_LIMIT_WRITE)
		return KC_RL_WRITE;
	if (r->flags & KC_R_LIMIT_INGEST)
		return KC_RL_INGEST;
	if (r->method == KC_M_POST && r->scope == KC_SCOPE_INGEST)
		return KC_RL_INGEST;
	return r->method == KC_M_GET ? KC_RL_READ : KC_RL_WRITE;
}

size_t
kc_route_count(void)
{
	return NROUTES;
}

const struct kc_route *
kc_route_at(size_t i)
{
	return i < NROUTES ? &routes[i] : NULL;
}

/* An operator route exists only for the addresses allowed to use it, so
 * nobody else can tell it from a path that was never there. */
static int
visible(const struct kc_route *r, const struct kc_req *req)
{
	return !(r->flags & KC_R_OPERATOR) ||
	       (req->cfg &&
		kc_addr_list_match(&req->cfg->metrics_allow, req->remote_addr));
}

/* Matches path against pattern segment by segment; "{...}" captures one
 * non-empty segment of id characters into req->params. */
static int
match(const char *pattern, const char *path, struct kc_req *req)
{
	const char *p = pattern, *s = path;
	size_t n, plen;

	req->nparams = 0;
	while (*p && *s) {
		if (*p == '{') {
			n = strcspn(s, "/");
			if (n == 0 || n >= KC_PARAM_LEN ||
			    req->nparams == KC_PARAMS_MAX ||
			    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
				      "OPQRSTUVWXYZ0123456789_-") < n)
				return 0;
			memcpy(req->params[req->nparams], s, n);
			req->params[req->nparams++][n] = '\0';
			s += n;
			p = strchr(p, '}');
			if (p == NULL)
				return 0;
			p++;
			continue;
		}
		plen = strcspn(p, "{");
		if (strncmp(p, s, plen) != 0)
			return 0;
		p += plen;
		s += plen;
	}
	return *p == '\0' && *s == '\0';
}

const struct kc_route *
kc_route_match(struct kc_req *req, int *status, char *allow, size_t allowlen)
{
	const struct kc_route *found = NULL;
	unsigned allowed = 0;
	size_t i, o = 0;

	req->route = -1;
	for (i = 0; i < NROUTES; i++) {
		if (!visible(&routes[i], req) ||
		    !match(routes[i].pattern, req->path, req))
			continue;
		allowed |= routes[i].method;
		if (routes[i].method == req->method && found == NULL)
			found = &routes[i];
	}
	if (found) {
		/* Re-run the match to leave the winning route's params. */
		match(found->pattern, req->path, req);
		req->route = (int)(found - routes);
		return found;
	}
	*status = allowed ? 405 : 404;
	if (allowlen)
		allow[0] = '\0';
	for (i = 0; allowed && i < 7; i++)
		if (allowed & (1u << i)) {
			int n = snprintf(
			    allow + o, allowlen - o, "%s%s", o ? ", " : "",
			    kc_method_name((enum kc_method)(1u << i)));
			if (n < 0 || (size_t)n >= allowlen - o)
				break;
			o += (size_t)n;
		}
	return NULL;
}

static int
authenticate(struct kc_req *req)
{
	const char *h = req->authorization, *tok;

	req->resp.bearer_challenge = 1;
	if (h == NULL || *h == '\0')
		return kc_problem(req, 401, "missing_api_key", NULL,
				  "send your API key as "
				  "'Authorization: Bearer kc_live_...'");
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return kc_problem(req, 401, "invalid_api_key", NULL,
				  "the Authorization header must use the "
				  "Bearer scheme");
	for (tok = h + 7; *tok == ' '; tok++)
		;
	req->resp.bearer_challenge = 2;
	switch (kc_key_authenticate_cached(req->db, req->auth_cache, tok,
					   &req->auth)) {
	case KC_AUTH_OK:
		req->authed = 1;
		req->resp.bearer_challenge = 0;
		return 0;
	case KC_AUTH_MALFORMED:
		return kc_problem(req, 401, "invalid_api_key", NULL,
				  "the API key is malformed");
	case KC_AUTH_REVOKED:
		return kc_problem(req, 401, "api_key_revoked", NULL,
				  "the API key has been revoked");
	case KC_AUTH_EXPIRED:
		return kc_problem(req, 401, "api_key_expired", NULL,
				  "the API key has expired");
	case KC_AUTH_UNKNOWN:
		return kc_problem(req, 401, "invalid_api_key", NULL,
				  "the API key is not valid");
	case KC_AUTH_ERROR:
		break;
	}
	req->resp.bearer_challenge = 0;
	return kc_internal_error(req);
}

/* A POST with an Idempotency-Key runs once; repeats of the same request get
 * the first answer (marked Idempotent-Replayed), a different request with
 * the same key is refused. The key, the handler's work and the answer
 * commit together (the handler's own transaction nests inside), so a
 * failure of ours (5xx) or a database lost half-way leaves nothing behind
 * and a retry runs again. */
static int
run_idempotent(struct kc_req *req, const struct kc_route *r)
{
	const char *key = req->idempotency_key;
	enum kc_idem_state state;
	char hash[65], ident[4200], *body = NULL;
	int status;

	if (!kc_idem_key_valid(key))
		return kc_problem(req, 400, "invalid_idempotency_key", NULL,
				  "Idempotency-Key must be 1 to 255 printable "
				  "characters");
	if (!req->cfg->has_master_key) {
		kc_err("master_key is not configured: cannot keep answers to "
		       "Idempotency-Key requests");
		return kc_internal_error(req);
	}
	/* The request's identity: method, path and the body's own hash, so
	 * the (up to 1 MiB) body is hashed in place rather than copied. */
	kc_sha256_hex(req->body, req->body_len, hash);
	if (snprintf(ident, sizeof(ident), "%s\n%s\n%s",
		     kc_method_name(req->method), req->path,
		     hash) >= (int)sizeof(ident))
		return kc_internal_error(req);
	kc_sha256_hex(ident, strlen(ident), hash);
	if (kc_idem_expire(req->db, req->auth.business_id, key) != 0 ||
	    kc_db_begin(req->db) != 0)
		return kc_internal_error(req);
	if (kc_idem_begin(req->db, req->cfg->master_key, req->auth.business_id,
			  key, hash, &state, &status, &body) != 0) {
		kc_db_rollback(req->db);
		return kc_internal_error(req);
	}
	if (state != KC_IDEM_NEW)
		kc_db_rollback(req->db); /* read only */
	switch (state) {
	case KC_IDEM_MISMATCH:
		return kc_problem(req, 422, "idempotency_key_reused", NULL,
				  "this Idempotency-Key was used for a "
				  "different request");
	case KC_IDEM_IN_PROGRESS:
		return kc_problem(req, 409, "idempotency_key_in_use", NULL,
				  "a request with this Idempotency-Key is "
				  "still being processed; retry shortly");
	case KC_IDEM_REPLAY:
		kc_buf_reset(&req->resp.body);
		kc_buf_puts(&req->resp.body, body);
		OPENSSL_cleanse(body, strlen(body));
		free(body);
		req->resp.status = status;
		req->resp.content_type = status == 204 ? NULL
					 : status >= 400
					     ? "application/problem+json"
					     : "application/json";
		req->resp.replayed = 1;
		return status;
	case KC_IDEM_NEW:
		break;
	}
	status = r->fn(req);
	if (status >= 500) {
		kc_db_rollback(req->db);
		return status;
	}
	if (kc_idem_finish(req->db, req->cfg->master_key, req->auth.business_id,
			   key, hash, status,
			   req->resp.body.data ? req->resp.body.data : "",
			   req->resp.body.len) != 0 ||
	    kc_db_commit(req->db) != 0) {
		/* The work went with it: the answer built must not go out. */
		kc_db_rollback(req->db);
		return kc_internal_error(req);
	}
	return status;
}

int
kc_dispatch(struct kc_req *req)
{
	const struct kc_route *r;
	struct kc_verr e;
	int status, rc;

	if ((r = kc_route_match(req, &status, req->resp.allow,
				sizeof(req->resp.allow))) == NULL) {
		if (kc_dash_path(req->path))
			return kc_dash_not_found(req, status);
		if (status == 405)
			return kc_problem(req, 405, "method_not_allowed", NULL,
					  "%s is not allowed here; use %s",
					  kc_method_name(req->method),
					  req->resp.allow);
		return kc_problem(req, 404, "not_found", NULL,
				  "no such resource");
	}
	if (r->flags & KC_R_DASH)
		return kc_dash_dispatch(req, r);
	if (!(r->flags & KC_R_PUBLIC) && (rc = authenticate(req)) != 0)
		return rc;
	/* Every request a key makes counts, whatever comes of it after:
	 * a refused scope or a bad query costs the server too. */
	if (req->authed &&
	    (rc = kc_ratelimit_check(req, kc_route_kind(r))) != 0)
		return rc;
	if (r->scope && !(req->auth.scopes & r->scope))
		return kc_problem(req, 403, "missing_scope", NULL,
				  "this API key lacks the scope %s",
				  kc_scope_name(r->scope));
	if (kc_query_allowed(req, r->query, &e) != 0)
		return kc_problem_verr(req, &e);
	/* Idempotency-Key answers are kept per business: a route without a
	 * key (the carrier's callbacks) has none, and its own guard. */
	if (req->method == KC_M_POST && req->idempotency_key &&
	    !(r->flags & KC_R_PUBLIC))
		return run_idempotent(req, r);
	return r->fn(req);
}
