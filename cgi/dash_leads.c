/* Leads and follow-ups: the lists with their filters, and one lead with
 * its notes and its follow-ups. Names, emails and notes are the caller's
 * words and show as text. */
#include "dash.h"
#include "kc_followup.h"
#include "kc_id.h"
#include "kc_lead.h"
#include "kc_time.h"

#include <stdio.h>
#include <string.h>

#define LIST_LIMIT 50

/* A link to the call a lead came from, or "—". */
static int
call_link(struct kc_buf *b, const char *call)
{
	if (call == NULL)
		return html_lit(b, "—");
	return html_lit(b, "<a class=\"mono\" href=\"/app/calls/") |
	       html_url_arg(b, call) | html_lit(b, "\">") | html_txt(b, call) |
	       html_lit(b, "</a>");
}

static const char *
or_dash(const char *s)
{
	return s && *s ? s : "—";
}

static int
lead_rows(struct kc_req *req, const json_t *list, struct kc_buf *b)
{
	const json_t *l;
	struct kc_buf created, call;
	size_t i;
	int rc = 0;

	kc_buf_init(&created, 256);
	kc_buf_init(&call, 512);
	json_array_foreach(json_object_get(list, "data"), i, l)
	{
		const char *id = json_string_value(json_object_get(l, "id"));
		const char *name =
		    json_string_value(json_object_get(l, "name"));

		kc_buf_reset(&created);
		kc_buf_reset(&call);
		rc |=
		    dash_time(&created, json_object_get(l, "created_at")) |
		    call_link(&call,
			      json_string_value(json_object_get(l, "call_id")));
		{
			struct dash_slot slots[] = {
			    DASH_URL("id_url", id),
			    /* A lead without a name still needs a link. */
			    DASH_TXT("name",
				     name && *name ? name : "(no name)"),
			    DASH_TXT("phone", json_string_value(
						  json_object_get(l, "phone"))),
			    DASH_TXT("email",
				     or_dash(json_string_value(
					 json_object_get(l, "email")))),
			    DASH_TXT("intent",
				     json_string_value(
					 json_object_get(l, "intent"))),
			    DASH_SAFE_HTML("created", &created),
			    DASH_SAFE_HTML("call", &call),
			};
			if (rc == 0)
				rc = dash_render(req, "leads_row.html",
						 DASH_SLOTS(slots), b);
		}
	}
	kc_buf_free(&created);
	kc_buf_free(&call);
	return rc;
}

int
kc_d_leads(struct kc_req *req)
{
	char since[KC_TIME_MAX];
	const char *s, *after = kc_query_get(req, "after");
	struct kc_buf content, rows, more;
	json_t *list = NULL;
	int rc;

	if ((after && !kc_id_valid("lead", after)) ||
	    dash_local_time(kc_query_get(req, "since"), since, sizeof(since),
			    &s) != 0)
		return dash_error(req, 400,
				  "A filter has a value that is not one of "
				  "its choices.");
	rc = kc_lead_list(req->db, req->session.business_id, s, after,
			  LIST_LIMIT, &list);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 400, "That is not a page of this list.");
	if (rc != 0)
		return dash_internal(req);
	kc_buf_init(&content, 1024 * 1024);
	kc_buf_init(&rows, 1024 * 1024);
	kc_buf_init(&more, 4096);
	rc = lead_rows(req, list, &rows) |
	     dash_pager(req, "/app/leads", list, &more);
	{
		struct dash_slot slots[] = {
		    DASH_TXT("since", kc_query_get(req, "since")),
		    DASH_SAFE_HTML("rows", &rows),
		    DASH_SAFE_HTML("more", &more),
		};
		if (rc == 0)
			rc = dash_render(req, "leads.html", DASH_SLOTS(slots),
					 &content);
	}
	rc = rc == 0 ? dash_page(req, 200, "Leads", "leads", &content, 0)
		     : dash_internal(req);
	json_decref(list);
	kc_buf_free(&content);
	kc_buf_free(&rows);
	kc_buf_free(&more);
	return rc;
}

/* A table of follow-ups (a page of kc_followup_list), or a sentence when
 * there are none. */
