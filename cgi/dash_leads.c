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
lead_row(struct kc_req *req, const json_t *l, struct kc_buf *b)
{
	const char *id = kc_json_str(l, "id"), *name = kc_json_str(l, "name");
	struct kc_buf created, call;
	int rc;

	kc_buf_init(&created, 256);
	kc_buf_init(&call, 512);
	rc = dash_time(&created, json_object_get(l, "created_at")) |
	     call_link(&call, kc_json_str(l, "call_id"));
	{
		struct dash_slot slots[] = {
		    DASH_URL("id_url", id),
		    /* A lead without a name still needs a link. */
		    DASH_TXT("name", name && *name ? name : "(no name)"),
		    DASH_TXT("phone", kc_json_str(l, "phone")),
		    DASH_TXT("email", or_dash(kc_json_str(l, "email"))),
		    DASH_TXT("intent", kc_json_str(l, "intent")),
		    DASH_SAFE_HTML("created", &created),
		    DASH_SAFE_HTML("call", &call),
		};
		if (rc == 0)
			rc = dash_render(req, "leads_row.html",
					 DASH_SLOTS(slots), b);
	}
	kc_buf_free(&created);
	kc_buf_free(&call);
	return rc;
}

int
kc_d_leads(struct kc_req *req)
{
	static const struct dash_list page = {"leads.html", "/app/leads",
					      "Leads", "leads", lead_row};
	char since[KC_TIME_MAX];
	const char *s, *after = kc_query_get(req, "after");
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
	{
		struct dash_slot slots[] = {
		    DASH_TXT("since", kc_query_get(req, "since")),
		};
		return dash_list_page(req, &page, 200, rc, list,
				      DASH_SLOTS(slots));
	}
}

static int
followup_row(struct kc_req *req, const json_t *f, struct kc_buf *b)
{
	const char *lead = kc_json_str(f, "lead_id");
	struct kc_buf due, status, created, kind;
	int rc;

	kc_buf_init(&due, 256);
	kc_buf_init(&status, 256);
	kc_buf_init(&created, 256);
	kc_buf_init(&kind, 256);
	rc = dash_time(&due, json_object_get(f, "due_at")) |
	     dash_badge(&status, kc_json_str(f, "status")) |
	     dash_time(&created, json_object_get(f, "created_at")) |
	     dash_words(&kind, kc_json_str(f, "kind"));
	{
		struct dash_slot slots[] = {
		    DASH_TXT("id", kc_json_str(f, "id")),
		    DASH_URL("lead_url", lead),
		    DASH_TXT("lead", lead),
		    DASH_SAFE_HTML("kind", &kind),
		    DASH_SAFE_HTML("due", &due),
		    DASH_SAFE_HTML("status", &status),
		    DASH_TXT("notes", or_dash(kc_json_str(f, "notes"))),
		    DASH_SAFE_HTML("created", &created),
		};
		if (rc == 0)
			rc = dash_render(req, "followups_row.html",
					 DASH_SLOTS(slots), b);
	}
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
	struct kc_buf created, call, fus, more;
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
	kc_buf_init(&created, 256);
	kc_buf_init(&call, 512);
	kc_buf_init(&fus, 1024 * 1024);
	kc_buf_init(&more, 1024);
	name = kc_json_str(l, "name");
	notes = kc_json_str(l, "notes");
	rc = dash_time(&created, json_object_get(l, "created_at")) |
	     call_link(&call, kc_json_str(l, "call_id")) |
	     dash_rows(req, list, followup_row, &fus);
	if (json_is_true(json_object_get(list, "has_more")))
		rc |=
		    html_lit(&more, "<p class=\"pager\"><a href=\""
				    "/app/follow-ups?lead=") |
		    html_url_arg(&more, id) |
		    html_lit(&more, "\">Every follow-up of this lead</a></p>");
	{
		struct dash_slot slots[] = {
		    DASH_TXT("name", name && *name ? name : "(no name)"),
		    DASH_TXT("id", id),
		    DASH_TXT("phone", kc_json_str(l, "phone")),
		    DASH_TXT("email", or_dash(kc_json_str(l, "email"))),
		    DASH_TXT("intent", kc_json_str(l, "intent")),
		    DASH_SAFE_HTML("created", &created),
		    DASH_SAFE_HTML("call", &call),
		    DASH_TXT("notes", notes && *notes ? notes : "None."),
		    DASH_SAFE_HTML("followups", &fus),
		    DASH_SAFE_HTML("more", &more),
		};
		rc = dash_page_tpl(req, 200, "Lead", "leads", "lead.html",
				   DASH_SLOTS(slots), rc);
	}
	json_decref(l);
	json_decref(list);
	kc_buf_free(&created);
	kc_buf_free(&call);
	kc_buf_free(&fus);
	kc_buf_free(&more);
	return rc;
}

int
kc_d_followups(struct kc_req *req)
{
	static const char *const statuses[] = {"open", "completed", NULL};
	static const struct dash_list page = {"followups.html",
					      "/app/follow-ups", "Follow-ups",
					      "followups", followup_row};
	char since[KC_TIME_MAX];
	const char *status, *s, *after = kc_query_get(req, "after");
	const char *lead = kc_query_get(req, "lead");
	struct kc_buf sopts, about, field;
	json_t *list = NULL;
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
	kc_buf_init(&sopts, 1024);
	kc_buf_init(&about, 1024);
	kc_buf_init(&field, 1024);
	if (rc == 0 && dash_options(&sopts, "any status", statuses, status))
		rc = -1;
	/* One lead's: said above the list, and kept by the filter form. */
	if (rc == 0 && lead &&
	    (html_lit(&about, "<p>The follow-ups of lead <a class=\"mono\" "
			      "href=\"/app/leads/") |
	     html_url_arg(&about, lead) | html_lit(&about, "\">") |
	     html_txt(&about, lead) |
	     html_lit(&about, "</a>. <a href=\"/app/follow-ups\">Every "
			      "lead's</a></p>") |
	     html_lit(&field, "<input type=\"hidden\" name=\"lead\" "
			      "value=\"") |
	     html_attr(&field, lead) | html_lit(&field, "\">")))
		rc = -1;
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("lead", &about),
		    DASH_SAFE_HTML("lead_field", &field),
		    DASH_SAFE_HTML("status_options", &sopts),
		    DASH_TXT("since", kc_query_get(req, "since")),
		};
		rc = dash_list_page(req, &page, 200, rc, list,
				    DASH_SLOTS(slots));
	}
	kc_buf_free(&sopts);
	kc_buf_free(&about);
	kc_buf_free(&field);
	return rc;
}
