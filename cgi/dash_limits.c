/* A webhook endpoint's delivery limits (rate_limit, max_in_flight) and
 * its circuit breaker on the dashboard: shown on the endpoint's page and
 * as a hint in the list, set on create and on the page (checked by
 * kc_endpoint_limits_text, the API's check, and written through
 * kc_endpoint_update with its audit row), and "Try now" on an open
 * breaker. */
#include "dash.h"
#include "kc_endpoint.h"
#include "kc_id.h"

#include <stdio.h>
#include <string.h>

static const char *
breaker_state(const json_t *ep)
{
	const char *s = json_string_value(json_object_get(
	    json_object_get(json_object_get(ep, "health"), "breaker"),
	    "state"));

	return s ? s : "closed";
}

static const json_t *
breaker_get(const json_t *ep, const char *key)
{
	return json_object_get(
	    json_object_get(json_object_get(ep, "health"), "breaker"), key);
}

void
dash_limits_values(const json_t *ep, char *rate, size_t rcap, char *max,
		   size_t mcap)
{
	const json_t *r = json_object_get(ep, "rate_limit");

	if (json_is_integer(r))
		snprintf(rate, rcap, "%lld", (long long)json_integer_value(r));
	else
		snprintf(rate, rcap, "%s", "");
	snprintf(max, mcap, "%lld",
		 (long long)json_integer_value(
		     json_object_get(ep, "max_in_flight")));
}

/* "5 a second, 3 at once" or "no rate limit, 10 at once". */
static int
limits_txt(struct kc_buf *b, const json_t *ep)
{
	char rate[32], max[32], line[96];

	dash_limits_values(ep, rate, sizeof(rate), max, sizeof(max));
	if (*rate)
		snprintf(line, sizeof(line), "%s a second, %s at once", rate,
			 max);
	else
		snprintf(line, sizeof(line), "no rate limit, %s at once", max);
	return html_txt(b, line);
}

int
dash_limits_facts(struct kc_buf *b, const json_t *ep)
{
	const char *st = breaker_state(ep);
	char n[24];
	int rc;

	snprintf(n, sizeof(n), "%lld",
		 (long long)json_integer_value(breaker_get(ep, "failures")));
	rc = html_lit(b, "<dt>Delivery limits</dt><dd>") | limits_txt(b, ep) |
	     html_lit(b, "</dd><dt>Circuit breaker</dt><dd>");
	if (strcmp(st, "open") == 0)
		/* Held, not dropped: the deliveries keep their place. */
		rc |= html_lit(b, "open until ") |
		      dash_time(b, breaker_get(ep, "next_probe_at")) |
		      html_lit(b, " (opened ") |
		      dash_time(b, breaker_get(ep, "opened_at")) |
		      html_lit(b, "; failures in a row: ") | html_txt(b, n) |
		      html_lit(b, "): deliveries wait, then one try decides");
	else if (strcmp(st, "half_open") == 0)
		rc |= html_lit(b, "half-open: the next try decides whether it "
				  "closes");
	else
		rc |= html_lit(b, "closed");
	return rc | html_lit(b, "</dd>");
}

int
dash_limits_hint(struct kc_buf *b, const json_t *ep)
{
	const char *st = breaker_state(ep);
	int rc = limits_txt(b, ep);

	if (strcmp(st, "open") == 0)
		rc |= html_lit(b, "<br><span class=\"muted\">circuit open "
				  "until ") |
		      dash_time(b, breaker_get(ep, "next_probe_at")) |
		      html_lit(b, "</span>");
	else if (strcmp(st, "half_open") == 0)
		rc |= html_lit(b, "<br><span class=\"muted\">circuit "
				  "half-open</span>");
	return rc;
}

const char *
dash_limits_why(const struct kc_verr *e, char *buf, size_t cap)
{
	if (strcmp(e->field, "rate_limit") == 0)
		snprintf(buf, cap,
			 "Deliveries a second: give a whole number from 1 to "
			 "%d, or leave it empty for no limit.",
			 KC_ENDPOINT_RATE_LIMIT_MAX);
	else if (strcmp(e->field, "max_in_flight") == 0)
		snprintf(buf, cap,
			 "Deliveries at once: give a whole number from 1 to "
			 "%d.",
			 KC_ENDPOINT_MAX_IN_FLIGHT_MAX);
	else
		snprintf(buf, cap, "The limits could not be read; try again.");
	return buf;
}

