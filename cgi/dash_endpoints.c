/* Webhook endpoints: the list, create (with the event catalog as a
 * checklist; the secret shown once, with the snippet that verifies it),
 * one endpoint's health, and rotate, test, enable and disable. */
#include "dash.h"
#include "kc_endpoint.h"
#include "kc_event_types.h"
#include "kc_id.h"
#include "kc_log.h"
#include "kc_crypto.h"
#include "kc_url.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

static int
endpoint_path(struct kc_buf *b, const char *id, const char *tail)
{
	return kc_buf_puts(b, "/app/endpoints/") | html_url_arg(b, id) |
	       kc_buf_puts(b, tail);
}

int
kc_d_endpoints(struct kc_req *req)
{
	const char *after = kc_query_get(req, "after");
	struct kc_buf content, rows, more, newlink;
	const json_t *ep, *types, *t;
	json_t *list = NULL;
	size_t i, j;
	int rc;

	if (after && !kc_id_valid("ep", after))
		return dash_error(req, 400, "That is not a page of this list.");
	rc = kc_endpoint_list(req->db, req->session.business_id, after, 50,
			      &list);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 400, "That is not a page of this list.");
	if (rc != 0)
		return dash_internal(req);
	kc_buf_init(&content, 1024 * 1024);
	kc_buf_init(&rows, 1024 * 1024);
	kc_buf_init(&more, 1024);
	kc_buf_init(&newlink, 1024);
	json_array_foreach(json_object_get(list, "data"), i, ep)
	{
		const char *id = json_string_value(json_object_get(ep, "id"));
		const json_t *h = json_object_get(ep, "health");
		struct kc_buf ty, state, limits;

		kc_buf_init(&ty, 4096);
		kc_buf_init(&state, 256);
		kc_buf_init(&limits, 1024);
		rc |= dash_limits_hint(&limits, ep);
		types = json_object_get(ep, "event_types");
		json_array_foreach(types, j, t)
		{
			rc |= html_txt(&ty, j ? ", " : "") |
			      html_txt(&ty, json_string_value(t));
		}
		rc |= dash_badge(&state,
				 !json_is_true(json_object_get(ep, "enabled"))
				     ? "disabled"
				 : json_integer_value(json_object_get(
				       h, "consecutive_failures")) > 0
				     ? "failing"
				     : "healthy");
		{
			char streak[24], dead[24];
			struct dash_slot slots[] = {
			    DASH_URL("id", id),
			    DASH_TXT("url", json_string_value(
						json_object_get(ep, "url"))),
			    DASH_TXT("description",
				     json_string_value(
					 json_object_get(ep, "description"))),
			    DASH_SAFE_HTML("types", &ty),
			    DASH_SAFE_HTML("state", &state),
			    DASH_TXT("streak", streak),
			    DASH_TXT("dead", dead),
			    DASH_SAFE_HTML("limits", &limits),
			};

			snprintf(streak, sizeof(streak), "%lld",
				 (long long)json_integer_value(json_object_get(
				     h, "consecutive_failures")));
			snprintf(dead, sizeof(dead), "%lld",
				 (long long)json_integer_value(
				     json_object_get(h, "dead_deliveries")));
			if (rc == 0)
				rc = dash_render(req, "endpoints_row.html",
						 DASH_SLOTS(slots), &rows);
		}
		kc_buf_free(&ty);
		kc_buf_free(&state);
		kc_buf_free(&limits);
	}
	if (json_is_true(json_object_get(list, "has_more")))
		rc |= html_lit(&more, "<p class=\"pager\"><a href=\""
				      "/app/endpoints?after=") |
		      html_url_arg(&more, json_string_value(json_object_get(
					      list, "next_cursor"))) |
		      html_lit(&more, "\">More endpoints</a></p>");
	if (dash_can(req, KC_ROLE_ADMIN))
		rc |= html_lit(&newlink, "<p><a class=\"button\" "
					 "href=\"/app/endpoints/new\">Add an "
					 "endpoint</a></p>");
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("new", &newlink),
		    DASH_SAFE_HTML("rows", &rows),
		    DASH_SAFE_HTML("more", &more),
		};
		if (rc == 0)
			rc = dash_render(req, "endpoints.html",
					 DASH_SLOTS(slots), &content);
	}
	rc = rc == 0 ? dash_page(req, 200, "Webhook endpoints", "endpoints",
				 &content, 0)
		     : dash_internal(req);
	json_decref(list);
	kc_buf_free(&content);
	kc_buf_free(&rows);
	kc_buf_free(&more);
	kc_buf_free(&newlink);
	return rc;
}

