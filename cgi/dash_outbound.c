/* Outbound: the recent calls and messages (lib/outbound/), each with the
 * compliance check it was given when queued and again when sent, and for
 * a blocked one the check that stopped it and why. Read only: outbound
 * actions are made through the API. */
#include "dash.h"
#include "kc_id.h"
#include "kc_outbound.h"

#include <string.h>

#define LIST_LIMIT 50

/* One run of the checks as a list: outcome, check, and its sentence. */
static int
check_list(struct kc_buf *b, const char *title, const json_t *checks)
{
	const json_t *c;
	size_t i;
	int rc = 0;

	if (json_array_size(checks) == 0)
		return 0;
	rc |= html_lit(b, "<p class=\"checks-title\">") | html_txt(b, title) |
	      html_lit(b, "</p><ul class=\"checklist\">");
	json_array_foreach(checks, i, c)
	{
		const char *detail = kc_json_str(c, "detail");

		rc |= html_lit(b, "<li>") |
		      dash_badge(b, kc_json_str(c, "outcome")) |
		      html_lit(b, " <code>") |
		      html_txt(b, kc_json_str(c, "check")) |
		      html_lit(b, "</code>");
		if (detail && *detail)
			rc |= html_lit(b, ": ") | html_txt(b, detail);
		rc |= html_lit(b, "</li>");
	}
	rc |= html_lit(b, "</ul>");
	return rc;
}

/* Whether it went, or which check stopped it and when; and the
 * carrier's error, if any. */
static int
result_html(const json_t *a, struct kc_buf *b)
{
	const json_t *blocked = json_object_get(a, "blocked");
	const char *detail = kc_json_str(blocked, "detail");
	const char *stage = kc_json_str(blocked, "stage");
	const char *err = kc_json_str(a, "error_message");
	int rc;

	if (!json_is_object(blocked))
		rc = html_lit(b, "<p>Every check passed.</p>");
	else
		rc =
		    html_lit(b, "<p class=\"blocked\"><strong>Blocked</strong> "
				"<code>") |
		    html_txt(b, kc_json_str(blocked, "code")) |
		    html_lit(b, "</code>") |
		    (detail && *detail ? html_lit(b, ": ") | html_txt(b, detail)
				       : 0) |
		    html_txt(b, stage && strcmp(stage, "send") == 0
				    ? " (when it was to be sent)"
				    : " (when it was asked for)") |
		    html_lit(b, "</p>");
	if (err)
		rc |= html_lit(b, "<p>The carrier: ") | html_txt(b, err) |
		      html_lit(b, "</p>");
	return rc;
}

static int
action_row(struct kc_req *req, const json_t *a, struct kc_buf *b)
{
	const char *body = kc_json_str(a, "body");
	struct kc_buf created, status, result, details, purpose;
	int rc;

	kc_buf_init(&created, 256);
	kc_buf_init(&status, 256);
	kc_buf_init(&result, 4096);
	kc_buf_init(&details, 256 * 1024);
	kc_buf_init(&purpose, 256);
	rc = dash_time(&created, json_object_get(a, "created_at")) |
	     dash_badge(&status, kc_json_str(a, "status")) |
	     dash_words(&purpose, kc_json_str(a, "purpose")) |
	     result_html(a, &result) |
	     html_lit(&details, "<details><summary>Every check</summary>") |
	     check_list(&details, "When it was asked for",
			json_object_get(a, "checks")) |
	     check_list(&details, "When it was to be sent",
			json_object_get(a, "send_checks"));
	if (body)
		rc |=
		    html_lit(&details, "<p class=\"checks-title\">The text</p>"
				       "<p class=\"said\">") |
		    html_txt(&details, body) | html_lit(&details, "</p>");
	rc |= html_lit(&details, "</details>");
	{
		struct dash_slot slots[] = {
		    DASH_TXT("id", kc_json_str(a, "id")),
		    DASH_SAFE_HTML("created", &created),
		    DASH_TXT("to", kc_json_str(a, "to")),
		    DASH_TXT("from", kc_json_str(a, "from")),
		    DASH_SAFE_HTML("purpose", &purpose),
		    DASH_SAFE_HTML("status", &status),
		    DASH_SAFE_HTML("result", &result),
		    DASH_SAFE_HTML("details", &details),
		};
		if (rc == 0)
			rc = dash_render(req, "outbound_row.html",
					 DASH_SLOTS(slots), b);
	}
	kc_buf_free(&created);
	kc_buf_free(&status);
	kc_buf_free(&result);
	kc_buf_free(&details);
	kc_buf_free(&purpose);
	return rc;
}

int
kc_d_outbound(struct kc_req *req)
{
	static const char *const kinds[] = {"calls", "messages", NULL};
	static const struct dash_list page = {"outbound.html", "/app/outbound",
					      "Outbound", "outbound",
					      action_row};
	const char *kind, *status, *after = kc_query_get(req, "after");
	const char *to_q = kc_query_get(req, "to"), *to = NULL;
	const char *const *states;
	enum kc_outbound_kind k;
	struct kc_buf sopts;
	char to_buf[24];
	json_t *list = NULL;
	int rc, calls;

	if (dash_pick(kc_query_get(req, "kind"), kinds, &kind) != 0)
		return dash_error(req, 400, "There is no such list.");
	k = kind && strcmp(kind, "messages") == 0 ? KC_OUTBOUND_MESSAGE
						  : KC_OUTBOUND_CALL;
	calls = k == KC_OUTBOUND_CALL;
	states = kc_outbound_states(k);
	if (to_q && *to_q) {
		if (dash_phone(to_q, to_buf, sizeof(to_buf)) != 0)
			return dash_error(req, 400,
					  "Filter by a phone number such as "
					  "+14155550123.");
		to = to_buf;
	}
	if (dash_pick(kc_query_get(req, "status"), states, &status) != 0 ||
	    (after && !kc_id_valid(kc_outbound_id_prefix(k), after)))
		return dash_error(req, 400,
				  "A filter has a value that is not one of "
				  "its choices.");
	rc = kc_outbound_list(req->db, req->session.business_id, k, status, to,
			      NULL, after, LIST_LIMIT, &list);
	kc_buf_init(&sopts, 2048);
	if (rc == 0 && dash_options(&sopts, "any status", states, status))
		rc = -1;
	{
		struct dash_slot slots[] = {
		    DASH_TXT("calls_current", calls ? "page" : "false"),
		    DASH_TXT("messages_current", calls ? "false" : "page"),
		    DASH_TXT("kind", calls ? "calls" : "messages"),
		    DASH_SAFE_HTML("status_options", &sopts),
		    DASH_TXT("to", to_q),
		    DASH_TXT("label", calls ? "Outbound calls, newest first"
					    : "Messages, newest first"),
		    DASH_TXT("noun", calls ? "Call" : "Message"),
		};
		rc = dash_list_page(req, &page, 200, rc, list,
				    DASH_SLOTS(slots));
	}
	kc_buf_free(&sopts);
	return rc;
}
