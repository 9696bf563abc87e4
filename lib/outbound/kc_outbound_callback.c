/* The carrier's callbacks: status callbacks move an action through its
 * states and emit its events; inbound SMS emit message.received and apply
 * the keywords. The caller (cgi/carrier_twilio.c) has checked the
 * X-Twilio-Signature; here each callback is taken once per carrier SID and
 * status (carrier_callbacks), so a repeat changes nothing. */
#include "kc_outbound.h"
#include "kc_buf.h"
#include "kc_business.h"
#include "kc_event.h"
#include "kc_log.h"
#include "kc_nanp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *carrier, *state;
} message_map[] =
    {
	{"queued", "accepted"},    {"accepted", "accepted"},
	{"scheduled", "accepted"}, {"sending", "accepted"},
	{"sent", "sent"},          {"delivered", "delivered"},
	{"read", "delivered"},     {"failed", "failed"},
	{"undelivered", "failed"}, {"canceled", "failed"},
},
  call_map[] = {
      {"queued", "accepted"},     {"initiated", "accepted"},
      {"ringing", "ringing"},     {"in-progress", "in_progress"},
      {"completed", "completed"}, {"busy", "failed"},
      {"no-answer", "failed"},    {"failed", "failed"},
      {"canceled", "failed"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *
kc_outbound_state_of(enum kc_outbound_kind k, const char *carrier_status)
{
	size_t i;

	if (carrier_status == NULL)
		return NULL;
	if (k == KC_OUTBOUND_CALL) {
		for (i = 0; i < N(call_map); i++)
			if (strcmp(call_map[i].carrier, carrier_status) == 0)
				return call_map[i].state;
	} else {
		for (i = 0; i < N(message_map); i++)
			if (strcmp(message_map[i].carrier, carrier_status) == 0)
				return message_map[i].state;
	}
	return NULL;
}

int
kc_outbound_state_rank(enum kc_outbound_kind k, const char *state)
{
	/* In order of life; the last line of each is final. "unknown"
	 * (sent, its outcome not known) is where "sending" is: any word
	 * of the carrier's settles it. */
	static const char *const calls[][3] = {
	    {"queued"},      {"sending", "unknown"},
	    {"accepted"},    {"ringing"},
	    {"in_progress"}, {"completed", "failed", "blocked"},
	};
	static const char *const messages[][3] = {
	    {"queued"},
	    {"sending", "unknown"},
	    {"accepted"},
	    {"sent"},
	    {"delivered", "failed", "blocked"},
	};
	size_t i, j, n = k == KC_OUTBOUND_CALL ? N(calls) : N(messages);

	if (state == NULL)
		return -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < 3; j++) {
			const char *s = k == KC_OUTBOUND_CALL ? calls[i][j]
							      : messages[i][j];

			if (s && strcmp(s, state) == 0)
				return (int)i;
		}
	return -1;
}

const char *
kc_outbound_state_event(enum kc_outbound_kind k, const char *state)
{
	if (state == NULL)
		return NULL;
	if (k == KC_OUTBOUND_CALL) {
		if (strcmp(state, "in_progress") == 0)
			return "call.started";
		if (strcmp(state, "completed") == 0 ||
		    strcmp(state, "failed") == 0)
			return "call.ended";
		return NULL;
	}
	if (strcmp(state, "sent") == 0)
		return "message.sent";
	if (strcmp(state, "delivered") == 0)
		return "message.delivered";
	if (strcmp(state, "failed") == 0)
		return "message.failed";
	return NULL;
}

/* A non-negative integer parameter, or -1 when absent or not one. */
static long long
form_uint(const struct kc_form *f, const char *name)
{
	const char *s = kc_form_get(f, name);
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 4294967295LL)
		return -1;
	return v;
}

static struct kc_param
p_uint(long long v)
{
	return v >= 0 ? kc_p_int(v) : kc_p_str(NULL);
}

/* Takes the callback (sid, status) once: *fresh is 0 when it was taken
 * before. */
static int
take_once(struct kc_db *db, const char *sid, const char *status,
	  long long business_id, int *fresh)
{
	unsigned long long n = 0;

	if (kc_db_exec(
		db, KC_SQL_CARRIER_CALLBACK_INSERT,
		KC_ARGS(kc_p_str(sid), kc_p_str(status),
			business_id ? kc_p_int(business_id) : kc_p_str(NULL)),
		&n, NULL) != 0)
		return -1;
	*fresh = n > 0;
	return 0;
}

