/* Agent: what it says (prompt, greeting), how it sounds (voice, language),
 * its numbers, and how calls reach it (routing). Admins edit the routing
 * as JSON; it is checked as PATCH /v1/agent/routing checks it and written,
 * with its audit row, by the same lib/ code (kc_agent_replace_routing). */
#include "dash.h"
#include "kc_agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest routing the editor takes: far more than the longest valid one
 * (28 rules, 12 menu options), written out with indentation. */
#define ROUTING_TEXT_MAX (64 * 1024)

static int
numbers_html(const json_t *numbers, struct kc_buf *b)
{
	const json_t *n;
	size_t i;
	int rc = 0;

	if (json_array_size(numbers) == 0)
		return html_lit(b, "<p class=\"muted\">No numbers yet: the "
				   "operator adds them with <code>kcctl number "
				   "add</code>.</p>");
	rc |= html_lit(b, "<ul class=\"plain\">");
	json_array_foreach(numbers, i, n)
	{
		const char *label = kc_json_str(n, "label");

		rc |= html_lit(b, "<li><span class=\"mono\">") |
		      html_txt(b, kc_json_str(n, "number")) |
		      html_lit(b, "</span>");
		if (label && *label)
			rc |= html_lit(b, " ") | html_txt(b, label);
		rc |= html_lit(b, "</li>");
	}
	rc |= html_lit(b, "</ul>");
	return rc;
}

static const char *
mode_text(const char *mode)
{
	static const char *const modes[] = {
	    "ai_only",
	    "The agent answers every call.",
	    "ring_first",
	    "The owner's phone rings first; the agent "
	    "answers if nobody picks up.",
	    "ivr_menu",
	    "Callers choose from a menu of keys.",
	    "voicemail_only",
	    "Every call goes to voicemail.",
	    "time_based",
	    "It depends on the day and the time.",
	    NULL,
	};
	size_t i;

	for (i = 0; mode && modes[i]; i += 2)
		if (strcmp(mode, modes[i]) == 0)
			return modes[i + 1];
	return "";
}

/* What the routing does, in words: the mode, and the rules of the modes
 * that have them. Every value is the business's and escaped. */
static int
summary_html(const json_t *r, struct kc_buf *b)
{
	const char *mode = kc_json_str(r, "mode");
	const json_t *rf = json_object_get(r, "ring_first"),
		     *ivr = json_object_get(r, "ivr_menu"),
		     *tb = json_object_get(r, "time_based"), *x, *d;
	size_t i, j;
	int rc = 0;

	rc |= html_lit(b, "<dl class=\"facts\"><dt>Mode</dt><dd><code "
			  "id=\"routing-mode\">") |
	      html_txt(b, mode) | html_lit(b, "</code> ") |
	      html_txt(b, mode_text(mode)) |
	      html_lit(b, "</dd><dt>Fallback agent</dt><dd class=\"mono\">") |
	      html_txt(b, kc_json_str(r, "fallback_agent_id")) |
	      html_lit(b, "</dd>");
	if (json_is_object(rf))
		rc |= html_lit(b, "<dt>Ring first</dt><dd><span "
				  "class=\"mono\">") |
		      html_txt(b, kc_json_str(rf, "owner_number")) |
		      html_lit(b, "</span> ") |
		      html_txtf(b, "for %lld s",
				(long long)json_integer_value(
				    json_object_get(rf, "ring_seconds"))) |
		      html_lit(b, "</dd>");
	if (json_is_object(ivr)) {
		rc |= html_lit(b, "<dt>Menu</dt><dd><p class=\"said\">") |
		      html_txt(b, kc_json_str(ivr, "prompt")) |
		      html_lit(b, "</p><ul class=\"plain\">");
		json_array_foreach(json_object_get(ivr, "options"), i, x)
		{
			const char *num = kc_json_str(x, "number");
			const char *label = kc_json_str(x, "label");

			rc |= html_lit(b, "<li><kbd>") |
			      html_txt(b, kc_json_str(x, "digit")) |
			      html_lit(b, "</kbd> ") |
			      html_txt(b, kc_json_str(x, "destination"));
			if (num)
				rc |= html_lit(b, " <span class=\"mono\">") |
				      html_txt(b, num) | html_lit(b, "</span>");
			if (label)
				rc |= html_lit(b, " (") | html_txt(b, label) |
				      html_lit(b, ")");
			rc |= html_lit(b, "</li>");
		}
		rc |= html_lit(b, "</ul></dd>");
	}
	if (json_is_object(tb)) {
		rc |= html_lit(b, "<dt>By time</dt><dd><ul class=\"plain\">");
		json_array_foreach(json_object_get(tb, "rules"), i, x)
		{
			rc |= html_lit(b, "<li>");
			json_array_foreach(json_object_get(x, "days"), j, d)
			{
				rc |= html_txt(b, j ? ", " : "") |
				      html_txt(b, json_string_value(d));
			}
			rc |= html_lit(b, " ") |
			      html_txt(b, kc_json_str(x, "start")) |
			      html_lit(b, "–") |
			      html_txt(b, kc_json_str(x, "end")) |
			      html_lit(b, ": <code>") |
			      html_txt(b, kc_json_str(x, "mode")) |
			      html_lit(b, "</code></li>");
		}
		rc |= html_lit(b, "<li>Otherwise: <code>") |
		      html_txt(b, kc_json_str(tb, "default_mode")) |
		      html_lit(b, "</code></li></ul></dd>");
	}
	rc |= html_lit(b, "</dl>");
	return rc;
}

