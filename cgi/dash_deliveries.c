/* Deliveries: the list with its filters, one delivery with every try and
 * Replay, the dead letters with bulk replay, and a bulk replay's progress
 * (the page reloads itself until it is done). */
#include "dash.h"
#include "kc_delivery.h"
#include "kc_endpoint.h"
#include "kc_event_types.h"
#include "kc_id.h"
#include "kc_replay.h"
#include "kc_time.h"

#include <stdio.h>
#include <string.h>

#define LIST_LIMIT 50

/* The business's endpoints (the first 100), for names and filters. */
static json_t *
endpoints_of(struct kc_req *req)
{
	json_t *list = NULL;

	if (kc_endpoint_list(req->db, req->session.business_id, NULL, 100,
			     &list) != 0)
		return NULL;
	return list;
}

static const char *
endpoint_url(const json_t *eps, const char *id)
{
	const json_t *ep;
	size_t i;

	json_array_foreach(json_object_get(eps, "data"), i, ep)
	{
		if (id && strcmp(json_string_value(json_object_get(ep, "id")),
				 id) == 0)
			return json_string_value(json_object_get(ep, "url"));
	}
	return id;
}

static int
endpoint_options(struct kc_buf *b, const json_t *eps, const char *current,
		 const char *none)
{
	const json_t *ep;
	size_t i;
	int rc = 0;

	if (none)
		rc |= dash_option(b, "", none, current);
	json_array_foreach(json_object_get(eps, "data"), i, ep)
	{
		rc |= dash_option(
		    b, json_string_value(json_object_get(ep, "id")),
		    json_string_value(json_object_get(ep, "url")), current);
	}
	return rc;
}

static int
delivery_rows(struct kc_req *req, const json_t *list, const json_t *eps,
	      struct kc_buf *b)
{
	const json_t *d;
	struct kc_buf badge, created, last;
	size_t i;
	int rc = 0;

	kc_buf_init(&badge, 512);
	kc_buf_init(&created, 256);
	kc_buf_init(&last, 1024);
	json_array_foreach(json_object_get(list, "data"), i, d)
	{
		const char *err =
		    json_string_value(json_object_get(d, "last_error"));
		const json_t *code = json_object_get(d, "last_status_code");
		char tries[24];

		kc_buf_reset(&badge);
		kc_buf_reset(&created);
		kc_buf_reset(&last);
		rc |= dash_badge(
		    &badge, json_string_value(json_object_get(d, "status")));
		rc |= dash_time(&created, json_object_get(d, "created_at"));
		if (json_is_integer(code))
			rc |= html_txtf(&last, "HTTP %lld",
					(long long)json_integer_value(code));
		if (err)
			rc |=
			    html_txt(&last, json_is_integer(code) ? ", " : "") |
			    html_txt(&last, err);
		snprintf(tries, sizeof(tries), "%lld",
			 (long long)json_integer_value(
			     json_object_get(d, "attempts")));
		{
			const char *id =
			    json_string_value(json_object_get(d, "id"));
			struct dash_slot slots[] = {
			    DASH_URL("id_url", id),
			    DASH_TXT("id", id),
			    DASH_SAFE_HTML("created", &created),
			    DASH_TXT("type", json_string_value(json_object_get(
						 d, "event_type"))),
			    DASH_TXT("endpoint",
				     endpoint_url(
					 eps, json_string_value(json_object_get(
						  d, "endpoint_id")))),
			    DASH_SAFE_HTML("status", &badge),
			    DASH_TXT("tries", tries),
			    DASH_SAFE_HTML("last", &last),
			};
			if (rc == 0)
				rc = dash_render(req, "deliveries_row.html",
						 DASH_SLOTS(slots), b);
		}
	}
	kc_buf_free(&badge);
	kc_buf_free(&created);
	kc_buf_free(&last);
	return rc;
}