/* Moves the locked action (row r of OUTBOUND_LOCK_PUBLIC) to state. */
static int
advance(struct kc_db *db, enum kc_outbound_kind k, const struct kc_rows *r,
	const char *public_id, const char *state, const char *sid,
	const char *carrier_status, const struct kc_form *f)
{
	long long id = kc_rows_int(r, 0, 0), biz = kc_rows_int(r, 0, 1);
	long long code = form_uint(f, "ErrorCode");
	long long duration =
	    k == KC_OUTBOUND_CALL ? form_uint(f, "CallDuration") : -1;
	int final = kc_outbound_state_rank(k, state) ==
		    kc_outbound_state_rank(k, "failed");
	struct kc_actor actor = {"system", "carrier", sid};
	char action[48];
	json_t *a = NULL, *before = NULL, *after = NULL;
	int rc = -1;

	if (kc_db_exec(db, KC_SQL_OUTBOUND_STATUS,
		       KC_ARGS(kc_p_str(state), kc_p_str(sid),
			       kc_p_str(carrier_status), p_uint(code),
			       kc_p_str(NULL), p_uint(duration),
			       kc_p_int(strcmp(state, "in_progress") == 0),
			       kc_p_int(final), kc_p_int(biz), kc_p_int(id)),
		       NULL, NULL) != 0 ||
	    kc_outbound_get(db, biz, k, public_id, &a) != 0)
		goto out;
	snprintf(action, sizeof(action), "%s.%s",
		 k == KC_OUTBOUND_CALL ? "outbound_call" : "message", state);
	before = json_pack("{s:s}", "status", kc_rows_get(r, 0, 4));
	after =
	    json_pack("{s:s, s:s, s:s, s:o}", "status", state, "carrier_status",
		      carrier_status, "carrier_sid", sid, "error_code",
		      code >= 0 ? json_integer(code) : json_null());
	if (before == NULL || after == NULL)
		goto out;
	rc = kc_outbound_record(db, biz, kc_rows_get(r, 0, 2), &actor, k,
				public_id, action, before, after,
				kc_outbound_state_event(k, state), a);
out:
	json_decref(a);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
kc_outbound_status_callback(struct kc_db *db, enum kc_outbound_kind k,
			    const char *public_id, const struct kc_form *f,
			    int *changed)
{
	int call = k == KC_OUTBOUND_CALL, fresh = 0, rc = -1;
	const char *sid = kc_form_get(f, call ? "CallSid" : "MessageSid");
	const char *st = kc_form_get(f, call ? "CallStatus" : "MessageStatus");
	const char *state, *mine;
	struct kc_rows *r = NULL;

	*changed = 0;
	if (sid == NULL || *sid == '\0' || strlen(sid) > 64 || st == NULL ||
	    *st == '\0' || strlen(st) > 32)
		return KC_INVALID;
	if (kc_db_begin(db) != 0)
		return -1;
	if (kc_db_query(db, KC_SQL_OUTBOUND_LOCK_PUBLIC,
			KC_ARGS(kc_p_str(public_id)), &r) != 0)
		goto fail;
	if (r->nrows == 0 ||
	    strcmp(kc_rows_get(r, 0, 3), kc_outbound_kind_name(k)) != 0) {
		rc = KC_NOTFOUND;
		goto fail;
	}
	if (take_once(db, sid, st, kc_rows_int(r, 0, 1), &fresh) != 0)
		goto fail;
	if (!fresh) {
		rc = 0; /* a repeat: nothing more to do, nothing written */
		goto fail;
	}
	mine = kc_rows_get(r, 0, 5);
	state = kc_outbound_state_of(k, st);
	if (mine && strcmp(mine, sid) != 0)
		kc_warn("%s: a callback of %s, not the action's %s: ignored",
			public_id, sid, mine);
	else if (state == NULL)
		kc_warn("%s: unknown carrier status '%s': ignored", public_id,
			st);
	else if (kc_outbound_state_rank(k, state) >
		 kc_outbound_state_rank(k, kc_rows_get(r, 0, 4))) {
		if (advance(db, k, r, public_id, state, sid, st, f) != 0)
			goto fail;
		*changed = 1;
	}
	kc_rows_free(r);
	/* The callback is kept even when it moved nothing, so that its
	 * repeat is known as one. */
	if (kc_db_commit(db) != 0) {
		kc_db_rollback(db);
		*changed = 0;
		return -1;
	}
	return 0;
fail:
	kc_db_rollback(db);
	kc_rows_free(r);
	return rc;
}

/* --- inbound SMS ---------------------------------------------------------- */

char *
kc_twiml_reply(const char *text)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
	struct kc_buf b;
	const char *p;
	char *out;
	int rc = 0;

	kc_buf_init(&b, 64 * 1024);
	rc |= kc_buf_puts(&b, head);
	if (text == NULL) {
		rc |= kc_buf_puts(&b, "<Response/>");
	} else {
		rc |= kc_buf_puts(&b, "<Response><Message>");
		for (p = text; *p; p++) {
			unsigned char c = (unsigned char)*p;

			if (c == '&')
				rc |= kc_buf_puts(&b, "&amp;");
			else if (c == '<')
				rc |= kc_buf_puts(&b, "&lt;");
			else if (c == '>')
				rc |= kc_buf_puts(&b, "&gt;");
			else if (c == '"')
				rc |= kc_buf_puts(&b, "&quot;");
			else if (c == '\'')
				rc |= kc_buf_puts(&b, "&apos;");
			/* XML 1.0 has no other control characters. */
			else if (c >= 0x20 || c == '\t' || c == '\n' ||
				 c == '\r')
				rc |= kc_buf_putc(&b, (char)c);
		}
		rc |= kc_buf_puts(&b, "</Message></Response>");
	}
	if (rc != 0 || (out = strndup(b.data, b.len)) == NULL) {
		kc_buf_free(&b);
		return NULL;
	}
	kc_buf_free(&b);
	return out;
}

