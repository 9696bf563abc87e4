/* Consent and the do-not-call list: each a list with search by number,
 * the national registry's load date and size, and for admins a form to
 * add and a button to revoke or remove. The forms are made into the API's
 * bodies and go through the same validation and the same lib/ functions
 * (kc_consent_create, kc_dnc_create, ...), so the audit row and the event
 * are the API's, with the user as actor. */
#include "dash.h"
#include "kc_compliance.h"
#include "kc_consent.h"
#include "kc_dnc.h"
#include "kc_id.h"
#include "kc_nanp.h"
#include "kc_registry.h"
#include "kc_time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define LIST_LIMIT 50

static const char *const channels[] = {"voice", "sms", NULL};
static const char *const kinds[] = {"express", "written", NULL};

/* The phone query, as people type it: *phone is NULL when absent or
 * empty; -1 when it is no number. */
static int
query_phone(struct kc_req *req, char *buf, size_t cap, const char **phone)
{
	const char *q = kc_query_get(req, "phone");

	*phone = NULL;
	if (q == NULL || *q == '\0')
		return 0;
	if (dash_phone(q, buf, cap) != 0)
		return -1;
	*phone = buf;
	return 0;
}

/* The state of an entry that can end (a consent revoked, a DNC entry
 * removed): its badge, with when it ended (o's ended_at) into status;
 * and, for an admin, the button that ends an active one (a POST to
 * base/ID/verb) into actions. */
static int
state_html(struct kc_req *req, const json_t *o, const char *ended_at,
	   const char *base, const char *verb, const char *label,
	   struct kc_buf *status, struct kc_buf *actions)
{
	const char *st = kc_json_str(o, "status");
	int rc = dash_badge(status, st);

	if (st && strcmp(st, "active") != 0)
		rc |= html_lit(status, "<br>") |
		      dash_time(status, json_object_get(o, ended_at));
	else if (dash_can(req, KC_ROLE_ADMIN))
		rc |= dash_button_on(req, actions, base, kc_json_str(o, "id"),
				     verb, label, "button danger");
	return rc;
}

/* Ends an entry (a POST of a state_html button) through end, the lib/
 * function the API's DELETE calls; then back to back?done=done. */
static int
end_entry(struct kc_req *req, const char *prefix,
	  int (*end)(struct kc_db *, const struct kc_actor *, long long,
		     const char *, const char *, json_t **),
	  const char *notfound, const char *back)
{
	struct kc_actor actor = dash_actor(req);
	json_t *out = NULL;
	int rc = KC_NOTFOUND;

	if (kc_id_valid(prefix, req->params[0]))
		rc = end(req->db, &actor, req->session.business_id,
			 req->session.business_public_id, req->params[0], &out);
	json_decref(out);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 404, notfound);
	if (rc != 0)
		return dash_internal(req);
	return dash_redirect(req, back);
}

/* Each list: its page, its ids' prefix (a cursor is one), the notices
 * of its changes (dash_flash), the lib/ call that lists it (with its
 * own filters and its own part of the page, the slot own, into *own;
 * KC_INVALID for a filter that is none of its choices) and its add
 * form. */
struct clist {
	struct dash_list page;
	const char *prefix;
	const char *const *done;
	int (*list)(struct kc_req *req, const char *phone, const char *after,
		    json_t **out, struct kc_buf *own);
	const char *own;
	int (*form)(struct kc_req *req, const char *error, struct kc_buf *b);
};

/* A list's page: search by number, the list, and for an admin the add
 * form (error: what was wrong with what was posted to it). */