static int
followup_table(struct kc_req *req, const json_t *list, const char *label,
	       struct kc_buf *b)
{
	const json_t *f;
	struct kc_buf rows, due, status, created, kind;
	size_t i;
	int rc = 0;

	if (json_array_size(json_object_get(list, "data")) == 0)
		return html_lit(b, "<p class=\"muted\">No follow-ups.</p>");
	kc_buf_init(&rows, 1024 * 1024);
	kc_buf_init(&due, 256);
	kc_buf_init(&status, 256);
	kc_buf_init(&created, 256);
	kc_buf_init(&kind, 256);
	json_array_foreach(json_object_get(list, "data"), i, f)
	{
		const char *lead =
		    json_string_value(json_object_get(f, "lead_id"));

		kc_buf_reset(&due);
		kc_buf_reset(&status);
		kc_buf_reset(&created);
		kc_buf_reset(&kind);
		rc |= dash_time(&due, json_object_get(f, "due_at")) |
		      dash_badge(&status, json_string_value(
					      json_object_get(f, "status"))) |
		      dash_time(&created, json_object_get(f, "created_at")) |
		      dash_words(&kind,
				 json_string_value(json_object_get(f, "kind")));
		{
			const char *notes =
			    json_string_value(json_object_get(f, "notes"));
			struct dash_slot slots[] = {
			    DASH_TXT("id", json_string_value(
					       json_object_get(f, "id"))),
			    DASH_URL("lead_url", lead),
			    DASH_TXT("lead", lead),
			    DASH_SAFE_HTML("kind", &kind),
			    DASH_SAFE_HTML("due", &due),
			    DASH_SAFE_HTML("status", &status),
			    DASH_TXT("notes", or_dash(notes)),
			    DASH_SAFE_HTML("created", &created),
			};
			if (rc == 0)
				rc = dash_render(req, "followups_row.html",
						 DASH_SLOTS(slots), &rows);
		}
	}
	{
		struct dash_slot slots[] = {
		    DASH_TXT("label", label),
		    DASH_SAFE_HTML("rows", &rows),
		};
		if (rc == 0)
			rc = dash_render(req, "followups_table.html",
					 DASH_SLOTS(slots), b);
	}
	kc_buf_free(&rows);
	kc_buf_free(&due);
	kc_buf_free(&status);
	kc_buf_free(&created);
	kc_buf_free(&kind);
	return rc;
}

int
kc_d_lead(struct kc_req *req)
{
	const char *id = req->params[0], *name, *notes;
	struct kc_buf content, created, call, fus;
	json_t *l = NULL, *list = NULL;
	int rc;

	if (!kc_id_valid("lead", id))
		return dash_error(req, 404, "There is no such lead.");
	rc = kc_lead_get(req->db, req->session.business_id, id, &l);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 404, "There is no such lead.");
	if (rc != 0 ||
	    kc_followup_list(req->db, req->session.business_id, NULL, id, NULL,
			     NULL, LIST_LIMIT, &list) != 0) {
		json_decref(l);
		return dash_internal(req);
	}
	kc_buf_init(&content, 2 * 1024 * 1024);
	kc_buf_init(&created, 256);
	kc_buf_init(&call, 512);
	kc_buf_init(&fus, 1024 * 1024);
	name = json_string_value(json_object_get(l, "name"));
	notes = json_string_value(json_object_get(l, "notes"));
	rc =
	    dash_time(&created, json_object_get(l, "created_at")) |
	    call_link(&call, json_string_value(json_object_get(l, "call_id"))) |
	    followup_table(req, list, "Follow-ups of this lead, newest first",
			   &fus);
	if (json_is_true(json_object_get(list, "has_more")))
		rc |= html_lit(&fus, "<p class=\"pager\"><a href=\""
				     "/app/follow-ups?lead=") |
		      html_url_arg(&fus, id) |
		      html_lit(&fus, "\">Every follow-up of this lead</a></p>");
	{
		struct dash_slot slots[] = {
		    DASH_TXT("name", name && *name ? name : "(no name)"),
		    DASH_TXT("id", id),
		    DASH_TXT("phone",
			     json_string_value(json_object_get(l, "phone"))),
		    DASH_TXT("email", or_dash(json_string_value(
					  json_object_get(l, "email")))),
		    DASH_TXT("intent",
			     json_string_value(json_object_get(l, "intent"))),
		    DASH_SAFE_HTML("created", &created),
		    DASH_SAFE_HTML("call", &call),
		    DASH_TXT("notes", notes && *notes ? notes : "None."),
		    DASH_SAFE_HTML("followups", &fus),
		};
		if (rc == 0)
			rc = dash_render(req, "lead.html", DASH_SLOTS(slots),
					 &content);
	}
	rc = rc == 0 ? dash_page(req, 200, "Lead", "leads", &content, 0)
		     : dash_internal(req);
	json_decref(l);
	json_decref(list);
	kc_buf_free(&content);
	kc_buf_free(&created);
	kc_buf_free(&call);
	kc_buf_free(&fus);
	return rc;
}

