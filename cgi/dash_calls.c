/* Calls: the list with its filters (status, since), and one call with its
 * summary, its transcript and its recording. What the voice runtime sent
 * (the transcript's every line and speaker, the summary, the recording's
 * address) is shown as text; the recording is a link only when it is an
 * https URL, written as an escaped attribute. */
#include "dash.h"
#include "kc_call.h"
#include "kc_id.h"
#include "kc_time.h"
#include "kc_url.h"

#include <stdio.h>
#include <string.h>

#define LIST_LIMIT 50

static const char *const statuses[] = {"in_progress", "ended", NULL};

static int
call_row(struct kc_req *req, const json_t *c, struct kc_buf *b)
{
	const char *id = kc_json_str(c, "id");
	struct kc_buf started, status, outcome, length;
	int rc;

	kc_buf_init(&started, 256);
	kc_buf_init(&status, 256);
	kc_buf_init(&outcome, 256);
	kc_buf_init(&length, 64);
	rc = dash_time(&started, json_object_get(c, "started_at")) |
	     dash_badge(&status, kc_json_str(c, "status")) |
	     dash_words(&outcome, kc_json_str(c, "outcome")) |
	     dash_duration(&length, json_object_get(c, "duration_seconds"));
	{
		struct dash_slot slots[] = {
		    DASH_URL("id_url", id),
		    DASH_TXT("id", id),
		    DASH_SAFE_HTML("started", &started),
		    DASH_TXT("direction", kc_json_str(c, "direction")),
		    DASH_TXT("from", kc_json_str(c, "from")),
		    DASH_TXT("to", kc_json_str(c, "to")),
		    DASH_SAFE_HTML("status", &status),
		    DASH_SAFE_HTML("outcome", &outcome),
		    DASH_SAFE_HTML("length", &length),
		};
		if (rc == 0)
			rc = dash_render(req, "calls_row.html",
					 DASH_SLOTS(slots), b);
	}
	kc_buf_free(&started);
	kc_buf_free(&status);
	kc_buf_free(&outcome);
	kc_buf_free(&length);
	return rc;
}

int
kc_d_calls(struct kc_req *req)
{
	static const struct dash_list page = {"calls.html", "/app/calls",
					      "Calls", "calls", call_row};
	char since[KC_TIME_MAX];
	const char *status, *s, *after = kc_query_get(req, "after");
	struct kc_buf sopts;
	json_t *list = NULL;
	int rc;

	if (dash_pick(kc_query_get(req, "status"), statuses, &status) != 0 ||
	    (after && !kc_id_valid("call", after)) ||
	    dash_local_time(kc_query_get(req, "since"), since, sizeof(since),
			    &s) != 0)
		return dash_error(req, 400,
				  "A filter has a value that is not one of "
				  "its choices.");
	rc = kc_call_list(req->db, req->session.business_id, status, s, after,
			  LIST_LIMIT, &list);
	kc_buf_init(&sopts, 1024);
	if (rc == 0 && dash_options(&sopts, "any status", statuses, status))
		rc = -1;
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("status_options", &sopts),
		    DASH_TXT("since", kc_query_get(req, "since")),
		};
		rc = dash_list_page(req, &page, 200, rc, list,
				    DASH_SLOTS(slots));
	}
	kc_buf_free(&sopts);
	return rc;
}

/* The recording: a link when it is an https URL (the API accepts no
 * other, but the page does not rely on that), its address as text
 * beside it either way. */
static int
recording(struct kc_buf *b, const char *url)
{
	struct kc_url u;
	char why[128];

	if (url == NULL)
		return html_lit(b, "none");
	if (kc_url_parse(url, &u, why, sizeof(why)) != 0 || !u.https)
		return html_txt(b, url) |
		       html_lit(b, " <span class=\"muted\">(not an https "
				   "address, so not a link)</span>");
	return html_lit(b, "<a href=\"") | html_attr(b, url) |
	       html_lit(b, "\" rel=\"noopener noreferrer\">Listen to the "
			   "recording</a> <span class=\"mono muted "
			   "break\">") |
	       html_txt(b, url) | html_lit(b, "</span>");
}