/* The event catalog as checkboxes; checked: the types given (or "*"). */
static int
type_boxes(const char *const *picked, size_t npicked, struct kc_buf *b)
{
	size_t i, j;
	int rc = 0, on;

	for (i = 0; i <= kc_event_types_count; i++) {
		const char *name = i == 0 ? "*" : kc_event_types[i - 1].name;
		const char *desc = i == 0 ? "Every event, including types "
					    "added later."
					  : kc_event_types[i - 1].description;
		char id[48];

		snprintf(id, sizeof(id), "type-%zu", i);
		for (on = 0, j = 0; j < npicked; j++)
			on |= strcmp(picked[j], name) == 0;
		rc |= html_lit(b, "<li><input type=\"checkbox\" "
				  "name=\"event_types\" id=\"") |
		      html_attr(b, id) | html_lit(b, "\" value=\"") |
		      html_attr(b, name) |
		      (on ? html_lit(b, "\" checked>") : html_lit(b, "\">")) |
		      html_lit(b, "<label for=\"") | html_attr(b, id) |
		      html_lit(b, "\"><code>") |
		      html_txt(b, i == 0 ? "all events" : name) |
		      html_lit(b, "</code> ") | html_txt(b, desc) |
		      html_lit(b, "</label></li>");
	}
	return rc;
}

static int
new_form(struct kc_req *req, int status, const char *error)
{
	static const char *const all[] = {"*"};
	const char *picked[64];
	size_t npicked = 0;
	struct kc_buf content, boxes, err;
	char max[24];
	int rc;

	snprintf(max, sizeof(max), "%d", KC_ENDPOINT_MAX_IN_FLIGHT);
	kc_buf_init(&content, 256 * 1024);
	kc_buf_init(&boxes, 64 * 1024);
	kc_buf_init(&err, 2048);
	if (req->method == KC_M_POST)
		npicked = dash_form_all(req, "event_types", picked, 64);
	rc = type_boxes(npicked ? picked : all, npicked ? npicked : 1, &boxes);
	if (error)
		rc |= html_lit(&err, "<p class=\"error\" role=\"alert\">") |
		      html_txt(&err, error) | html_lit(&err, "</p>");
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("error", &err),
		    DASH_TXT("csrf", req->session.csrf),
		    DASH_TXT("url", req->method == KC_M_POST
					? kc_req_form_get(req, "url")
					: ""),
		    DASH_TXT("description",
			     req->method == KC_M_POST
				 ? kc_req_form_get(req, "description")
				 : ""),
		    DASH_SAFE_HTML("types", &boxes),
		    DASH_TXT("rate", req->method == KC_M_POST
					 ? kc_req_form_get(req, "rate_limit")
					 : ""),
		    DASH_TXT("max", req->method == KC_M_POST
					? kc_req_form_get(req, "max_in_flight")
					: max),
		};
		if (rc == 0)
			rc = dash_render(req, "endpoint_new.html",
					 DASH_SLOTS(slots), &content);
	}
	rc = rc == 0 ? dash_page(req, status, "Add a webhook endpoint",
				 "endpoints", &content, 0)
		     : dash_internal(req);
	kc_buf_free(&content);
	kc_buf_free(&boxes);
	kc_buf_free(&err);
	return rc;
}

int
kc_d_endpoint_new(struct kc_req *req)
{
	return new_form(req, 200, NULL);
}

/* One endpoint's page; secret (shown this once) after a create or a
 * rotation. */