int
kc_d_deliveries(struct kc_req *req)
{
	static const char *const statuses[] = {
	    "pending", "in_flight", "delivered", "failed", "dead", NULL};
	struct kc_delivery_filter f;
	char since[KC_TIME_MAX], until[KC_TIME_MAX];
	const char *ep = kc_query_get(req, "endpoint");
	const char *type = kc_query_get(req, "type");
	const char *after = kc_query_get(req, "after");
	struct kc_buf content, rows, more, sopts, eopts, topts;
	json_t *list = NULL, *eps = NULL;
	size_t i;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	if (dash_pick(kc_query_get(req, "status"), statuses, &f.status) != 0 ||
	    (ep && *ep && !kc_id_valid("ep", ep)) ||
	    (after && !kc_id_valid("dlv", after)) ||
	    dash_local_time(kc_query_get(req, "since"), since, sizeof(since),
			    &f.since) != 0 ||
	    dash_local_time(kc_query_get(req, "until"), until, sizeof(until),
			    &f.until) != 0)
		return dash_error(req, 400,
				  "A filter has a value that is not one of "
				  "its choices.");
	f.endpoint = ep && *ep ? ep : NULL;
	if (type && *type) {
		for (i = 0; i < kc_event_types_count; i++)
			if (strcmp(type, kc_event_types[i].name) == 0)
				f.type = kc_event_types[i].name;
		if (f.type == NULL)
			return dash_error(req, 400,
					  "There is no such event type.");
	}
	rc = kc_delivery_list(req->db, req->session.business_id, &f, after,
			      LIST_LIMIT, &list);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 400, "That is not a page of this list.");
	if (rc != 0 || (eps = endpoints_of(req)) == NULL) {
		json_decref(list);
		return dash_internal(req);
	}
	kc_buf_init(&content, 2 * 1024 * 1024);
	kc_buf_init(&rows, 2 * 1024 * 1024);
	kc_buf_init(&more, 4096);
	kc_buf_init(&sopts, 4096);
	kc_buf_init(&eopts, 64 * 1024);
	kc_buf_init(&topts, 4096);
	rc |= dash_option(&sopts, "", "any status", f.status);
	for (i = 0; statuses[i]; i++)
		rc |= dash_option(&sopts, statuses[i], statuses[i], f.status);
	rc |= endpoint_options(&eopts, eps, f.endpoint, "any endpoint");
	rc |= dash_option(&topts, "", "any event type", f.type);
	for (i = 0; i < kc_event_types_count; i++)
		rc |= dash_option(&topts, kc_event_types[i].name,
				  kc_event_types[i].name, f.type);
	rc |= delivery_rows(req, list, eps, &rows) |
	      dash_pager(req, "/app/deliveries", list, &more);
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("status_options", &sopts),
		    DASH_SAFE_HTML("endpoint_options", &eopts),
		    DASH_SAFE_HTML("type_options", &topts),
		    DASH_TXT("since", kc_query_get(req, "since")),
		    DASH_TXT("until", kc_query_get(req, "until")),
		    DASH_SAFE_HTML("rows", &rows),
		    DASH_SAFE_HTML("more", &more),
		};
		if (rc == 0)
			rc = dash_render(req, "deliveries.html",
					 DASH_SLOTS(slots), &content);
	}
	rc = rc == 0
		 ? dash_page(req, 200, "Deliveries", "deliveries", &content, 0)
		 : dash_internal(req);
	json_decref(list);
	json_decref(eps);
	kc_buf_free(&content);
	kc_buf_free(&rows);
	kc_buf_free(&more);
	kc_buf_free(&sopts);
	kc_buf_free(&eopts);
	kc_buf_free(&topts);
	return rc;
}

