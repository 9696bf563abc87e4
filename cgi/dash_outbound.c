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
		const char *detail =
		    json_string_value(json_object_get(c, "detail"));

		rc |= html_lit(b, "<li>") |
		      dash_badge(
			  b, json_string_value(json_object_get(c, "outcome"))) |
		      html_lit(b, " <code>") |
		      html_txt(b,
			       json_string_value(json_object_get(c, "check"))) |
		      html_lit(b, "</code>");
		if (detail && *detail)
			rc |= html_lit(b, ": ") | html_txt(b, detail);
		rc |= html_lit(b, "</li>");
	}
	rc |= html_lit(b, "</ul>");
	return rc;
}

static int
action_rows(struct kc_req *req, const json_t *list, struct kc_buf *b)
{
	const json_t *a;
	struct kc_buf created, status, result, details, purpose;
	size_t i;
	int rc = 0;

	kc_buf_init(&created, 256);
	kc_buf_init(&status, 256);
	kc_buf_init(&result, 4096);
	kc_buf_init(&details, 256 * 1024);
	kc_buf_init(&purpose, 256);
	json_array_foreach(json_object_get(list, "data"), i, a)
	{
		const json_t *blocked = json_object_get(a, "blocked");
		const char *body =
		    json_string_value(json_object_get(a, "body"));
		const char *err =
		    json_string_value(json_object_get(a, "error_message"));

		kc_buf_reset(&created);
		kc_buf_reset(&status);
		kc_buf_reset(&result);
		kc_buf_reset(&details);
		kc_buf_reset(&purpose);
		rc |= dash_time(&created, json_object_get(a, "created_at")) |
		      dash_badge(&status, json_string_value(
					      json_object_get(a, "status"))) |
		      dash_words(&purpose, json_string_value(
					       json_object_get(a, "purpose")));
		if (json_is_object(blocked)) {
			const char *detail = json_string_value(
			    json_object_get(blocked, "detail"));
			const char *stage = json_string_value(
			    json_object_get(blocked, "stage"));

			rc |= html_lit(&result, "<p class=\"blocked\">"
						"<strong>Blocked</strong> "
						"<code>") |
			      html_txt(&result,
				       json_string_value(
					   json_object_get(blocked, "code"))) |
			      html_lit(&result, "</code>");
			if (detail && *detail)
				rc |= html_lit(&result, ": ") |
				      html_txt(&result, detail);
			rc |= html_txt(&result,
				       stage && strcmp(stage, "send") == 0
					   ? " (when it was to be sent)"
					   : " (when it was asked for)") |
			      html_lit(&result, "</p>");
		} else {
			rc |= html_lit(&result, "<p>Every check passed.</p>");
		}
		if (err)
			rc |= html_lit(&result, "<p>The carrier: ") |
			      html_txt(&result, err) |
			      html_lit(&result, "</p>");
		rc |= html_lit(&details, "<details><summary>Every check"
					 "</summary>") |
		      check_list(&details, "When it was asked for",
				 json_object_get(a, "checks")) |
		      check_list(&details, "When it was to be sent",
				 json_object_get(a, "send_checks"));
		if (body)
			rc |= html_lit(&details, "<p class=\"checks-title\">"
						 "The text</p><p "
						 "class=\"said\">") |
			      html_txt(&details, body) |
			      html_lit(&details, "</p>");
		rc |= html_lit(&details, "</details>");
		{
			struct dash_slot slots[] = {
			    DASH_TXT("id", json_string_value(
					       json_object_get(a, "id"))),
			    DASH_SAFE_HTML("created", &created),
			    DASH_TXT("to", json_string_value(
					       json_object_get(a, "to"))),
			    DASH_TXT("from", json_string_value(
						 json_object_get(a, "from"))),
			    DASH_SAFE_HTML("purpose", &purpose),
			    DASH_SAFE_HTML("status", &status),
			    DASH_SAFE_HTML("result", &result),
			    DASH_SAFE_HTML("details", &details),
			};
			if (rc == 0)
				rc = dash_render(req, "outbound_row.html",
						 DASH_SLOTS(slots), b);
		}
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
	const char *kind, *status, *after = kc_query_get(req, "after");
	const char *to_q = kc_query_get(req, "to"), *to = NULL;
	const char *const *states;
	enum kc_outbound_kind k;
	struct kc_buf content, rows, more, sopts, yes, no;
	char to_buf[24];
	json_t *list = NULL;
	size_t i;
	int rc;

	if (dash_pick(kc_query_get(req, "kind"), kinds, &kind) != 0)
		return dash_error(req, 400, "There is no such list.");
	k = kind && strcmp(kind, "messages") == 0 ? KC_OUTBOUND_MESSAGE
						  : KC_OUTBOUND_CALL;
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
	if (rc == KC_NOTFOUND)
		return dash_error(req, 400, "That is not a page of this list.");
	if (rc != 0)
		return dash_internal(req);
	kc_buf_init(&content, 4 * 1024 * 1024);
	kc_buf_init(&rows, 4 * 1024 * 1024);
	kc_buf_init(&more, 4096);
	kc_buf_init(&sopts, 2048);
	kc_buf_init(&yes, 64);
	kc_buf_init(&no, 16);
	rc = html_lit(&yes, " aria-current=\"page\"") | html_lit(&no, "") |
	     dash_option(&sopts, "", "any status", status);
	for (i = 0; states[i]; i++)
		rc |= dash_option(&sopts, states[i], states[i], status);
	rc |= action_rows(req, list, &rows) |
	      dash_pager(req, "/app/outbound", list, &more);
	{
		int calls = k == KC_OUTBOUND_CALL;
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("calls_current", calls ? &yes : &no),
		    DASH_SAFE_HTML("messages_current", calls ? &no : &yes),
		    DASH_TXT("kind", calls ? "calls" : "messages"),
		    DASH_SAFE_HTML("status_options", &sopts),
		    DASH_TXT("to", to_q),
		    DASH_TXT("label", calls ? "Outbound calls, newest first"
					    : "Messages, newest first"),
		    DASH_TXT("noun", calls ? "Call" : "Message"),
		    DASH_SAFE_HTML("rows", &rows),
		    DASH_SAFE_HTML("more", &more),
		};
		if (rc == 0)
			rc = dash_render(req, "outbound.html",
					 DASH_SLOTS(slots), &content);
	}
	rc = rc == 0 ? dash_page(req, 200, "Outbound", "outbound", &content, 0)
		     : dash_internal(req);
	json_decref(list);
	kc_buf_free(&content);
	kc_buf_free(&rows);
	kc_buf_free(&more);
	kc_buf_free(&sopts);
	kc_buf_free(&yes);
	kc_buf_free(&no);
	return rc;
}