static int
endpoint_page(struct kc_req *req, int status, const json_t *ep,
	      const char *secret, const char *note, const char *limits_error)
{
	static const char *const done[] = {
	    "test",
	    "A test event is queued for this endpoint.",
	    "enabled",
	    "The endpoint is enabled.",
	    "disabled",
	    "The endpoint is disabled: nothing is sent to it.",
	    "limits",
	    "The delivery limits are saved.",
	    "try_now",
	    "The next delivery to this endpoint is tried now.",
	    "not_open",
	    "The circuit is not open (any more): nothing to try early.",
	    NULL,
	};
	const char *id = json_string_value(json_object_get(ep, "id"));
	const json_t *h = json_object_get(ep, "health"), *t;
	struct kc_buf content, panel, snippet, flash, actions, types, state,
	    path, times;
	int on = json_is_true(json_object_get(ep, "enabled")), rc = 0;
	char rate[32], attempts[24], streak[24], dead[24];
	size_t j;

	kc_buf_init(&content, 256 * 1024);
	kc_buf_init(&panel, 16 * 1024);
	kc_buf_init(&snippet, 16 * 1024);
	kc_buf_init(&flash, 1024);
	kc_buf_init(&actions, 16 * 1024);
	kc_buf_init(&types, 4096);
	kc_buf_init(&state, 1024);
	kc_buf_init(&path, 512);
	kc_buf_init(&times, 4096);
	rc |= dash_flash(req, done, &flash);
	if (secret) {
		struct dash_slot s1[] = {DASH_TXT("secret", secret)};
		struct dash_slot s2[] = {
		    DASH_TXT("what", "signing secret"),
		    DASH_TXT("secret", secret),
		    DASH_TXT("note", note),
		    DASH_SAFE_HTML("snippet", &snippet),
		};
		rc |= dash_render(req, "signature_snippet.html", DASH_SLOTS(s1),
				  &snippet);
		rc |= dash_render(req, "secret.html", DASH_SLOTS(s2), &panel);
	}
	json_array_foreach(json_object_get(ep, "event_types"), j, t)
	{
		rc |= html_txt(&types, j ? ", " : "") |
		      html_txt(&types, json_string_value(t));
	}
	rc |= dash_badge(&state, !on ? "disabled"
				 : json_integer_value(json_object_get(
				       h, "consecutive_failures")) > 0
				     ? "failing"
				     : "healthy");
	if (!on && json_string_value(json_object_get(ep, "disabled_reason")))
		rc |= html_lit(&state, " ") |
		      html_txt(&state, json_string_value(json_object_get(
					   ep, "disabled_reason")));
	if (json_is_null(json_object_get(h, "success_rate_24h")))
		snprintf(rate, sizeof(rate), "no tries");
	else
		snprintf(rate, sizeof(rate), "%.1f %%",
			 100.0 * json_real_value(
				     json_object_get(h, "success_rate_24h")));
	snprintf(
	    attempts, sizeof(attempts), "%lld",
	    (long long)json_integer_value(json_object_get(h, "attempts_24h")));
	snprintf(streak, sizeof(streak), "%lld",
		 (long long)json_integer_value(
		     json_object_get(h, "consecutive_failures")));
	snprintf(dead, sizeof(dead), "%lld",
		 (long long)json_integer_value(
		     json_object_get(h, "dead_deliveries")));
	rc |= html_lit(&times, "<dt>Failing since</dt><dd>") |
	      dash_time(&times, json_object_get(h, "failing_since")) |
	      html_lit(&times, "</dd><dt>Last success</dt><dd>") |
	      dash_time(&times, json_object_get(h, "last_success_at")) |
	      html_lit(&times, "</dd><dt>Last failure</dt><dd>") |
	      dash_time(&times, json_object_get(h, "last_failure_at")) |
	      html_lit(&times, "</dd><dt>Created</dt><dd>") |
	      dash_time(&times, json_object_get(ep, "created_at")) |
	      html_lit(&times, "</dd>") | dash_limits_facts(&times, ep);
	if (dash_can(req, KC_ROLE_ADMIN)) {
		rc |= html_lit(&actions, "<div class=\"actions\">");
		kc_buf_reset(&path);
		rc |= endpoint_path(&path, id, "/test") |
		      dash_button(req, &actions, path.data, "Send a test event",
				  "button");
		kc_buf_reset(&path);
		rc |= endpoint_path(&path, id, "/rotate") |
		      dash_button(req, &actions, path.data,
				  "Rotate the signing secret", "button");
		kc_buf_reset(&path);
		rc |= endpoint_path(&path, id, on ? "/disable" : "/enable") |
		      dash_button(req, &actions, path.data,
				  on ? "Disable" : "Enable",
				  on ? "button danger" : "button");
		rc |= html_lit(&actions, "</div>");
		/* Bulk replay of what failed, as the dead-letter page has. */
		{
			struct dash_slot slots[] = {
			    DASH_TXT("csrf", req->session.csrf),
			    DASH_TXT("endpoint", id),
			};
			if (on)
				rc |= dash_render(req, "replay_form.html",
						  DASH_SLOTS(slots), &actions);
		}
		rc |= dash_limits_form(req, &actions, ep, limits_error);
	}
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("flash", &flash),
		    DASH_SAFE_HTML("panel", &panel),
		    DASH_TXT("id", id),
		    DASH_URL("id_url", id),
		    DASH_TXT("url",
			     json_string_value(json_object_get(ep, "url"))),
		    DASH_TXT("description", json_string_value(json_object_get(
						ep, "description"))),
		    DASH_SAFE_HTML("types", &types),
		    DASH_SAFE_HTML("state", &state),
		    DASH_TXT("rate", rate),
		    DASH_TXT("attempts", attempts),
		    DASH_TXT("streak", streak),
		    DASH_TXT("dead", dead),
		    DASH_SAFE_HTML("times", &times),
		    DASH_SAFE_HTML("actions", &actions),
		};
		if (rc == 0)
			rc = dash_render(req, "endpoint.html",
					 DASH_SLOTS(slots), &content);
	}
	rc = rc == 0 ? dash_page(req, status, "Webhook endpoint", "endpoints",
				 &content, 0)
		     : dash_internal(req);
	kc_buf_free(&content);
	kc_buf_free(&panel);
	kc_buf_free(&snippet);
	kc_buf_free(&flash);
	kc_buf_free(&actions);
	kc_buf_free(&types);
	kc_buf_free(&state);
	kc_buf_free(&path);
	kc_buf_free(&times);
	return rc;
}