int
dash_limits_form(struct kc_req *req, struct kc_buf *b, const json_t *ep,
		 const char *error)
{
	const char *id = json_string_value(json_object_get(ep, "id"));
	const char *rate_in = NULL, *max_in = NULL;
	char rate[32], max[32];
	struct kc_buf err, probe, path;
	int rc = 0;

	/* After a refusal the form shows what was typed, to be fixed. */
	if (error) {
		rate_in = kc_req_form_get(req, "rate_limit");
		max_in = kc_req_form_get(req, "max_in_flight");
	}
	dash_limits_values(ep, rate, sizeof(rate), max, sizeof(max));
	kc_buf_init(&err, 2048);
	kc_buf_init(&probe, 4096);
	kc_buf_init(&path, 512);
	if (error)
		rc |= html_lit(&err, "<p class=\"error\" role=\"alert\" "
				     "id=\"lim-error\">") |
		      html_txt(&err, error) | html_lit(&err, "</p>");
	if (strcmp(breaker_state(ep), "open") == 0)
		rc |= kc_buf_puts(&path, "/app/endpoints/") |
		      html_url_arg(&path, id) | kc_buf_puts(&path, "/try-now") |
		      html_lit(&probe, "<p>The circuit is open: deliveries to "
				       "this endpoint wait for its next probe. "
				       "Fixed the receiver? Try it now rather "
				       "than at the end of the wait.</p><div "
				       "class=\"actions\">") |
		      dash_button(req, &probe, path.data, "Try now", "button") |
		      html_lit(&probe, "</div>");
	{
		struct dash_slot slots[] = {
		    DASH_URL("id", id),
		    DASH_TXT("csrf", req->session.csrf),
		    DASH_SAFE_HTML("error", &err),
		    DASH_TXT("rate", rate_in ? rate_in : rate),
		    DASH_TXT("max", max_in ? max_in : max),
		    DASH_SAFE_HTML("probe", &probe),
		};
		if (rc == 0)
			rc = dash_render(req, "endpoint_limits.html",
					 DASH_SLOTS(slots), b);
	}
	kc_buf_free(&err);
	kc_buf_free(&probe);
	kc_buf_free(&path);
	return rc;
}

int
kc_d_endpoint_limits(struct kc_req *req)
{
	static const struct dash_field fields[] = {
	    {"rate_limit", 16, 0, 0},
	    {"max_in_flight", 16, 1, 0},
	};
	struct kc_actor actor = dash_actor(req);
	struct kc_endpoint_input in;
	json_t *ep = NULL;
	struct kc_verr e;
	char why[200];
	int rc;

	if (!kc_id_valid("ep", req->params[0]))
		return dash_endpoint_missing(req);
	kc_endpoint_input_init(&in);
	if (dash_form_check(req, fields, 2, &e) == 0 &&
	    kc_endpoint_limits_text(kc_req_form_get(req, "rate_limit"),
				    kc_req_form_get(req, "max_in_flight"), &in,
				    &e) == 0) {
		rc = kc_endpoint_update(req->db, &actor,
					req->session.business_id,
					req->params[0], &in, &ep);
		json_decref(ep);
		if (rc == KC_NOTFOUND)
			return dash_endpoint_missing(req);
		return rc == 0 ? dash_endpoint_back(req, "limits")
			       : dash_internal(req);
	}
	/* Refused: the page again, nothing changed, and why. */
	dash_limits_why(&e, why, sizeof(why));
	rc = kc_endpoint_view(req->db, req->session.business_id, req->params[0],
			      &ep);
	if (rc == KC_NOTFOUND)
		return dash_endpoint_missing(req);
	if (rc != 0)
		return dash_internal(req);
	rc = dash_endpoint_page(req, 422, ep, why);
	json_decref(ep);
	return rc;
}

int
kc_d_endpoint_try_now(struct kc_req *req)
{
	struct kc_actor actor = dash_actor(req);
	int rc;

	if (!kc_id_valid("ep", req->params[0]))
		return dash_endpoint_missing(req);
	rc = kc_endpoint_try_now(req->db, &actor, req->session.business_id,
				 req->params[0]);
	if (rc == KC_NOTFOUND)
		return dash_endpoint_missing(req);
	/* Closed meanwhile, or already due to probe: nothing to hurry. */
	if (rc == KC_CONFLICT)
		return dash_endpoint_back(req, "not_open");
	return rc == 0 ? dash_endpoint_back(req, "try_now")
		       : dash_internal(req);
}