static int
clist_page(struct kc_req *req, const struct clist *c, int status,
	   const char *error)
{
	char pbuf[24];
	const char *phone, *after = kc_query_get(req, "after");
	struct kc_buf flash, own, add;
	json_t *list = NULL;
	int rc;

	if (query_phone(req, pbuf, sizeof(pbuf), &phone) != 0)
		return dash_error(req, 400,
				  "Search for a phone number such as "
				  "+14155550123.");
	if (after && !kc_id_valid(c->prefix, after))
		return dash_error(req, 400, "That is not a page of this list.");
	kc_buf_init(&flash, 1024);
	kc_buf_init(&own, 4096);
	kc_buf_init(&add, 64 * 1024);
	rc = c->list(req, phone, after, &list, &own);
	if (rc == 0 &&
	    (dash_flash(req, c->done, &flash) |
	     (dash_can(req, KC_ROLE_ADMIN) ? c->form(req, error, &add) : 0)))
		rc = -1;
	if (rc == KC_INVALID) {
		rc = dash_error(req, 400,
				"A filter has a value that is not one of "
				"its choices.");
	} else {
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("flash", &flash),
		    DASH_TXT("phone", kc_query_get(req, "phone")),
		    DASH_SAFE_HTML(c->own, &own),
		    DASH_SAFE_HTML("add", &add),
		};
		rc = dash_list_page(req, &c->page, status, rc, list,
				    DASH_SLOTS(slots));
	}
	kc_buf_free(&flash);
	kc_buf_free(&own);
	kc_buf_free(&add);
	return rc;
}

/* --- consents ------------------------------------------------------------ */

static int
consent_row(struct kc_req *req, const json_t *c, struct kc_buf *b)
{
	const char *ev = kc_json_str(c, "evidence");
	struct kc_buf captured, status, actions, evidence;
	int rc;

	kc_buf_init(&captured, 256);
	kc_buf_init(&status, 256);
	kc_buf_init(&actions, 4096);
	kc_buf_init(&evidence, 32 * 1024);
	rc = dash_time(&captured, json_object_get(c, "captured_at")) |
	     state_html(req, c, "revoked_at", "/app/consents/", "/revoke",
			"Revoke", &status, &actions);
	if (ev && *ev)
		rc |= html_lit(&evidence, "<details><summary>Evidence</summary>"
					  "<p class=\"said\">") |
		      html_txt(&evidence, ev) |
		      html_lit(&evidence, "</p></details>");
	{
		struct dash_slot slots[] = {
		    DASH_TXT("phone", kc_json_str(c, "phone")),
		    DASH_TXT("channel", kc_json_str(c, "channel")),
		    DASH_TXT("kind", kc_json_str(c, "kind")),
		    DASH_TXT("source", kc_json_str(c, "source")),
		    DASH_SAFE_HTML("evidence", &evidence),
		    DASH_SAFE_HTML("captured", &captured),
		    DASH_SAFE_HTML("status", &status),
		    DASH_SAFE_HTML("actions", &actions),
		};
		if (rc == 0)
			rc = dash_render(req, "consents_row.html",
					 DASH_SLOTS(slots), b);
	}
	kc_buf_free(&captured);
	kc_buf_free(&status);
	kc_buf_free(&actions);
	kc_buf_free(&evidence);
	return rc;
}

/* The add form, with what was posted when it is shown again. */
static int
consent_form(struct kc_req *req, const char *error, struct kc_buf *b)
{
	int posted = req->method == KC_M_POST;
	const char *ch = posted ? kc_req_form_get(req, "channel") : "voice";
	const char *kind = posted ? kc_req_form_get(req, "kind") : "express";
	struct kc_buf err, copts, kopts;
	char now[20];
	time_t t = time(NULL);
	struct tm tm;
	size_t i;
	int rc = 0;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M", &tm) == 0)
		now[0] = '\0';
	kc_buf_init(&err, 2048);
	kc_buf_init(&copts, 1024);
	kc_buf_init(&kopts, 1024);
	rc |= dash_alert(&err, NULL, error);
	for (i = 0; channels[i]; i++)
		rc |= dash_option(&copts, channels[i],
				  i == 0 ? "voice calls" : "text messages", ch);
	for (i = 0; kinds[i]; i++)
		rc |= dash_option(&kopts, kinds[i],
				  i == 0 ? "express" : "express written", kind);
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("error", &err),
		    DASH_TXT("csrf", req->session.csrf),
		    DASH_TXT("phone",
			     posted ? kc_req_form_get(req, "phone") : ""),
		    DASH_SAFE_HTML("channel_options", &copts),
		    DASH_SAFE_HTML("kind_options", &kopts),
		    DASH_TXT("source",
			     posted ? kc_req_form_get(req, "source") : ""),
		    DASH_TXT("evidence",
			     posted ? kc_req_form_get(req, "evidence") : ""),
		    DASH_TXT("captured_at",
			     posted ? kc_req_form_get(req, "captured_at")
				    : now),
		};
		if (rc == 0)
			rc = dash_render(req, "consent_form.html",
					 DASH_SLOTS(slots), b);
	}
	kc_buf_free(&err);
	kc_buf_free(&copts);
	kc_buf_free(&kopts);
	return rc;
}

