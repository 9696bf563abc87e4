/* The pure parts of lib/outbound/: body validation, the carrier statuses'
 * states, their order and events, the caps' arithmetic, and TwiML. */
#include "kc_outbound.h"
#include "kc_outbound_worker.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static json_t *
obj(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	cr_assert(v, "%s", text);
	return v;
}

/* The field a body is refused for (e->field), or "" when it is valid. */
static const char *
refused(enum kc_outbound_kind k, const char *text, struct kc_verr *e)
{
	json_t *v = obj(text);
	int rc = kc_outbound_validate(k, v, e);

	json_decref(v);
	if (rc == 0)
		return "";
	cr_assert_eq(e->status, 422, "%s: %d", text, e->status);
	return e->field;
}

#define MSG "\"to\":\"+12125550100\",\"from\":\"+12125550101\","

Test(outbound, message_bodies)
{
	struct kc_verr e;
	char big[8000], text[8200];
	size_t i;

	cr_assert_str_eq(
	    refused(KC_OUTBOUND_MESSAGE,
		    "{" MSG "\"body\":\"hi\",\"purpose\":\"informational\"}",
		    &e),
	    "");
	cr_assert_str_eq(
	    refused(KC_OUTBOUND_MESSAGE,
		    "{" MSG "\"body\":\"hi\",\"purpose\":\"marketing\","
		    "\"lead_id\":\"lead_abc\",\"timezone\":\"America/Denver\","
		    "\"dry_run\":true}",
		    &e),
	    "");
	/* "to" and "from" need only be short strings here: the check says
	 * whether they are numbers, and records it. */
	cr_assert_str_eq(refused(KC_OUTBOUND_MESSAGE,
				 "{\"to\":\"hello\",\"from\":\"x\",\"body\":"
				 "\"hi\",\"purpose\":\"informational\"}",
				 &e),
			 "");
	cr_assert_str_eq(refused(KC_OUTBOUND_MESSAGE,
				 "{\"to\":\"+123456789012345678901234567890"
				 "123\",\"from\":\"x\",\"body\":\"hi\","
				 "\"purpose\":\"informational\"}",
				 &e),
			 "to");
	cr_assert_str_eq(e.code, "too_long");
	cr_assert_str_eq(refused(KC_OUTBOUND_MESSAGE,
				 "{" MSG "\"purpose\":\"informational\"}", &e),
			 "body");
	cr_assert_str_eq(e.code, "missing_field");
	cr_assert_str_eq(
	    refused(KC_OUTBOUND_MESSAGE,
		    "{" MSG "\"body\":\"\",\"purpose\":\"informational\"}", &e),
	    "body");
	cr_assert_str_eq(
	    refused(KC_OUTBOUND_MESSAGE,
		    "{" MSG "\"body\":\"hi\",\"purpose\":\"spam\"}", &e),
	    "purpose");
	cr_assert_str_eq(e.code, "invalid_enum");
	cr_assert_str_eq(refused(KC_OUTBOUND_MESSAGE,
				 "{" MSG "\"body\":\"hi\",\"purpose\":"
				 "\"informational\",\"agent_id\":\"agt_x\"}",
				 &e),
			 "agent_id");
	cr_assert_str_eq(e.code, "unknown_field");
	cr_assert_str_eq(refused(KC_OUTBOUND_MESSAGE,
				 "{" MSG "\"body\":\"hi\",\"purpose\":"
				 "\"informational\",\"lead_id\":\"cns_x\"}",
				 &e),
			 "lead_id");
	cr_assert_str_eq(refused(KC_OUTBOUND_MESSAGE,
				 "{" MSG "\"body\":\"hi\",\"purpose\":"
				 "\"informational\",\"timezone\":\"Mars/"
				 "Olympus\"}",
				 &e),
			 "timezone");
	cr_assert_str_eq(refused(KC_OUTBOUND_MESSAGE,
				 "{" MSG "\"body\":\"hi\",\"purpose\":"
				 "\"informational\",\"dry_run\":1}",
				 &e),
			 "dry_run");
	cr_assert_str_eq(e.code, "invalid_type");
	/* 1600 characters, counted as characters: 1600 "é" (3200 bytes)
	 * pass, 1601 do not. */
	for (i = 0; i < 1600; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	big[3200] = '\0';
	snprintf(text, sizeof(text),
		 "{" MSG "\"body\":\"%s\",\"purpose\":\"informational\"}", big);
	cr_assert_str_eq(refused(KC_OUTBOUND_MESSAGE, text, &e), "");
	memcpy(big + 3200, "\xc3\xa9", 3);
	snprintf(text, sizeof(text),
		 "{" MSG "\"body\":\"%s\",\"purpose\":\"informational\"}", big);
	cr_assert_str_eq(refused(KC_OUTBOUND_MESSAGE, text, &e), "body");
	cr_assert_str_eq(e.code, "too_long");
}

Test(outbound, call_bodies)
{
	struct kc_verr e;
	char big[20000], text[20200];

	cr_assert_str_eq(refused(KC_OUTBOUND_CALL,
				 "{" MSG "\"agent_id\":\"agt_1\",\"purpose\":"
				 "\"informational\",\"context\":{\"a\":1}}",
				 &e),
			 "");
	cr_assert_str_eq(refused(KC_OUTBOUND_CALL,
				 "{" MSG "\"purpose\":\"informational\"}", &e),
			 "agent_id");
	cr_assert_str_eq(e.code, "missing_field");
	cr_assert_str_eq(refused(KC_OUTBOUND_CALL,
				 "{" MSG "\"agent_id\":\"lead_1\",\"purpose\":"
				 "\"informational\"}",
				 &e),
			 "agent_id");
	cr_assert_str_eq(refused(KC_OUTBOUND_CALL,
				 "{" MSG "\"agent_id\":\"agt_1\",\"purpose\":"
				 "\"informational\",\"body\":\"hi\"}",
				 &e),
			 "body");
	cr_assert_str_eq(refused(KC_OUTBOUND_CALL,
				 "{" MSG "\"agent_id\":\"agt_1\",\"purpose\":"
				 "\"informational\",\"context\":[1]}",
				 &e),
			 "context");
	memset(big, 'x', 17000);
	big[17000] = '\0';
	snprintf(text, sizeof(text),
		 "{" MSG "\"agent_id\":\"agt_1\",\"purpose\":\"informational\","
		 "\"context\":{\"notes\":\"%s\"}}",
		 big);
	cr_assert_str_eq(refused(KC_OUTBOUND_CALL, text, &e), "context");
	cr_assert_str_eq(e.code, "too_long");
}

Test(outbound, carrier_statuses_map_to_states)
{
	cr_assert_str_eq(kc_outbound_state_of(KC_OUTBOUND_MESSAGE, "queued"),
			 "accepted");
	cr_assert_str_eq(kc_outbound_state_of(KC_OUTBOUND_MESSAGE, "sent"),
			 "sent");
	cr_assert_str_eq(kc_outbound_state_of(KC_OUTBOUND_MESSAGE, "delivered"),
			 "delivered");
	cr_assert_str_eq(
	    kc_outbound_state_of(KC_OUTBOUND_MESSAGE, "undelivered"), "failed");
	cr_assert_null(kc_outbound_state_of(KC_OUTBOUND_MESSAGE, "ringing"));
	cr_assert_null(kc_outbound_state_of(KC_OUTBOUND_MESSAGE, NULL));
	cr_assert_str_eq(kc_outbound_state_of(KC_OUTBOUND_CALL, "in-progress"),
			 "in_progress");
	cr_assert_str_eq(kc_outbound_state_of(KC_OUTBOUND_CALL, "no-answer"),
			 "failed");
	cr_assert_str_eq(kc_outbound_state_of(KC_OUTBOUND_CALL, "completed"),
			 "completed");
	cr_assert_null(kc_outbound_state_of(KC_OUTBOUND_CALL, "delivered"));
}

Test(outbound, states_only_move_forward)
{
	enum kc_outbound_kind m = KC_OUTBOUND_MESSAGE, c = KC_OUTBOUND_CALL;

	cr_assert_lt(kc_outbound_state_rank(m, "queued"),
		     kc_outbound_state_rank(m, "sending"));
	cr_assert_lt(kc_outbound_state_rank(m, "accepted"),
		     kc_outbound_state_rank(m, "sent"));
	cr_assert_lt(kc_outbound_state_rank(m, "sent"),
		     kc_outbound_state_rank(m, "delivered"));
	/* The final states are one rank: nothing follows any of them. */
	cr_assert_eq(kc_outbound_state_rank(m, "delivered"),
		     kc_outbound_state_rank(m, "failed"));
	cr_assert_eq(kc_outbound_state_rank(m, "blocked"),
		     kc_outbound_state_rank(m, "failed"));
	cr_assert_lt(kc_outbound_state_rank(c, "ringing"),
		     kc_outbound_state_rank(c, "in_progress"));
	cr_assert_lt(kc_outbound_state_rank(c, "in_progress"),
		     kc_outbound_state_rank(c, "completed"));
	cr_assert_eq(kc_outbound_state_rank(c, "completed"),
		     kc_outbound_state_rank(c, "failed"));
	cr_assert_eq(kc_outbound_state_rank(c, "sent"), -1);
	cr_assert_eq(kc_outbound_state_rank(m, "ringing"), -1);
}

Test(outbound, states_have_their_events)
{
	cr_assert_str_eq(kc_outbound_state_event(KC_OUTBOUND_MESSAGE, "sent"),
			 "message.sent");
	cr_assert_str_eq(
	    kc_outbound_state_event(KC_OUTBOUND_MESSAGE, "delivered"),
	    "message.delivered");
	cr_assert_str_eq(kc_outbound_state_event(KC_OUTBOUND_MESSAGE, "failed"),
			 "message.failed");
	cr_assert_null(
	    kc_outbound_state_event(KC_OUTBOUND_MESSAGE, "accepted"));
	cr_assert_str_eq(
	    kc_outbound_state_event(KC_OUTBOUND_CALL, "in_progress"),
	    "call.started");
	cr_assert_str_eq(kc_outbound_state_event(KC_OUTBOUND_CALL, "completed"),
			 "call.ended");
	cr_assert_str_eq(kc_outbound_state_event(KC_OUTBOUND_CALL, "failed"),
			 "call.ended");
	cr_assert_null(kc_outbound_state_event(KC_OUTBOUND_CALL, "ringing"));
}

Test(outbound, caps_let_through_what_fits)
{
	cr_assert_eq(kc_outbound_allowance(10, 0, 4), 4);
	cr_assert_eq(kc_outbound_allowance(10, 8, 4), 2);
	cr_assert_eq(kc_outbound_allowance(10, 10, 4), 0);
	cr_assert_eq(kc_outbound_allowance(10, 12, 4), 0);
	cr_assert_eq(kc_outbound_allowance(10, 0, 0), 0);
}

Test(outbound, twiml_escapes_what_it_says)
{
	char *t = kc_twiml_reply(NULL);

	cr_assert_str_eq(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			    "<Response/>");
	free(t);
	t = kc_twiml_reply("Tom & Jerry's <Dental> \"24/7\"\x01!");
	cr_assert_str_eq(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			    "<Response><Message>Tom &amp; Jerry&apos;s "
			    "&lt;Dental&gt; &quot;24/7&quot;!</Message>"
			    "</Response>");
	free(t);
}

/* The carrier's error texts name the numbers; the worker's log must not
 * (the review's Low item). */
Test(outbound, logged_carrier_texts_name_no_number)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"The 'To' number +12125550123 is not a valid phone number.",
	     "The 'To' number *** is not a valid phone number."},
	    {"Invalid 'To' Phone Number: +1 (212) 555-0123",
	     "Invalid 'To' Phone Number: ***"},
	    {"'To' number 212-555-0123 is not a valid mobile number",
	     "'To' number *** is not a valid mobile number"},
	    {"Attempt to send to unsubscribed recipient",
	     "Attempt to send to unsubscribed recipient"},
	    {"HTTP 503", "HTTP 503"},
	    /* Five digits are a code, not a number; a date written
	     * like a number goes too, the price of missing none. */
	    {"error 21610 at 2026-01-02", "error 21610 at ***"},
	    {"", ""},
	};
	char out[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kc_outbound_redact(cases[i].in, out, sizeof(out));
		cr_expect_str_eq(out, cases[i].out, "%s", cases[i].in);
	}
	/* A small buffer is filled and terminated, never overrun. */
	memset(out, 'x', sizeof(out));
	kc_outbound_redact("to +12125550123 now", out, 6);
	cr_expect_str_eq(out, "to **");
}

Test(outbound, unknown_is_settled_by_any_carrier_word)
{
	cr_expect_eq(kc_outbound_state_rank(KC_OUTBOUND_MESSAGE, "unknown"),
		     kc_outbound_state_rank(KC_OUTBOUND_MESSAGE, "sending"));
	cr_expect_lt(kc_outbound_state_rank(KC_OUTBOUND_CALL, "unknown"),
		     kc_outbound_state_rank(KC_OUTBOUND_CALL, "accepted"));
}