static const char *
keyword_name(enum kc_sms_keyword kw)
{
	switch (kw) {
	case KC_SMS_KEYWORD_STOP:
		return "stop";
	case KC_SMS_KEYWORD_START:
		return "start";
	case KC_SMS_KEYWORD_HELP:
		return "help";
	case KC_SMS_KEYWORD_NONE:
		break;
	}
	return NULL;
}

/* What the keyword answers (a repeat answers the same). STOP and START
 * from a sender that is no number we could text changed nothing, and say
 * nothing. */
static int
reply_text(struct kc_db *db, long long business_id, const char *name,
	   enum kc_sms_keyword kw, int dialable, char *out, size_t cap)
{
	switch (kw) {
	case KC_SMS_KEYWORD_STOP:
		if (!dialable)
			return 0; /* nothing was opted out: say nothing */
		snprintf(out, cap,
			 "%s: you are unsubscribed and will get no more texts "
			 "from us. Reply START to resubscribe.",
			 name);
		return 1;
	case KC_SMS_KEYWORD_START:
		if (!dialable)
			return 0;
		snprintf(out, cap,
			 "%s: you are resubscribed. Reply STOP to unsubscribe, "
			 "HELP for help.",
			 name);
		return 1;
	case KC_SMS_KEYWORD_HELP:
		return kc_compliance_help_text(db, business_id, out, cap) == 0
			   ? 1
			   : -1;
	case KC_SMS_KEYWORD_NONE:
		break;
	}
	return 0;
}

/* message.received and the keyword's change, in one transaction. */
static int
receive(struct kc_db *db, long long business_id, const char *business_pub,
	const char *sid, const char *from, const char *to, const char *body,
	enum kc_sms_keyword kw)
{
	json_t *data = NULL;
	int fresh = 0, changed = 0, rc = -1;

	if (kc_db_begin(db) != 0)
		return -1;
	if (take_once(db, sid, "received", business_id, &fresh) != 0)
		goto out;
	if (!fresh) {
		kc_db_rollback(db);
		return 0;
	}
	data = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "message_sid", sid,
			 "from", from, "to", to, "body", body, "keyword",
			 keyword_name(kw));
	if (data == NULL ||
	    kc_event_emit(db, business_id, business_pub, "message.received",
			  data, 0, NULL, NULL) != 0)
		goto out;
	/* A sender that is not a number we could text (a short code) has
	 * nothing to opt out of. */
	if (kw == KC_SMS_KEYWORD_STOP && kc_phone_dialable(from) &&
	    kc_compliance_opt_out(db, business_id, business_pub, from, sid,
				  &changed) != 0)
		goto out;
	if (kw == KC_SMS_KEYWORD_START && kc_phone_dialable(from) &&
	    kc_compliance_opt_in(db, business_id, business_pub, from, sid,
				 &changed) != 0)
		goto out;
	rc = kc_db_commit(db);
out:
	if (rc != 0)
		kc_db_rollback(db);
	json_decref(data);
	return rc;
}

int
kc_outbound_inbound_sms(struct kc_db *db, const struct kc_form *f, char **twiml)
{
	const char *sid = kc_form_get(f, "MessageSid");
	const char *from = kc_form_get(f, "From"), *to = kc_form_get(f, "To");
	const char *body = kc_form_get(f, "Body");
	enum kc_sms_keyword kw;
	struct kc_rows *r = NULL;
	char text[400];
	int has;

	*twiml = NULL;
	if (sid == NULL || *sid == '\0' || strlen(sid) > 64 || from == NULL ||
	    to == NULL)
		return KC_INVALID;
	if (body == NULL)
		body = "";
	if (kc_db_query(db, KC_SQL_OUTBOUND_NUMBER_OWNER, KC_ARGS(kc_p_str(to)),
			&r) != 0)
		return -1;
	if (r->nrows == 0) {
		kc_info("inbound SMS %s to %s, a number of nobody's: ignored",
			sid, to);
		kc_rows_free(r);
		*twiml = kc_twiml_reply(NULL);
		return *twiml ? 0 : -1;
	}
	kw = kc_sms_keyword(body, strlen(body));
	if (receive(db, kc_rows_int(r, 0, 0), kc_rows_get(r, 0, 1), sid, from,
		    to, body, kw) != 0 ||
	    (has =
		 reply_text(db, kc_rows_int(r, 0, 0), kc_rows_get(r, 0, 2), kw,
			    kc_phone_dialable(from), text, sizeof(text))) < 0) {
		kc_rows_free(r);
		return -1;
	}
	kc_rows_free(r);
	*twiml = kc_twiml_reply(has ? text : NULL);
	return *twiml ? 0 : -1;
}