static int
attempt_rows(struct kc_req *req, const json_t *attempts, struct kc_buf *b)
{
	const json_t *a;
	struct kc_buf when, result;
	size_t i;
	int rc = 0;

	kc_buf_init(&when, 256);
	kc_buf_init(&result, 2048);
	json_array_foreach(attempts, i, a)
	{
		const json_t *code = json_object_get(a, "status_code");
		const char *err =
		    json_string_value(json_object_get(a, "error"));
		char n[24], ms[32];

		kc_buf_reset(&when);
		kc_buf_reset(&result);
		rc |= dash_time(&when, json_object_get(a, "started_at"));
		rc |= dash_badge(&result, json_is_true(json_object_get(a, "ok"))
					      ? "ok"
					      : "failed");
		if (json_is_integer(code))
			rc |= html_txtf(&result, " HTTP %lld",
					(long long)json_integer_value(code));
		if (err)
			rc |= html_lit(&result, " ") | html_txt(&result, err);
		snprintf(n, sizeof(n), "%lld",
			 (long long)json_integer_value(
			     json_object_get(a, "attempt")));
		snprintf(ms, sizeof(ms), "%lld ms",
			 (long long)json_integer_value(
			     json_object_get(a, "duration_ms")));
		{
			const char *answer = json_string_value(
			    json_object_get(a, "response_body"));
			struct dash_slot slots[] = {
			    DASH_TXT("n", n),
			    DASH_SAFE_HTML("when", &when),
			    DASH_SAFE_HTML("result", &result),
			    DASH_TXT("latency", ms),
			    DASH_TXT("answer",
				     answer && *answer ? answer : "(none)"),
			};
			if (rc == 0)
				rc = dash_render(req, "attempt_row.html",
						 DASH_SLOTS(slots), b);
		}
	}
	kc_buf_free(&when);
	kc_buf_free(&result);
	return rc;
}

static int
delivery_link(struct kc_buf *b, const char *label, const char *id)
{
	if (id == NULL)
		return 0;
	return html_lit(b, "<dt>") | html_txt(b, label) |
	       html_lit(b, "</dt><dd><a href=\"/app/deliveries/") |
	       html_url_arg(b, id) | html_lit(b, "\">") | html_txt(b, id) |
	       html_lit(b, "</a></dd>");
}

int
kc_d_delivery(struct kc_req *req)
{
	static const char *const done[] = {
	    "replayed",
	    "Replay queued: this is the new delivery of the "
	    "same event.",
	    NULL};
	struct kc_buf content, flash, badge, times, links, actions, tries, last,
	    path;
	json_t *d = NULL, *eps = NULL;
	const char *status, *id = req->params[0];
	char attempts[24];
	int rc;

	if (!kc_id_valid("dlv", id))
		return dash_error(req, 404, "There is no such delivery.");
	rc = kc_delivery_get(req->db, req->session.business_id, id, &d);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 404, "There is no such delivery.");
	if (rc != 0 || (eps = endpoints_of(req)) == NULL) {
		json_decref(d);
		return dash_internal(req);
	}
	status = json_string_value(json_object_get(d, "status"));
	kc_buf_init(&content, 2 * 1024 * 1024);
	kc_buf_init(&flash, 1024);
	kc_buf_init(&badge, 512);
	kc_buf_init(&times, 4096);
	kc_buf_init(&links, 4096);
	kc_buf_init(&actions, 4096);
	kc_buf_init(&tries, 1024 * 1024);
	kc_buf_init(&last, 4096);
	kc_buf_init(&path, 512);
	rc = dash_flash(req, done, &flash) | dash_badge(&badge, status);
	rc |= html_lit(&times, "<dt>Created</dt><dd>") |
	      dash_time(&times, json_object_get(d, "created_at")) |
	      html_lit(&times, "</dd><dt>Last try</dt><dd>") |
	      dash_time(&times, json_object_get(d, "last_attempt_at")) |
	      html_lit(&times, "</dd><dt>Next try</dt><dd>") |
	      dash_time(&times, json_object_get(d, "next_attempt_at")) |
	      html_lit(&times, "</dd><dt>Delivered</dt><dd>") |
	      dash_time(&times, json_object_get(d, "delivered_at")) |
	      html_lit(&times, "</dd>");
	rc |= delivery_link(&links, "A replay of",
			    json_string_value(json_object_get(d, "replay_of")));
	rc |=
	    delivery_link(&links, "Replayed as",
			  json_string_value(json_object_get(d, "replayed_by")));
	/* Replay is offered where it can work: a finished delivery, or one
	 * waiting for its next try, not replayed already. */
	if (dash_can(req, KC_ROLE_ADMIN) &&
	    json_is_null(json_object_get(d, "replayed_by")) &&
	    (strcmp(status, "delivered") == 0 || strcmp(status, "dead") == 0 ||
	     strcmp(status, "failed") == 0)) {
		rc |= kc_buf_puts(&path, "/app/deliveries/") |
		      html_url_arg(&path, id) | kc_buf_puts(&path, "/replay");
		rc |= dash_button(req, &actions, path.data,
				  strcmp(status, "failed") == 0 ? "Retry now"
								: "Replay",
				  "button");
	}
	rc |= attempt_rows(req, json_object_get(d, "attempt_log"), &tries);
	snprintf(attempts, sizeof(attempts), "%lld",
		 (long long)json_integer_value(json_object_get(d, "attempts")));
	{
		const char *ep =
		    json_string_value(json_object_get(d, "endpoint_id"));
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("flash", &flash),
		    DASH_TXT("id", id),
		    DASH_SAFE_HTML("status", &badge),
		    DASH_TXT("type", json_string_value(
					 json_object_get(d, "event_type"))),
		    DASH_TXT("event",
			     json_string_value(json_object_get(d, "event_id"))),
		    DASH_URL("endpoint_url", ep),
		    DASH_TXT("endpoint", endpoint_url(eps, ep)),
		    DASH_TXT("attempts", attempts),
		    DASH_SAFE_HTML("times", &times),
		    DASH_SAFE_HTML("links", &links),
		    DASH_SAFE_HTML("actions", &actions),
		    DASH_SAFE_HTML("tries", &tries),
		};
		if (rc == 0)
			rc = dash_render(req, "delivery.html",
					 DASH_SLOTS(slots), &content);
	}
	rc = rc == 0
		 ? dash_page(req, 200, "Delivery", "deliveries", &content, 0)
		 : dash_internal(req);
	json_decref(d);
	json_decref(eps);
	kc_buf_free(&content);
	kc_buf_free(&flash);
	kc_buf_free(&badge);
	kc_buf_free(&times);
	kc_buf_free(&links);
	kc_buf_free(&actions);
	kc_buf_free(&tries);
	kc_buf_free(&last);
	kc_buf_free(&path);
	return rc;
}