/* The page; for an admin the editor holds text (what was posted, or the
 * routing as it is) and error says what was wrong with a post. */
static int
agent_page(struct kc_req *req, int status, const char *text, const char *error)
{
	static const char *const done[] = {"routing", "The routing is saved.",
					   NULL};
	struct kc_buf flash, nums, summary, routing, err, updated;
	char *agent_text = NULL, *pretty = NULL;
	json_t *a = NULL;
	const json_t *r;
	int rc;

	rc = kc_agent_get_text(req->db, req->session.business_id, &agent_text);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 404, "This business has no agent.");
	if (rc != 0 || (a = json_loads(agent_text, 0, NULL)) == NULL) {
		free(agent_text);
		return dash_internal(req);
	}
	free(agent_text);
	r = json_object_get(a, "routing");
	if ((pretty = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL) {
		json_decref(a);
		return dash_internal(req);
	}
	kc_buf_init(&flash, 1024);
	kc_buf_init(&nums, 64 * 1024);
	kc_buf_init(&summary, 256 * 1024);
	kc_buf_init(&routing, 512 * 1024);
	kc_buf_init(&err, 4096);
	kc_buf_init(&updated, 256);
	rc = dash_flash(req, done, &flash) |
	     numbers_html(json_object_get(a, "phone_numbers"), &nums) |
	     summary_html(r, &summary) |
	     dash_time(&updated, json_object_get(a, "updated_at"));
	rc |= dash_alert(&err, "routing-error", error);
	if (dash_can(req, KC_ROLE_ADMIN)) {
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("error", &err),
		    DASH_TXT("csrf", req->session.csrf),
		    DASH_TXT("routing", text ? text : pretty),
		};
		if (rc == 0)
			rc = dash_render(req, "routing_form.html",
					 DASH_SLOTS(slots), &routing);
	} else {
		rc |= html_lit(&routing, "<details><summary>As JSON</summary>"
					 "<pre class=\"answer\">") |
		      html_txt(&routing, pretty) |
		      html_lit(&routing, "</pre></details>");
	}
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("flash", &flash),
		    DASH_TXT("name", kc_json_str(a, "name")),
		    DASH_TXT("id", kc_json_str(a, "id")),
		    DASH_TXT("voice", kc_json_str(a, "voice")),
		    DASH_TXT("language", kc_json_str(a, "language")),
		    DASH_TXT("greeting", kc_json_str(a, "greeting")),
		    DASH_SAFE_HTML("updated", &updated),
		    DASH_TXT("prompt", kc_json_str(a, "prompt")),
		    DASH_SAFE_HTML("numbers", &nums),
		    DASH_SAFE_HTML("summary", &summary),
		    DASH_SAFE_HTML("routing", &routing),
		};
		rc = dash_page_tpl(req, status, "Agent", "agent", "agent.html",
				   DASH_SLOTS(slots), rc);
	}
	json_decref(a);
	free(pretty);
	kc_buf_free(&flash);
	kc_buf_free(&nums);
	kc_buf_free(&summary);
	kc_buf_free(&routing);
	kc_buf_free(&err);
	kc_buf_free(&updated);
	return rc;
}

int
kc_d_agent(struct kc_req *req)
{
	return agent_page(req, 200, NULL, NULL);
}

int
kc_d_agent_routing(struct kc_req *req)
{
	static const struct dash_field fields[] = {
	    {"routing", ROUTING_TEXT_MAX, 1, 0},
	};
	struct kc_actor actor = dash_actor(req);
	const char *text = kc_req_form_get(req, "routing");
	json_t *routing, *out = NULL;
	struct kc_verr e;
	int rc;

	if (dash_form_check(req, fields, 1, &e) != 0)
		return agent_page(req, 422, text, e.msg);
	if ((routing = kc_json_parse_object(text, strlen(text), &e)) == NULL) {
		char msg[sizeof(e.msg) + 64];

		snprintf(msg, sizeof(msg),
			 "The routing is not a JSON object: %s", e.msg);
		return agent_page(req, 422, text, msg);
	}
	rc = kc_agent_replace_routing(req->db, &actor, req->session.business_id,
				      routing, &out, &e);
	json_decref(routing);
	json_decref(out);
	if (rc == KC_INVALID)
		return agent_page(req, 422, text, e.msg);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 404, "This business has no agent.");
	if (rc != 0)
		return dash_internal(req);
	return dash_redirect(req, "/app/agent?done=routing");
}
