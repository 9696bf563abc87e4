#include "kc_event_types.h"

#include <stdio.h>
#include <string.h>

const struct kc_event_type kc_event_types[] = {
    {"call.started",
     "A call reached an agent (an outbound call: the recipient answered).",
     "{\"call_id\":\"call_8fK2\",\"direction\":\"inbound\","
     "\"from\":\"+14155550123\",\"to\":\"+14155550100\","
     "\"agent_id\":\"agt_3Jd9\",\"started_at\":"
     "\"2026-11-26T15:04:05.000Z\"}"},
    {"call.ended",
     "A call ended, with its outcome, summary and transcript (an outbound "
     "call: completed, or failed with the carrier's status).",
     "{\"call_id\":\"call_8fK2\",\"ended_at\":"
     "\"2026-11-26T15:07:41.000Z\",\"duration_seconds\":216,"
     "\"outcome\":\"lead_captured\",\"summary\":\"Wants a cleaning "
     "next week.\",\"transcript\":[{\"speaker\":\"agent\",\"text\":"
     "\"Bright Smile Dental, this is Kai.\"},{\"speaker\":\"caller\","
     "\"text\":\"Hi, I need a cleaning.\"}],\"recording_url\":null}"},
    {"lead.captured", "The agent captured a lead during a call.",
     "{\"lead_id\":\"lead_Q2w8\",\"call_id\":\"call_8fK2\","
     "\"name\":\"Dana Ruiz\",\"phone\":\"+14155550123\","
     "\"email\":\"dana@example.com\",\"intent\":\"booking\","
     "\"notes\":\"Prefers mornings.\"}"},
    {"followup.created", "A callback, appointment or task was scheduled.",
     "{\"followup_id\":\"fu_7Hs1\",\"lead_id\":\"lead_Q2w8\","
     "\"kind\":\"callback\",\"due_at\":\"2026-11-27T16:00:00.000Z\","
     "\"notes\":\"Call back about insurance.\"}"},
    {"followup.completed", "A follow-up was marked done.",
     "{\"followup_id\":\"fu_7Hs1\",\"completed_at\":"
     "\"2026-11-27T16:12:00.000Z\"}"},
    {"endpoint.disabled", "One of the business's endpoints was disabled.",
     "{\"endpoint_id\":\"ep_5tYu\",\"reason\":\"failing for 5 days\"}"},
    {"endpoint.circuit_opened",
     "One of the business's endpoints kept failing: its deliveries wait, "
     "and one probe goes at next_probe_at.",
     "{\"endpoint_id\":\"ep_5tYu\",\"url\":\"https://example.com/hook\","
     "\"consecutive_failures\":5,\"opened_at\":"
     "\"2026-11-27T16:00:00.000Z\",\"next_probe_at\":"
     "\"2026-11-27T16:00:30.000Z\"}"},
    {"endpoint.recovered",
     "An endpoint whose circuit had opened answered again: its deliveries "
     "resume.",
     "{\"endpoint_id\":\"ep_5tYu\",\"url\":\"https://example.com/hook\","
     "\"opened_at\":\"2026-11-27T16:00:00.000Z\",\"recovered_at\":"
     "\"2026-11-27T16:01:30.000Z\"}"},
    {"webhook.test", "A test event, sent to one endpoint on request.",
     "{\"endpoint_id\":\"ep_5tYu\",\"message\":\"This is a test event "
     "from KaiCalls.\"}"},
    /* Compliance: every consent and DNC change. */
    {"consent.granted", "A consent to be called or texted was recorded.",
     "{\"consent_id\":\"cns_4Rt7\",\"id\":\"cns_4Rt7\",\"object\":"
     "\"consent\",\"phone\":\"+14155550123\",\"channel\":\"sms\","
     "\"kind\":\"written\",\"source\":\"web_form\",\"evidence\":"
     "\"https://example.com/forms/81\",\"captured_at\":"
     "\"2026-11-26T15:00:00.000Z\",\"created_at\":"
     "\"2026-11-26T15:00:02.000Z\",\"status\":\"active\","
     "\"revoked_at\":null}"},
    {"consent.revoked", "A consent was revoked; it is kept, with the time.",
     "{\"consent_id\":\"cns_4Rt7\",\"id\":\"cns_4Rt7\",\"object\":"
     "\"consent\",\"phone\":\"+14155550123\",\"channel\":\"sms\","
     "\"kind\":\"written\",\"source\":\"web_form\",\"evidence\":null,"
     "\"captured_at\":\"2026-11-26T15:00:00.000Z\",\"created_at\":"
     "\"2026-11-26T15:00:02.000Z\",\"status\":\"revoked\","
     "\"revoked_at\":\"2026-12-01T09:30:00.000Z\"}"},
    {"dnc.added",
     "A number was put on the business's Do-Not-Call list (reason "
     "stop_keyword: it texted STOP).",
     "{\"dnc_id\":\"dnc_9Kp2\",\"id\":\"dnc_9Kp2\",\"object\":"
     "\"dnc_entry\",\"phone\":\"+14155550123\",\"channels\":"
     "[\"voice\",\"sms\"],\"reason\":\"customer_request\","
     "\"message_sid\":null,\"created_at\":\"2026-11-26T15:00:00.000Z\","
     "\"status\":\"active\",\"removed_at\":null}"},
    {"dnc.removed",
     "A Do-Not-Call entry ended (removed, or START after STOP); it is kept.",
     "{\"dnc_id\":\"dnc_9Kp2\",\"id\":\"dnc_9Kp2\",\"object\":"
     "\"dnc_entry\",\"phone\":\"+14155550123\",\"channels\":"
     "[\"sms\"],\"reason\":\"stop_keyword\",\"message_sid\":"
     "\"SM0123456789abcdef0123456789abcdef\",\"created_at\":"
     "\"2026-11-26T15:00:00.000Z\",\"status\":\"removed\","
     "\"removed_at\":\"2026-11-27T08:00:00.000Z\"}"},
    {"dnc.updated",
     "An SMS opt-out changed channels: STOP on a number whose opt-out did "
     "not cover texts adds SMS; START on one that also covers calls takes "
     "SMS off and keeps the call block.",
     "{\"dnc_id\":\"dnc_9Kp2\",\"id\":\"dnc_9Kp2\",\"object\":"
     "\"dnc_entry\",\"phone\":\"+14155550123\",\"channels\":"
     "[\"voice\"],\"reason\":\"stop_keyword\",\"message_sid\":null,"
     "\"created_at\":\"2026-11-26T15:00:00.000Z\",\"status\":"
     "\"active\",\"removed_at\":null}"},
    /* Outbound calls and SMS (lib/outbound/). An outbound call's
     * call.started and call.ended carry the outbound call. */
    {"outbound.blocked",
     "An outbound call or SMS was refused by a check (consent, DNC, "
     "opt-out, calling hours, ...) when it was queued or sent; nothing "
     "went out.",
     "{\"message_id\":\"msg_2Hq8\",\"id\":\"msg_2Hq8\",\"object\":"
     "\"message\",\"to\":\"+14155550123\",\"from\":\"+14155550100\","
     "\"body\":\"Your cleaning is tomorrow at 9.\",\"purpose\":"
     "\"informational\",\"status\":\"blocked\",\"blocked\":{\"code\":"
     "\"number_opted_out\",\"detail\":\"+14155550123 opted out of sms "
     "from this business\",\"stage\":\"send\"}}"},
    {"outbound.unresolved",
     "The outcome of an outbound call or SMS could not be settled with "
     "the carrier: a call it has no record of (never placed again by us), "
     "one it cannot tell apart from another, or an action it could not be "
     "asked about in 10 tries. It stays unknown until its callback or an "
     "operator (kcctl outbound settle) settles it.",
     "{\"call_id\":\"ocall_7Tb3\",\"id\":\"ocall_7Tb3\",\"object\":"
     "\"outbound_call\",\"to\":\"+14155550123\",\"from\":"
     "\"+14155550100\",\"purpose\":\"informational\",\"status\":"
     "\"unknown\",\"carrier_sid\":null,\"error_message\":\"the carrier "
     "answered unclearly and has no record of the call: not placed again; "
     "check with the carrier\"}"},
    {"message.sent", "The carrier sent an SMS on its way.",
     "{\"message_id\":\"msg_2Hq8\",\"id\":\"msg_2Hq8\",\"object\":"
     "\"message\",\"to\":\"+14155550123\",\"from\":\"+14155550100\","
     "\"status\":\"sent\",\"carrier_sid\":"
     "\"SM0123456789abcdef0123456789abcdef\",\"carrier_status\":"
     "\"sent\"}"},
    {"message.delivered", "The carrier says an SMS reached the phone.",
     "{\"message_id\":\"msg_2Hq8\",\"id\":\"msg_2Hq8\",\"object\":"
     "\"message\",\"status\":\"delivered\",\"carrier_status\":"
     "\"delivered\"}"},
    {"message.failed",
     "An SMS failed: the carrier refused it (error_code, e.g. 21610 "
     "unsubscribed), could not deliver it, or every retry failed.",
     "{\"message_id\":\"msg_2Hq8\",\"id\":\"msg_2Hq8\",\"object\":"
     "\"message\",\"status\":\"failed\",\"carrier_status\":"
     "\"undelivered\",\"error_code\":30003}"},
    {"message.received",
     "An SMS came in to one of the business's numbers (keyword: stop, "
     "start, help or null).",
     "{\"message_sid\":\"SM0123456789abcdef0123456789abcdef\","
     "\"from\":\"+14155550123\",\"to\":\"+14155550100\",\"body\":"
     "\"STOP\",\"keyword\":\"stop\"}"},
};
const size_t kc_event_types_count =
    sizeof(kc_event_types) / sizeof(kc_event_types[0]);