int
kc_d_delivery_replay(struct kc_req *req)
{
	struct kc_actor actor = dash_actor(req);
	char newer[KC_ID_MAX];
	const char *why = NULL;
	struct kc_buf loc;
	json_t *out = NULL;
	int rc;

	if (!kc_id_valid("dlv", req->params[0]))
		return dash_error(req, 404, "There is no such delivery.");
	rc = kc_delivery_replay(req->db, req->session.business_id,
				req->params[0], &actor, &out, &why, newer);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 404, "There is no such delivery.");
	if (rc == KC_CONFLICT)
		return dash_error(
		    req, 409,
		    strcmp(why, "already_replayed") == 0
			? "This delivery was replayed already: replay the "
			  "newer one if it is needed again."
		    : strcmp(why, "endpoint_deleted") == 0
			? "Its endpoint was deleted: it cannot be sent "
			  "again."
		    : strcmp(why, "endpoint_disabled") == 0
			? "Its endpoint is disabled: enable it first."
			: "It is pending or being sent right now; it needs no "
			  "replay.");
	if (rc != 0)
		return dash_internal(req);
	kc_buf_init(&loc, 512);
	rc = kc_buf_puts(&loc, "/app/deliveries/") |
	     html_url_arg(&loc, json_string_value(json_object_get(out, "id"))) |
	     kc_buf_puts(&loc, "?done=replayed");
	json_decref(out);
	rc = rc == 0 ? dash_redirect(req, loc.data) : dash_internal(req);
	kc_buf_free(&loc);
	return rc;
}