/* Consents, by number and channel; own: the channel filter's options. */
static int
consent_list(struct kc_req *req, const char *phone, const char *after,
	     json_t **out, struct kc_buf *own)
{
	const char *channel;
	int rc;

	if (dash_pick(kc_query_get(req, "channel"), channels, &channel) != 0)
		return KC_INVALID;
	rc = kc_consent_list(req->db, req->session.business_id, phone, channel,
			     after, LIST_LIMIT, out);
	if (rc == 0 && dash_options(own, "any channel", channels, channel))
		rc = -1;
	return rc;
}

static const char *const consent_done[] = {
    "granted", "The consent is recorded.", "revoked", "The consent is revoked.",
    NULL};
static const struct clist consents = {{"consents.html", "/app/consents",
				       "Consent and do-not-call", "compliance",
				       consent_row},
				      "cns",
				      consent_done,
				      consent_list,
				      "channel_options",
				      consent_form};

static int
consents_page(struct kc_req *req, int status, const char *error)
{
	return clist_page(req, &consents, status, error);
}

int
kc_d_consents(struct kc_req *req)
{
	return consents_page(req, 200, NULL);
}

int
kc_d_consent_create(struct kc_req *req)
{
	static const struct dash_field fields[] = {
	    {"phone", 32, 1, 0},      {"channel", 8, 1, 0},
	    {"kind", 16, 1, 0},       {"source", 200, 1, 0},
	    {"evidence", 4000, 0, 0}, {"captured_at", 19, 1, 0},
	};
	struct kc_actor actor = dash_actor(req);
	char phone[24], at[KC_TIME_MAX], rfc[KC_TIME_MAX];
	const char *ev = kc_req_form_get(req, "evidence"), *db_at;
	struct kc_verr e;
	json_t *in, *out = NULL;
	int rc;

	if (dash_form_check(req, fields, sizeof(fields) / sizeof(fields[0]),
			    &e) != 0)
		return consents_page(req, 422, e.msg);
	if (dash_phone(kc_req_form_get(req, "phone"), phone, sizeof(phone)) !=
	    0)
		return consents_page(req, 422,
				     "The number is not a phone number we "
				     "could call: write it as +14155550123.");
	if (dash_local_time(kc_req_form_get(req, "captured_at"), at, sizeof(at),
			    &db_at) != 0 ||
	    db_at == NULL || kc_time_from_db(at, rfc, sizeof(rfc)) != 0)
		return consents_page(req, 422,
				     "When it was given is a date and time "
				     "such as 2026-01-31T14:00.");
	in = json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", phone, "channel",
		       kc_req_form_get(req, "channel"), "kind",
		       kc_req_form_get(req, "kind"), "source",
		       kc_req_form_get(req, "source"), "captured_at", rfc);
	if (in && ev && *ev)
		json_object_set_new(in, "evidence", json_string(ev));
	if (in == NULL)
		return dash_internal(req);
	if (kc_consent_validate(in, &e) != 0) {
		json_decref(in);
		return consents_page(req, 422, e.msg);
	}
	rc = kc_consent_create(req->db, &actor, req->session.business_id,
			       req->session.business_public_id, in, &out);
	json_decref(in);
	json_decref(out);
	if (rc != 0)
		return dash_internal(req);
	return dash_redirect(req, "/app/consents?done=granted");
}

