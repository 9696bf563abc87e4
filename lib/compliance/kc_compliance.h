/* Compliance: the check every outbound call or SMS runs before it is
 * queued and again before it is sent, the SMS keywords (STOP, START,
 * HELP) and what they do, the business's compliance settings, and the one
 * function through which every consent and DNC change is recorded (its
 * audit row and its event).
 *
 * The rules (US; an AI voice is an "artificial voice"):
 * - the number must be E.164 and, for +1, a valid NANP number;
 * - the from number must be one of the business's;
 * - the business's own DNC list blocks both purposes on the channels an
 *   entry names; the national registry blocks marketing only; DNC wins
 *   over consent;
 * - marketing to a +1 number needs a registry imported no longer ago
 *   than kc_registry_max_age() (31 days, the FTC's rule): with none, or
 *   an older one, it fails closed;
 * - an SMS opt-out (STOP) blocks what its entry names (SMS) until START;
 * - informational needs prior express (or written) consent for the
 *   channel, marketing prior express written consent;
 * - the recipient's local time must be inside the business's calling hours
 *   (08:00-21:00 at the widest) in the contact's own zone if known, else
 *   in every zone of the number's area code, else in the business's. */
#ifndef KC_COMPLIANCE_H
#define KC_COMPLIANCE_H

#include "kc_audit.h"
#include "kc_db.h"
#include "kc_json.h"

#include <jansson.h>
#include <stddef.h>
#include <time.h>

enum kc_channel { KC_CHANNEL_VOICE, KC_CHANNEL_SMS };
enum kc_purpose { KC_PURPOSE_INFORMATIONAL, KC_PURPOSE_MARKETING };

/* "voice"/"sms" and "informational"/"marketing"; 0 or -1. */
int kc_channel_parse(const char *s, enum kc_channel *out);
int kc_purpose_parse(const char *s, enum kc_purpose *out);
const char *kc_channel_name(enum kc_channel c);
const char *kc_purpose_name(enum kc_purpose p);

/* What an outbound action is, for the check. Strings are borrowed. */
struct kc_action_check {
	enum kc_channel channel;
	enum kc_purpose purpose;
	const char *to;   /* the recipient, E.164 */
	const char *from; /* must be one of the business's numbers */
	const char
	    *contact_timezone; /* the contact's own zone; NULL unknown,
				* and ignored unless in the tz database */
	time_t now;            /* the instant judged (queueing, sending) */
};

/* The check codes, in the order the checks run (KaiCalls' names). */
#define KC_CHECK_INVALID_PHONE_NUMBER  "invalid_phone_number"
#define KC_CHECK_NUMBER_NOT_OWNED      "number_not_owned"
#define KC_CHECK_NUMBER_ON_DNC         "number_on_dnc"
#define KC_CHECK_DNC_REGISTRY_STALE    "dnc_registry_stale"
#define KC_CHECK_NUMBER_OPTED_OUT      "number_opted_out"
#define KC_CHECK_CONSENT_MISSING       "consent_missing"
#define KC_CHECK_OUTSIDE_CALLING_HOURS "outside_calling_hours"

struct kc_check_result {
	/* NULL when every check passed; else the first that failed (one of
	 * the KC_CHECK_* strings, static). */
	const char *code;
	char detail[320]; /* a sentence for people about code; "" if none */
	/* [{"check": code, "outcome": "passed"|"failed"|"skipped",
	 *   "detail": "..."}...] in order; calling hours adds "time_zones"
	 * ([{"zone","local_time","allowed"}]), "zone_source" ("contact",
	 * "number" or "business") and "window" ({"start","end"}). Owned by
	 * the result: kc_check_result_free. */
	json_t *checks;
};

void kc_check_result_free(struct kc_check_result *r);

/* Runs every check for an action of the business, in order. Pure reads
 * (one query), no writes: the caller stores the result. 0 with out
 * filled (out->code NULL: allowed), -1 on a database error. A check that
 * cannot be judged because the number is invalid is "skipped". */
int kc_compliance_check(struct kc_db *db, long long business_id,
			const struct kc_action_check *in,
			struct kc_check_result *out);

/* What kc_compliance_check reads from the database, so that the decision
 * itself can be tested without one. */
enum kc_consent_level {
	KC_CONSENT_NONE,
	KC_CONSENT_EXPRESS,
	KC_CONSENT_WRITTEN
};
struct kc_compliance_facts {
	int from_owned;
	char dnc_id[48];    /* a live entry of the business's DNC list for
			       the channel (not an opt-out); "" none */
	char optout_id[48]; /* a live opt-out for the channel; "" none */
	int on_registry;    /* the national DNC registry lists the number */
	/* Seconds since the current registry was imported, by the
	 * database's clock; -1 when none has been. */
	long long registry_age;
	char registry_loaded_at[24];   /* then, "YYYY-MM-DDTHH:MM:SSZ"; "" */
	enum kc_consent_level consent; /* the strongest live consent */
	char consent_id[48];
	char business_timezone[65];
	int hours_start, hours_end; /* minutes after local midnight */
};

