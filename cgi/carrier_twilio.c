/* The carrier's callbacks (/carrier/twilio/...): call and message status,
 * inbound SMS. No API key: each must carry a valid X-Twilio-Signature
 * over public_base_url, the path and query as received, and its form
 * (else 403 and nothing changes). A callback taken before changes
 * nothing (lib/outbound/). */
#include "handlers.h"
#include "kc_form.h"
#include "kc_log.h"
#include "kc_outbound.h"
#include "kc_twilio_sig.h"

#include <stdlib.h>
#include <string.h>

/* The body as a form whose signature is the carrier's: 0 and *f, or the
 * status of the problem answered. */
static int
verified(struct kc_req *req, struct kc_form **f)
{
	const struct kc_config *cfg = req->cfg;
	const char *account;
	char url[8400], err[160];

	*f = NULL;
	if (kc_form_parse(req->body, req->body_len, f, err, sizeof(err)) != 0)
		return kc_problem(req, 400, "invalid_request", NULL,
				  "the body is not a form we can read: %s",
				  err);
	if (cfg->carrier_auth_token == NULL ||
	    kc_twilio_public_url(cfg, req->uri ? req->uri : "", url,
				 sizeof(url)) != 0) {
		/* Nothing can be verified: nothing is taken. */
		kc_err("carrier callback refused: %s",
		       cfg->carrier_auth_token == NULL
			   ? (cfg->carrier_error[0] ? cfg->carrier_error
						    : "no carrier configured")
			   : "public_base_url is not configured");
		goto forbidden;
	}
	if (!kc_twilio_signature_valid(cfg->carrier_auth_token, url, *f,
				       req->twilio_signature)) {
		kc_warn("carrier callback with %s X-Twilio-Signature refused",
			req->twilio_signature ? "a wrong" : "no");
		goto forbidden;
	}
	/* Signed with our token, so our account's; but say so if not. */
	account = kc_form_get(*f, "AccountSid");
	if (account && cfg->carrier_account_sid &&
	    strcmp(account, cfg->carrier_account_sid) != 0) {
		kc_warn("carrier callback for account %s refused", account);
		goto forbidden;
	}
	return 0;
forbidden:
	kc_form_free(*f);
	*f = NULL;
	return kc_problem(req, 403, "invalid_signature", NULL,
			  "the X-Twilio-Signature header is missing or does "
			  "not sign this request");
}

static int
status(struct kc_req *req, enum kc_outbound_kind k)
{
	struct kc_form *f;
	int rc, changed = 0;

	if ((rc = verified(req, &f)) != 0)
		return rc;
	rc = kc_outbound_status_callback(req->db, k, req->params[0], f,
					 &changed);
	kc_form_free(f);
	if (rc == KC_NOTFOUND)
		return kc_problem(req, 404, "not_found", NULL, "no such %s",
				  k == KC_OUTBOUND_CALL ? "outbound call"
							: "message");
	if (rc == KC_INVALID)
		return kc_problem(req, 400, "invalid_request", NULL,
				  "a status callback needs %s",
				  k == KC_OUTBOUND_CALL
				      ? "CallSid and CallStatus"
				      : "MessageSid and MessageStatus");
	if (rc != 0)
		return kc_internal_error(req);
	return kc_reply_empty(req, 204);
}

int
kc_h_carrier_call_status(struct kc_req *req)
{
	return status(req, KC_OUTBOUND_CALL);
}

int
kc_h_carrier_message_status(struct kc_req *req)
{
	return status(req, KC_OUTBOUND_MESSAGE);
}

int
kc_h_carrier_inbound_sms(struct kc_req *req)
{
	struct kc_form *f;
	char *twiml = NULL;
	int rc;

	if ((rc = verified(req, &f)) != 0)
		return rc;
	rc = kc_outbound_inbound_sms(req->db, f, &twiml);
	kc_form_free(f);
	if (rc == KC_INVALID)
		return kc_problem(req, 400, "invalid_request", NULL,
				  "an inbound SMS needs MessageSid, From and "
				  "To");
	if (rc != 0)
		return kc_internal_error(req);
	kc_buf_reset(&req->resp.body);
	rc = kc_buf_puts(&req->resp.body, twiml);
	free(twiml);
	if (rc != 0)
		return kc_internal_error(req);
	req->resp.status = 200;
	req->resp.content_type = "application/xml";
	return 200;
}