int
kc_d_consent_revoke(struct kc_req *req)
{
	return end_entry(req, "cns", kc_consent_revoke,
			 "There is no such consent.",
			 "/app/consents?done=revoked");
}

/* --- the do-not-call list --------------------------------------------------
 */

static int
registry_text(struct kc_req *req, struct kc_buf *b)
{
	json_t *r = NULL;
	int rc;

	if (kc_registry_status(req->db, &r) != 0)
		return -1;
	if (json_is_null(json_object_get(r, "version")))
		rc = html_lit(b, "Not loaded: the national registry blocks "
				 "nothing until the operator imports it.");
	else
		rc = html_txtf(b, "%lld numbers, current since ",
			       (long long)json_integer_value(
				   json_object_get(r, "numbers"))) |
		     dash_time(b, json_object_get(r, "current_since")) |
		     html_lit(b, " (file ") |
		     html_txt(b, kc_json_str(r, "file_name")) |
		     html_lit(b, ", version ") |
		     html_txtf(b, "%lld",
			       (long long)json_integer_value(
				   json_object_get(r, "version"))) |
		     html_lit(b, ").");
	json_decref(r);
	return rc;
}

static int
dnc_row(struct kc_req *req, const json_t *d, struct kc_buf *b)
{
	const json_t *ch;
	struct kc_buf created, status, actions, chans, reason;
	size_t j;
	int rc;

	kc_buf_init(&created, 256);
	kc_buf_init(&status, 256);
	kc_buf_init(&actions, 4096);
	kc_buf_init(&chans, 256);
	kc_buf_init(&reason, 256);
	rc = dash_time(&created, json_object_get(d, "created_at")) |
	     dash_words(&reason, kc_json_str(d, "reason")) |
	     state_html(req, d, "removed_at", "/app/dnc/", "/remove", "Remove",
			&status, &actions);
	json_array_foreach(json_object_get(d, "channels"), j, ch)
	{
		rc |= html_txt(&chans, j ? ", " : "") |
		      html_txt(&chans, json_string_value(ch));
	}
	{
		struct dash_slot slots[] = {
		    DASH_TXT("phone", kc_json_str(d, "phone")),
		    DASH_SAFE_HTML("channels", &chans),
		    DASH_SAFE_HTML("reason", &reason),
		    DASH_SAFE_HTML("created", &created),
		    DASH_SAFE_HTML("status", &status),
		    DASH_SAFE_HTML("actions", &actions),
		};
		if (rc == 0)
			rc = dash_render(req, "dnc_row.html", DASH_SLOTS(slots),
					 b);
	}
	kc_buf_free(&created);
	kc_buf_free(&status);
	kc_buf_free(&actions);
	kc_buf_free(&chans);
	kc_buf_free(&reason);
	return rc;
}

static int
dnc_form(struct kc_req *req, const char *error, struct kc_buf *b)
{
	static const char *const labels[] = {"the person asked", "a complaint",
					     "a legal reason",
					     "an SMS opt-out (STOP)"};
	int posted = req->method == KC_M_POST, voice = 1, sms = 1;
	const char *reason =
	    posted ? kc_req_form_get(req, "reason") : "customer_request";
	const char *picked[4];
	struct kc_buf err, ropts, on, off;
	size_t i, n;
	int rc = 0;

	if (posted) {
		n = dash_form_all(req, "channels", picked, 4);
		for (voice = sms = 0, i = 0; i < n; i++) {
			voice |= strcmp(picked[i], "voice") == 0;
			sms |= strcmp(picked[i], "sms") == 0;
		}
	}
	kc_buf_init(&err, 2048);
	kc_buf_init(&ropts, 2048);
	kc_buf_init(&on, 16);
	kc_buf_init(&off, 16);
	rc |= dash_alert(&err, NULL, error) | html_lit(&on, " checked") |
	      html_lit(&off, "");
	for (i = 0; kc_dnc_reasons[i] && i < 4; i++)
		rc |= dash_option(&ropts, kc_dnc_reasons[i], labels[i], reason);
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("error", &err),
		    DASH_TXT("csrf", req->session.csrf),
		    DASH_TXT("phone",
			     posted ? kc_req_form_get(req, "phone") : ""),
		    DASH_SAFE_HTML("voice_checked", voice ? &on : &off),
		    DASH_SAFE_HTML("sms_checked", sms ? &on : &off),
		    DASH_SAFE_HTML("reason_options", &ropts),
		};
		if (rc == 0)
			rc = dash_render(req, "dnc_form.html",
					 DASH_SLOTS(slots), b);
	}
	kc_buf_free(&err);
	kc_buf_free(&ropts);
	kc_buf_free(&on);
	kc_buf_free(&off);
	return rc;
}