static int
transcript(struct kc_req *req, const json_t *t, struct kc_buf *b)
{
	static const char *const speakers[] = {"agent", "caller", "system",
					       NULL};
	const json_t *seg;
	size_t i;
	int rc = 0;

	if (json_array_size(t) == 0)
		return html_lit(b,
				"<p class=\"muted\">No transcript (yet).</p>");
	rc |= html_lit(b, "<ol class=\"transcript\" id=\"transcript\">");
	json_array_foreach(t, i, seg)
	{
		const char *who = kc_json_str(seg, "speaker");
		const json_t *at = json_object_get(seg, "offset_seconds");
		const char *cls = NULL;
		char offset[32] = "";

		/* The class is one of ours; the text is what was sent. */
		if (dash_pick(who, speakers, &cls) != 0 || cls == NULL)
			cls = "other";
		if (json_is_integer(at))
			snprintf(offset, sizeof(offset), "at %lld:%02lld",
				 (long long)json_integer_value(at) / 60,
				 (long long)json_integer_value(at) % 60);
		{
			struct dash_slot slots[] = {
			    DASH_TXT("speaker_class", cls),
			    DASH_TXT("speaker", who ? who : "?"),
			    DASH_TXT("offset", offset),
			    DASH_TXT("text", kc_json_str(seg, "text")),
			};
			if (rc == 0)
				rc = dash_render(req, "transcript_line.html",
						 DASH_SLOTS(slots), b);
		}
	}
	rc |= html_lit(b, "</ol>");
	return rc;
}

int
kc_d_call(struct kc_req *req)
{
	struct kc_buf status, started, ended, length, outcome, rec, lines;
	const char *id = req->params[0], *summary;
	json_t *c = NULL;
	int rc;

	if (!kc_id_valid("call", id))
		return dash_error(req, 404, "There is no such call.");
	rc = kc_call_get(req->db, req->session.business_id, id, &c);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 404, "There is no such call.");
	if (rc != 0)
		return dash_internal(req);
	kc_buf_init(&status, 256);
	kc_buf_init(&started, 256);
	kc_buf_init(&ended, 256);
	kc_buf_init(&length, 64);
	kc_buf_init(&outcome, 256);
	kc_buf_init(&rec, 8192);
	/* 256 KiB of transcript, each byte at most six when escaped. */
	kc_buf_init(&lines, 3 * 1024 * 1024);
	summary = kc_json_str(c, "summary");
	rc = dash_badge(&status, kc_json_str(c, "status")) |
	     dash_time(&started, json_object_get(c, "started_at")) |
	     dash_time(&ended, json_object_get(c, "ended_at")) |
	     dash_duration(&length, json_object_get(c, "duration_seconds")) |
	     dash_words(&outcome, kc_json_str(c, "outcome")) |
	     recording(&rec, kc_json_str(c, "recording_url")) |
	     transcript(req, json_object_get(c, "transcript"), &lines);
	{
		struct dash_slot slots[] = {
		    DASH_TXT("id", id),
		    DASH_SAFE_HTML("status", &status),
		    DASH_TXT("direction", kc_json_str(c, "direction")),
		    DASH_TXT("from", kc_json_str(c, "from")),
		    DASH_TXT("to", kc_json_str(c, "to")),
		    DASH_TXT("agent", kc_json_str(c, "agent_id")),
		    DASH_SAFE_HTML("started", &started),
		    DASH_SAFE_HTML("ended", &ended),
		    DASH_SAFE_HTML("length", &length),
		    DASH_SAFE_HTML("outcome", &outcome),
		    DASH_SAFE_HTML("recording", &rec),
		    DASH_TXT("summary", summary ? summary : "None."),
		    DASH_SAFE_HTML("transcript", &lines),
		};
		rc = dash_page_tpl(req, 200, "Call", "calls", "call.html",
				   DASH_SLOTS(slots), rc);
	}
	json_decref(c);
	kc_buf_free(&status);
	kc_buf_free(&started);
	kc_buf_free(&ended);
	kc_buf_free(&length);
	kc_buf_free(&outcome);
	kc_buf_free(&rec);
	kc_buf_free(&lines);
	return rc;
}
