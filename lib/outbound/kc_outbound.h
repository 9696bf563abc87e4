/* Outbound calls and SMS as actions: POST /v1/outbound-calls and
 * /v1/messages run the compliance check (lib/compliance/) and store the
 * action queued, or blocked with the check that failed; `kcctl outbound`
 * (kc_outbound_worker.h) sends what is queued through the carrier; the
 * carrier's signed callbacks move it through its states and emit its
 * events (kc_outbound_status_callback), and inbound SMS apply the
 * STOP/START/HELP keywords (kc_outbound_inbound_sms).
 *
 * Every change of an action writes its audit row (kc_audit_write) and, where
 * the change has one, its event, in the transaction of the change
 * (kc_outbound_record). */
#ifndef KC_OUTBOUND_H
#define KC_OUTBOUND_H

#include "kc_audit.h"
#include "kc_compliance.h"
#include "kc_db.h"
#include "kc_form.h"
#include "kc_json.h"

#include <jansson.h>
#include <stddef.h>
#include <time.h>

enum kc_outbound_kind { KC_OUTBOUND_CALL, KC_OUTBOUND_MESSAGE };

/* Returned by kc_outbound_create when a check failed: the action was
 * stored blocked (0 is queued). */
#define KC_BLOCKED 4

/* A body's length limit, in characters (Unicode code points), as the
 * carrier counts them. */
#define KC_OUTBOUND_BODY_MAX 1600

/* "call" or "message" (the kind column), the public id's prefix ("ocall",
 * "msg"), the object's name ("outbound_call", "message"). */
const char *kc_outbound_kind_name(enum kc_outbound_kind k);
const char *kc_outbound_id_prefix(enum kc_outbound_kind k);

/* The states an action of kind can be in (NULL-terminated), for the
 * lists' status filter. */
const char *const *kc_outbound_states(enum kc_outbound_kind k);

/* A POST body. Messages: "to", "from", "body" (1-1600 characters),
 * "purpose" (informational|marketing), "lead_id"?, "timezone"? (the
 * recipient's own IANA zone), "dry_run"?. Calls: "to", "from",
 * "agent_id", "purpose", "lead_id"?, "context"? (an object, at most
 * 16 KiB as JSON), "timezone"?, "dry_run"?. "to" and "from" are strings
 * of at most 32 bytes: whether they are numbers the action may use is
 * the compliance check's to say (and to record). 0 or -1 with e (422
 * naming the field). */
int kc_outbound_validate(enum kc_outbound_kind k, const json_t *in,
			 struct kc_verr *e);

/* A validated body for the business: its agent and lead must be the
 * business's (KC_INVALID with e, 422 unknown_agent or unknown_lead), then
 * every check runs as of now. dry_run: *out is {"object":
 * "outbound_check", "allowed", "code", "detail", "checks"} and nothing is
 * written. Otherwise the action is stored with its audit row (actor):
 * 0 and *out queued, or KC_BLOCKED and *out blocked (with the
 * outbound.blocked event), *code the check's (static). -1 on a database
 * error. */
int kc_outbound_create(struct kc_db *db, const struct kc_actor *actor,
		       long long business_id, const char *business_public_id,
		       enum kc_outbound_kind k, const json_t *in, time_t now,
		       int dry_run, json_t **out, const char **code,
		       struct kc_verr *e);

int kc_outbound_get(struct kc_db *db, long long business_id,
		    enum kc_outbound_kind k, const char *public_id,
		    json_t **out);
/* Newest first; status, to and since (MariaDB time text) may be NULL.
 * KC_NOTFOUND for a cursor that names no action of the kind. */
int kc_outbound_list(struct kc_db *db, long long business_id,
		     enum kc_outbound_kind k, const char *status,
		     const char *to, const char *since,
		     const char *starting_after, int limit, json_t **out);

/* One action's change: its audit row (action, before and after, about
 * the action as target) and, when event_type is not NULL, its event with
 * the action as GET shows it (data), its id under "call_id" or
 * "message_id". Inside the caller's transaction. */
int kc_outbound_record(struct kc_db *db, long long business_id,
		       const char *business_public_id,
		       const struct kc_actor *actor, enum kc_outbound_kind k,
		       const char *public_id, const char *action,
		       const json_t *before, const json_t *after,
		       const char *event_type, const json_t *action_json);

/* An operator's word on the action public_id (of any business), while it
 * is unknown (kcctl outbound settle): placed, it is accepted (with sid,
 * when given, as its carrier SID: its callbacks then find it); not
 * placed, a call fails (call.ended) and a message is queued to be sent
 * now. Audited (....settled) with actor; *out the action as GET shows it.
 * 0; KC_NOTFOUND; KC_CONFLICT with err (not unknown, or sid another's);
 * -1. */
int kc_outbound_settle(struct kc_db *db, const struct kc_actor *actor,
		       const char *public_id, int placed, const char *sid,
		       json_t **out, char *err, size_t errlen);

/* --- the carrier's callbacks (kc_outbound_callback.c) ------------------ */

/* The state a carrier status (Twilio's MessageStatus or CallStatus) moves
 * an action of kind to, or NULL for a status we do not know. */
const char *kc_outbound_state_of(enum kc_outbound_kind k,
				 const char *carrier_status);
/* An action's state's place in its life: a callback moves it only
 * forward (a late "sent" after "delivered" changes nothing). The final
 * states share the highest rank; -1 for an unknown state. */
int kc_outbound_state_rank(enum kc_outbound_kind k, const char *state);
/* The event a move into state emits, or NULL. from is the state left:
 * a call that ends without having been answered still ends
 * (call.ended). */
const char *kc_outbound_state_event(enum kc_outbound_kind k, const char *state);

/* A status callback of the action public_id, its form already verified
 * (X-Twilio-Signature). Taken once per carrier SID and status: *changed
 * is 0 for a repeat, a status that would move the action backwards, or a
 * SID that is not the action's. 0; KC_NOTFOUND when there is no such
 * action of kind; KC_INVALID when the form lacks the SID or the status;
 * -1 on a database error. */
int kc_outbound_status_callback(struct kc_db *db, enum kc_outbound_kind k,
				const char *public_id, const struct kc_form *f,
				int *changed);

/* An inbound SMS, its form already verified: the business that owns "To"
 * gets message.received, and the keywords act (STOP opts "From" out of
 * its SMS, START back in, HELP and INFO get its help text), once per
 * MessageSid. *twiml (malloc'd) is the answer for the carrier: the
 * keyword's reply, or an empty <Response/>; a message to a number of
 * nobody's is answered empty and changes nothing. 0, KC_INVALID (no
 * MessageSid, From or To), -1. */
int kc_outbound_inbound_sms(struct kc_db *db, const struct kc_form *f,
			    char **twiml);

/* TwiML that replies text, or <Response/> for NULL; text is escaped.
 * malloc'd, NULL when out of memory. */
char *kc_twiml_reply(const char *text);

#endif