/* The business's list, by number; own: the national registry's state. */
static int
dnc_list(struct kc_req *req, const char *phone, const char *after, json_t **out,
	 struct kc_buf *own)
{
	int rc = kc_dnc_list(req->db, req->session.business_id, phone, after,
			     LIST_LIMIT, out);

	if (rc == 0 && registry_text(req, own) != 0)
		rc = -1;
	return rc;
}

static const char *const dnc_done[] = {"added", "The number is on the list.",
				       "removed", "The number is off the list.",
				       NULL};
static const struct clist dnc = {
    {"dnc.html", "/app/dnc", "Consent and do-not-call", "compliance", dnc_row},
    "dnc",
    dnc_done,
    dnc_list,
    "registry",
    dnc_form};

static int
dnc_page(struct kc_req *req, int status, const char *error)
{
	return clist_page(req, &dnc, status, error);
}

int
kc_d_dnc(struct kc_req *req)
{
	return dnc_page(req, 200, NULL);
}

int
kc_d_dnc_create(struct kc_req *req)
{
	static const struct dash_field fields[] = {
	    {"phone", 32, 1, 0},
	    {"channels", 8, 1, 1},
	    {"reason", 32, 1, 0},
	};
	struct kc_actor actor = dash_actor(req);
	const char *picked[4];
	char phone[24];
	struct kc_verr e;
	json_t *in, *chans, *out = NULL;
	size_t i, n;
	int rc;

	if (dash_form_check(req, fields, sizeof(fields) / sizeof(fields[0]),
			    &e) != 0)
		return dnc_page(req, 422,
				strcmp(e.field, "channels") == 0
				    ? "Pick calls, texts or both."
				    : e.msg);
	if (dash_phone(kc_req_form_get(req, "phone"), phone, sizeof(phone)) !=
	    0)
		return dnc_page(req, 422,
				"The number is not a phone number we could "
				"call: write it as +14155550123.");
	n = dash_form_all(req, "channels", picked, 4);
	if ((chans = json_array()) == NULL)
		return dash_internal(req);
	for (i = 0; i < n; i++)
		json_array_append_new(chans, json_string(picked[i]));
	in = json_pack("{s:s, s:o, s:s}", "phone", phone, "channels", chans,
		       "reason", kc_req_form_get(req, "reason"));
	if (in == NULL)
		return dash_internal(req);
	if (kc_dnc_validate(in, &e) != 0) {
		json_decref(in);
		return dnc_page(req, 422, e.msg);
	}
	rc = kc_dnc_create(req->db, &actor, req->session.business_id,
			   req->session.business_public_id, in, &out);
	json_decref(in);
	json_decref(out);
	if (rc == KC_CONFLICT)
		return dnc_page(req, 409,
				"This number has opted out by text already.");
	if (rc != 0)
		return dash_internal(req);
	return dash_redirect(req, "/app/dnc?done=added");
}

int
kc_d_dnc_remove(struct kc_req *req)
{
	return end_entry(req, "dnc", kc_dnc_remove, "There is no such entry.",
			 "/app/dnc?done=removed");
}