static int
known(const char *s)
{
	size_t i, n;

	if (strcmp(s, "*") == 0)
		return 1;
	n = strlen(s);
	for (i = 0; i < kc_event_types_count; i++) {
		if (strcmp(s, kc_event_types[i].name) == 0)
			return 1;
		/* "call.*" is known when some type starts with "call." */
		if (n > 2 && strcmp(s + n - 2, ".*") == 0 &&
		    strncmp(kc_event_types[i].name, s, n - 1) == 0)
			return 1;
	}
	return 0;
}

int
kc_event_filter_validate(const json_t *types, const char *field,
			 struct kc_verr *e)
{
	char path[96];
	const json_t *t;
	size_t i;

	if (!json_is_array(types) || json_array_size(types) == 0 ||
	    json_array_size(types) > 64)
		return kc_verr_set(e, 422, "invalid_value", field,
				   "%s must be an array of 1 to 64 event types "
				   "(or [\"*\"])",
				   field);
	json_array_foreach(types, i, t)
	{
		snprintf(path, sizeof(path), "%s[%zu]", field, i);
		if (!json_is_string(t))
			return kc_verr_set(e, 422, "invalid_type", path,
					   "%s must be a string", path);
		if (!known(json_string_value(t)))
			return kc_verr_set(e, 422, "invalid_enum", path,
					   "%s is not an event type; see GET "
					   "/v1/event-types",
					   path);
	}
	return 0;
}

int
kc_event_filter_matches(const json_t *types, const char *type)
{
	const json_t *t;
	const char *s;
	size_t i, n;

	json_array_foreach(types, i, t)
	{
		s = json_string_value(t);
		if (s == NULL)
			continue;
		n = strlen(s);
		if (strcmp(s, "*") == 0 || strcmp(s, type) == 0 ||
		    (n > 2 && strcmp(s + n - 2, ".*") == 0 &&
		     strncmp(type, s, n - 1) == 0))
			return 1;
	}
	return 0;
}