int
kc_d_followups(struct kc_req *req)
{
	static const char *const statuses[] = {"open", "completed", NULL};
	char since[KC_TIME_MAX];
	const char *status, *s, *after = kc_query_get(req, "after");
	const char *lead = kc_query_get(req, "lead");
	struct kc_buf content, table, more, sopts, about, field;
	json_t *list = NULL;
	size_t i;
	int rc;

	if (lead && *lead == '\0')
		lead = NULL;
	if (dash_pick(kc_query_get(req, "status"), statuses, &status) != 0 ||
	    (lead && !kc_id_valid("lead", lead)) ||
	    (after && !kc_id_valid("fu", after)) ||
	    dash_local_time(kc_query_get(req, "since"), since, sizeof(since),
			    &s) != 0)
		return dash_error(req, 400,
				  "A filter has a value that is not one of "
				  "its choices.");
	rc = kc_followup_list(req->db, req->session.business_id, status, lead,
			      s, after, LIST_LIMIT, &list);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 400, "That is not a page of this list.");
	if (rc != 0)
		return dash_internal(req);
	kc_buf_init(&content, 2 * 1024 * 1024);
	kc_buf_init(&table, 2 * 1024 * 1024);
	kc_buf_init(&more, 4096);
	kc_buf_init(&sopts, 1024);
	kc_buf_init(&about, 1024);
	kc_buf_init(&field, 1024);
	rc = dash_option(&sopts, "", "any status", status);
	for (i = 0; statuses[i]; i++)
		rc |= dash_option(&sopts, statuses[i], statuses[i], status);
	/* One lead's: said above the list, and kept by the filter form. */
	if (lead)
		rc |= html_lit(&about, "<p>The follow-ups of lead <a "
				       "class=\"mono\" href=\"/app/leads/") |
		      html_url_arg(&about, lead) | html_lit(&about, "\">") |
		      html_txt(&about, lead) |
		      html_lit(&about, "</a>. <a href=\"/app/follow-ups\">"
				       "Every lead's</a></p>") |
		      html_lit(&field, "<input type=\"hidden\" name=\"lead\" "
				       "value=\"") |
		      html_attr(&field, lead) | html_lit(&field, "\">");
	rc |= followup_table(req, list, "Follow-ups, newest first", &table) |
	      dash_pager(req, "/app/follow-ups", list, &more);
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("lead", &about),
		    DASH_SAFE_HTML("lead_field", &field),
		    DASH_SAFE_HTML("status_options", &sopts),
		    DASH_TXT("since", kc_query_get(req, "since")),
		    DASH_SAFE_HTML("table", &table),
		    DASH_SAFE_HTML("more", &more),
		};
		if (rc == 0)
			rc = dash_render(req, "followups.html",
					 DASH_SLOTS(slots), &content);
	}
	rc = rc == 0
		 ? dash_page(req, 200, "Follow-ups", "followups", &content, 0)
		 : dash_internal(req);
	json_decref(list);
	kc_buf_free(&content);
	kc_buf_free(&table);
	kc_buf_free(&more);
	kc_buf_free(&sopts);
	kc_buf_free(&about);
	kc_buf_free(&field);
	return rc;
}