int
dash_endpoint_page(struct kc_req *req, int status, const json_t *ep,
		   const char *limits_error)
{
	return endpoint_page(req, status, ep, NULL, NULL, limits_error);
}

int
dash_endpoint_missing(struct kc_req *req)
{
	return dash_error(req, 404, "There is no such webhook endpoint.");
}

int
kc_d_endpoint(struct kc_req *req)
{
	char secret[KC_WEBHOOK_SECRET_SIZE], what[32], note[200] = "";
	const char *shown = NULL;
	json_t *ep = NULL;
	int rc;

	if (!kc_id_valid("ep", req->params[0]))
		return dash_endpoint_missing(req);
	rc = kc_endpoint_view(req->db, req->session.business_id, req->params[0],
			      &ep);
	if (rc == KC_NOTFOUND)
		return dash_endpoint_missing(req);
	if (rc != 0)
		return dash_internal(req);
	/* Right after a create or a rotation: its secret, this once. */
	if (kc_query_get(req, "new") && req->cfg->has_master_key &&
	    kc_session_flash_take(req->db, req->cfg->master_key, &req->session,
				  req->params[0], what, sizeof(what), secret,
				  sizeof(secret)) == 0) {
		shown = secret;
		if (strcmp(what, "endpoint_rotated") == 0)
			snprintf(note, sizeof(note),
				 "This is the only time the new secret is "
				 "shown. For %lld hours deliveries are signed "
				 "with the old one as well.",
				 req->cfg->webhook_secret_grace / 3600);
		else
			snprintf(note, sizeof(note),
				 "This is the only time the secret is shown. "
				 "Put it in your receiver's configuration now: "
				 "it verifies that each delivery came from "
				 "us.");
	}
	rc = endpoint_page(req, 200, ep, shown, note, NULL);
	OPENSSL_cleanse(secret, sizeof(secret));
	json_decref(ep);
	return rc;
}

/* After a create or a rotation (its transaction open here): the secret,
 * sealed in the session for the endpoint's page, committed with what
 * made it, so that no secret exists that nobody can be shown; then the
 * browser is sent to the page (a reload of it makes nothing again and
 * shows the secret no more). */
static int
to_secret(struct kc_req *req, const char *what, const json_t *made,
	  const char *id)
{
	const char *secret = json_string_value(json_object_get(made, "secret"));
	struct kc_buf loc;
	int rc;

	if (id == NULL || secret == NULL ||
	    kc_session_flash_put(req->db, req->cfg->master_key, &req->session,
				 what, id, secret) != 0 ||
	    kc_db_commit(req->db) != 0) {
		kc_db_rollback(req->db);
		return dash_internal(req);
	}
	kc_buf_init(&loc, 512);
	rc = endpoint_path(&loc, id, "?new=1");
	rc = rc == 0 ? dash_redirect(req, loc.data) : dash_internal(req);
	kc_buf_free(&loc);
	return rc;
}