int kc_compliance_facts_read(struct kc_db *db, long long business_id,
			     const struct kc_action_check *in,
			     struct kc_compliance_facts *f);
/* The facts of n actions at once, action i of business_ids[i], in one
 * statement (for a worker's batch): f[i] and found[i] 1, or found[i] 0
 * when its business does not exist. Each in[i].to must be dialable
 * (kc_phone_dialable). 0, or -1 on a database error. */
int kc_compliance_facts_read_many(struct kc_db *db, size_t n,
				  const long long *business_ids,
				  const struct kc_action_check *in,
				  struct kc_compliance_facts *f, int *found);
/* The decision from the facts: fills out as kc_compliance_check does.
 * facts may be NULL when in->to is not a valid number (nothing read).
 * 0, or -1 when out of memory or a time zone is not in the tz database. */
int kc_compliance_decide(const struct kc_action_check *in,
			 const struct kc_compliance_facts *facts,
			 struct kc_check_result *out);

/* The SMS keywords: the whole message, trimmed of white space, one word
 * (or OPT OUT), any case. STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
 * REVOKE, OPT OUT, OPTOUT opt out; START, UNSTOP, YES opt back in; HELP
 * and INFO ask for the help text. */
enum kc_sms_keyword {
	KC_SMS_KEYWORD_NONE,
	KC_SMS_KEYWORD_STOP,
	KC_SMS_KEYWORD_START,
	KC_SMS_KEYWORD_HELP
};
enum kc_sms_keyword kc_sms_keyword(const char *body, size_t len);

/* STOP: the number is opted out of the business's SMS at once: a live DNC
 * entry (sms, reason stop_keyword, the message's SID) with its audit row
 * and dnc.added event, the actor being the system's "sms-keyword" with the
 * message SID as the request id. Runs in the caller's transaction when
 * there is one (as a savepoint), else in its own. *changed (may be NULL)
 * is 0 when the number was already opted out (nothing written). 0, or -1
 * on a database error. phone must be E.164. */
int kc_compliance_opt_out(struct kc_db *db, long long business_id,
			  const char *business_public_id, const char *phone,
			  const char *message_sid, int *changed);
/* The same opt-out, from what the carrier said rather than a keyword
 * (Twilio's 21610: the number sent STOP to the carrier): audited with
 * actor (the job, the action's id as the request id), no message SID. */
int kc_compliance_opt_out_by(struct kc_db *db, const struct kc_actor *actor,
			     long long business_id,
			     const char *business_public_id, const char *phone,
			     int *changed);
/* STOP on a number whose live opt-out does not cover SMS (a voice-only
 * entry made before the API refused one) sets its SMS channel
 * (dnc.updated) instead. START: the live opt-out of the number, if any,
 * is removed (dnc.removed, audited likewise); one that also covers voice
 * keeps voice, losing only SMS (dnc.updated). Other DNC entries stay.
 * *changed 0 when there was nothing to do. */
int kc_compliance_opt_in(struct kc_db *db, long long business_id,
			 const char *business_public_id, const char *phone,
			 const char *message_sid, int *changed);
/* HELP/INFO: the business's SMS help text, or when it has set none, one
 * made from its name ("<name>: reply STOP to opt out, START to opt back
 * in."). 0, KC_NOTFOUND, -1. */
int kc_compliance_help_text(struct kc_db *db, long long business_id, char *out,
			    size_t cap);

/* The business's compliance settings: {"object": "compliance_settings",
 * "sms_help_text": text or null, "calling_hours": {"start": "08:00",
 * "end": "21:00"}, "timezone": the business's}. */
int kc_compliance_settings_get(struct kc_db *db, long long business_id,
			       json_t **out);
/* A PATCH body: "sms_help_text" (1-320 bytes, or null for the default),
 * "calling_hours" {"start", "end"} ("HH:MM", inside 08:00-21:00, start
 * before end). 0 or -1 with e (422 naming the field). */
int kc_compliance_settings_validate(const json_t *in, struct kc_verr *e);
/* Applies a validated body, audited (compliance_settings.updated). */
int kc_compliance_settings_update(struct kc_db *db,
				  const struct kc_actor *actor,
				  long long business_id, const json_t *in,
				  json_t **out);

/* The one way a consent or DNC change is recorded: its audit row (action
 * = the event type, before and after) and its event, whose data is after
 * with id_key (e.g. "consent_id") set to target_id. Inside the caller's
 * transaction. */
int kc_compliance_record(struct kc_db *db, long long business_id,
			 const char *business_public_id,
			 const struct kc_actor *actor, const char *event_type,
			 const char *target_type, const char *target_id,
			 const char *id_key, const json_t *before,
			 const json_t *after);

/* The business's public id, for callers that have only the internal one
 * (out: KC_ID_MAX bytes). 0, KC_NOTFOUND, -1. */
int kc_compliance_business_public_id(struct kc_db *db, long long business_id,
				     char *out, size_t cap);

#endif