int
kc_d_dead_letters(struct kc_req *req)
{
	struct kc_delivery_filter f;
	const char *ep = kc_query_get(req, "endpoint");
	const char *after = kc_query_get(req, "after");
	struct kc_buf content, rows, more, eopts, form;
	json_t *list = NULL, *eps = NULL;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	f.status = "dead";
	if ((ep && *ep && !kc_id_valid("ep", ep)) ||
	    (after && !kc_id_valid("dlv", after)))
		return dash_error(req, 400,
				  "A filter has a value that is not one of "
				  "its choices.");
	f.endpoint = ep && *ep ? ep : NULL;
	rc = kc_delivery_list(req->db, req->session.business_id, &f, after,
			      LIST_LIMIT, &list);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 400, "That is not a page of this list.");
	if (rc != 0 || (eps = endpoints_of(req)) == NULL) {
		json_decref(list);
		return dash_internal(req);
	}
	kc_buf_init(&content, 2 * 1024 * 1024);
	kc_buf_init(&rows, 2 * 1024 * 1024);
	kc_buf_init(&more, 4096);
	kc_buf_init(&eopts, 64 * 1024);
	kc_buf_init(&form, 64 * 1024);
	rc |= endpoint_options(&eopts, eps, f.endpoint, "any endpoint");
	rc |= delivery_rows(req, list, eps, &rows) |
	      dash_pager(req, "/app/dead-letters", list, &more);
	if (dash_can(req, KC_ROLE_ADMIN) &&
	    json_array_size(json_object_get(eps, "data")) > 0) {
		struct kc_buf opts;

		kc_buf_init(&opts, 64 * 1024);
		rc |= endpoint_options(&opts, eps, f.endpoint, NULL);
		{
			struct dash_slot slots[] = {
			    DASH_TXT("csrf", req->session.csrf),
			    DASH_SAFE_HTML("endpoint_options", &opts),
			};
			if (rc == 0)
				rc = dash_render(req, "bulk_replay.html",
						 DASH_SLOTS(slots), &form);
		}
		kc_buf_free(&opts);
	}
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("endpoint_options", &eopts),
		    DASH_SAFE_HTML("rows", &rows),
		    DASH_SAFE_HTML("more", &more),
		    DASH_SAFE_HTML("replay", &form),
		};
		if (rc == 0)
			rc = dash_render(req, "dead_letters.html",
					 DASH_SLOTS(slots), &content);
	}
	rc = rc == 0 ? dash_page(req, 200, "Dead letters", "dead-letters",
				 &content, 0)
		     : dash_internal(req);
	json_decref(list);
	json_decref(eps);
	kc_buf_free(&content);
	kc_buf_free(&rows);
	kc_buf_free(&more);
	kc_buf_free(&eopts);
	kc_buf_free(&form);
	return rc;
}

int
kc_d_replay_create(struct kc_req *req)
{
	static const struct dash_field fields[] = {
	    {"endpoint", 64, 1, 0},
	    {"status", 16, 1, 0},
	    {"since", 19, 0, 0},
	    {"until", 19, 0, 0},
	};
	struct kc_actor actor = dash_actor(req);
	char since[KC_TIME_MAX], until[KC_TIME_MAX];
	const char *filter, *s, *u, *ep;
	struct kc_verr e;
	struct kc_buf loc;
	json_t *out = NULL;
	int rc;

	if (dash_form_check(req, fields, 4, &e) != 0 ||
	    dash_pick(kc_req_form_get(req, "status"), kc_replay_filters,
		      &filter) != 0 ||
	    filter == NULL ||
	    !kc_id_valid("ep", (ep = kc_req_form_get(req, "endpoint"))))
		return dash_error(req, 422,
				  "Pick an endpoint and which deliveries to "
				  "send again.");
	if (dash_local_time(kc_req_form_get(req, "since"), since, sizeof(since),
			    &s) != 0 ||
	    dash_local_time(kc_req_form_get(req, "until"), until, sizeof(until),
			    &u) != 0)
		return dash_error(req, 422,
				  "A time is not a date and time such as "
				  "2026-01-31T14:00.");
	if (s && u && strcmp(since, until) >= 0)
		return dash_error(req, 422,
				  "The end of the range must come after its "
				  "start.");
	rc = kc_replay_create(req->db, req->session.business_id, ep, filter, s,
			      u, &actor, &out);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 404,
				  "There is no such webhook endpoint.");
	if (rc == KC_CONFLICT)
		return dash_error(req, 409,
				  "The endpoint is disabled: enable it before "
				  "replaying to it.");
	if (rc != 0)
		return dash_internal(req);
	kc_buf_init(&loc, 512);
	rc = kc_buf_puts(&loc, "/app/replays/") |
	     html_url_arg(&loc, json_string_value(json_object_get(out, "id")));
	json_decref(out);
	rc = rc == 0 ? dash_redirect(req, loc.data) : dash_internal(req);
	kc_buf_free(&loc);
	return rc;
}