int
kc_d_endpoint_create(struct kc_req *req)
{
	static const struct dash_field fields[] = {
	    {"url", 2048, 1, 0},         {"description", 500, 0, 0},
	    {"event_types", 64, 0, 1},   {"rate_limit", 16, 0, 0},
	    {"max_in_flight", 16, 0, 0},
	};
	struct kc_actor actor = dash_actor(req);
	struct kc_endpoint_input in;
	const char *picked[64];
	json_t *types, *out = NULL;
	struct kc_verr e;
	char why[200];
	size_t i, n;
	int rc;

	if (!req->cfg->has_master_key) {
		kc_err("master_key is not configured: cannot seal secrets");
		return dash_internal(req);
	}
	if (dash_form_check(req, fields, 5, &e) != 0)
		return new_form(req, 422,
				strcmp(e.field, "url") == 0
				    ? "Give the URL the events go to."
				    : "The form could not be read; try "
				      "again.");
	kc_endpoint_input_init(&in);
	if (kc_endpoint_limits_text(kc_req_form_get(req, "rate_limit"),
				    kc_req_form_get(req, "max_in_flight"), &in,
				    &e) != 0)
		return new_form(req, 422,
				dash_limits_why(&e, why, sizeof(why)));
	n = dash_form_all(req, "event_types", picked, 64);
	if (n == 0)
		return new_form(req, 422, "Pick at least one event type.");
	if ((types = json_array()) == NULL)
		return dash_internal(req);
	for (i = 0; i < n; i++)
		json_array_append_new(types, json_string(picked[i]));
	if (kc_event_filter_validate(types, "event_types", &e) != 0) {
		json_decref(types);
		return new_form(req, 422, "Pick event types from the list.");
	}
	if (kc_url_check_webhook(kc_req_form_get(req, "url"),
				 req->cfg->webhook_allow_hosts, why,
				 sizeof(why)) != 0) {
		json_decref(types);
		return new_form(req, 422, why);
	}
	in.url = kc_req_form_get(req, "url");
	in.description = kc_req_form_get(req, "description");
	in.event_types = types;
	in.enabled = 1;
	if (kc_db_begin(req->db) != 0) {
		json_decref(types);
		return dash_internal(req);
	}
	rc = kc_endpoint_create(req->db, req->cfg->master_key, &actor,
				req->session.business_id, &in, &out);
	json_decref(types);
	if (rc != 0) {
		kc_db_rollback(req->db);
		return dash_internal(req);
	}
	rc = to_secret(req, "endpoint_created", out,
		       json_string_value(json_object_get(out, "id")));
	json_decref(out);
	return rc;
}

int
kc_d_endpoint_rotate(struct kc_req *req)
{
	struct kc_actor actor = dash_actor(req);
	json_t *out = NULL;
	int rc;

	if (!kc_id_valid("ep", req->params[0]))
		return dash_endpoint_missing(req);
	if (!req->cfg->has_master_key)
		return dash_internal(req);
	if (kc_db_begin(req->db) != 0)
		return dash_internal(req);
	rc = kc_endpoint_rotate(req->db, req->cfg->master_key, &actor,
				req->session.business_id, req->params[0],
				req->cfg->webhook_secret_grace, &out);
	if (rc != 0) {
		kc_db_rollback(req->db);
		if (rc == KC_NOTFOUND)
			return dash_endpoint_missing(req);
		return dash_internal(req);
	}
	rc = to_secret(req, "endpoint_rotated", out, req->params[0]);
	json_decref(out);
	return rc;
}

int
dash_endpoint_back(struct kc_req *req, const char *done)
{
	struct kc_buf loc;
	int rc;

	kc_buf_init(&loc, 512);
	rc = endpoint_path(&loc, req->params[0], "?done=") |
	     kc_buf_puts(&loc, done);
	rc = rc == 0 ? dash_redirect(req, loc.data) : dash_internal(req);
	kc_buf_free(&loc);
	return rc;
}

int
kc_d_endpoint_test(struct kc_req *req)
{
	json_t *event = NULL;
	int rc;

	if (!kc_id_valid("ep", req->params[0]))
		return dash_endpoint_missing(req);
	rc = kc_endpoint_send_test(req->db, req->session.business_id,
				   req->session.business_public_id,
				   req->params[0], &event);
	json_decref(event);
	if (rc == KC_NOTFOUND)
		return dash_endpoint_missing(req);
	if (rc != 0)
		return dash_internal(req);
	return dash_endpoint_back(req, "test");
}

static int
set_enabled(struct kc_req *req, int on)
{
	struct kc_actor actor = dash_actor(req);
	struct kc_endpoint_input in;
	json_t *out = NULL;
	int rc;

	if (!kc_id_valid("ep", req->params[0]))
		return dash_endpoint_missing(req);
	kc_endpoint_input_init(&in);
	in.enabled = on;
	rc = kc_endpoint_update(req->db, &actor, req->session.business_id,
				req->params[0], &in, &out);
	json_decref(out);
	if (rc == KC_NOTFOUND)
		return dash_endpoint_missing(req);
	if (rc != 0)
		return dash_internal(req);
	return dash_endpoint_back(req, on ? "enabled" : "disabled");
}

int
kc_d_endpoint_enable(struct kc_req *req)
{
	return set_enabled(req, 1);
}

int
kc_d_endpoint_disable(struct kc_req *req)
{
	return set_enabled(req, 0);
}