int
kc_d_replay(struct kc_req *req)
{
	json_t *r = NULL, *eps = NULL;
	struct kc_buf content, state;
	long long total, done, delivered, dead, waiting;
	char n_total[24], n_done[24], n_del[24], n_dead[24], n_wait[24];
	const char *status, *ep;
	int rc, finished;

	if (!kc_id_valid("rpl", req->params[0]))
		return dash_error(req, 404, "There is no such replay.");
	rc = kc_replay_get(req->db, req->session.business_id, req->params[0],
			   &r);
	if (rc == KC_NOTFOUND)
		return dash_error(req, 404, "There is no such replay.");
	if (rc != 0 || (eps = endpoints_of(req)) == NULL) {
		json_decref(r);
		return dash_internal(req);
	}
	status = json_string_value(json_object_get(r, "status"));
	total = json_integer_value(json_object_get(r, "total"));
	done = json_integer_value(json_object_get(r, "done"));
	delivered = json_integer_value(json_object_get(r, "delivered"));
	dead = json_integer_value(json_object_get(r, "dead"));
	waiting = done - delivered - dead;
	if (waiting < 0)
		waiting = 0;
	/* Done: every delivery is queued again and each has arrived or been
	 * given up on. Until then the page reloads itself. */
	finished = strcmp(status, "completed") == 0 && waiting == 0;
	snprintf(n_total, sizeof(n_total), "%lld", total);
	snprintf(n_done, sizeof(n_done), "%lld", done);
	snprintf(n_del, sizeof(n_del), "%lld", delivered);
	snprintf(n_dead, sizeof(n_dead), "%lld", dead);
	snprintf(n_wait, sizeof(n_wait), "%lld", waiting);
	kc_buf_init(&content, 256 * 1024);
	kc_buf_init(&state, 1024);
	rc = finished
		 ? html_lit(&state, "<p class=\"notice\" role=\"status\" "
				    "id=\"replay-state\">Finished.</p>")
		 : html_lit(&state, "<p class=\"muted\" role=\"status\" "
				    "id=\"replay-state\">Working on it; "
				    "this page reloads itself.</p><p>"
				    "<button type=\"button\" "
				    "class=\"button\" id=\"refresh-pause\" "
				    "hidden>Pause the updates</button>"
				    "</p>");
	ep = json_string_value(json_object_get(r, "endpoint_id"));
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("state", &state),
		    DASH_TXT("id", req->params[0]),
		    DASH_URL("endpoint_url", ep),
		    DASH_TXT("endpoint", endpoint_url(eps, ep)),
		    DASH_TXT("filter",
			     json_string_value(json_object_get(r, "filter"))),
		    DASH_TXT("status", status),
		    DASH_TXT("total", n_total),
		    DASH_TXT("done", n_done),
		    DASH_TXT("delivered", n_del),
		    DASH_TXT("dead", n_dead),
		    DASH_TXT("waiting", n_wait),
		    /* <progress> wants a maximum above 0. */
		    DASH_TXT("max", total > 0 ? n_total : "1"),
		    DASH_TXT("value",
			     total > 0 ? n_done : (finished ? "1" : "0")),
		};
		if (rc == 0)
			rc = dash_render(req, "replay.html", DASH_SLOTS(slots),
					 &content);
	}
	rc = rc == 0 ? dash_page(req, 200, "Bulk replay", "dead-letters",
				 &content, finished ? 0 : 2)
		     : dash_internal(req);
	json_decref(r);
	json_decref(eps);
	kc_buf_free(&content);
	kc_buf_free(&state);
	return rc;
}
