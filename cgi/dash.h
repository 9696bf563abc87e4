/* The dashboard: server-rendered HTML for the people of a business, in
 * the same program and the same route table as the API. The router hands
 * a dashboard route (KC_R_DASH, KC_R_DASH_OPEN) to kc_dash_dispatch,
 * which answers the sign-in redirect, 403 (role, CSRF) and 400 before
 * the page's handler runs. Handlers (cgi/dash_*.c) call the same lib/
 * functions as the API's and render through templates (cgi/dash_tpl.h)
 * and the escaping writers (cgi/html.h). */
#ifndef KC_DASH_H
#define KC_DASH_H

#include "dash_tpl.h"
#include "html.h"
#include "request.h"
#include "response.h"
#include "routes.h"

#include <jansson.h>

int kc_dash_dispatch(struct kc_req *req, const struct kc_route *r);
/* 1 if path is the dashboard's (so a 404 or 405 there is a page). */
int kc_dash_path(const char *path);
int kc_dash_not_found(struct kc_req *req, int status);

/* The pages (cgi/dash_<page>.c). */
int kc_d_home(struct kc_req *req);
int kc_d_signin_form(struct kc_req *req);
int kc_d_signin(struct kc_req *req);
int kc_d_signout(struct kc_req *req);
int kc_d_signout_everywhere(struct kc_req *req);
int kc_d_overview(struct kc_req *req);
int kc_d_keys(struct kc_req *req);
int kc_d_keys_create(struct kc_req *req);
int kc_d_keys_rotate(struct kc_req *req);
int kc_d_keys_revoke(struct kc_req *req);
int kc_d_endpoints(struct kc_req *req);
int kc_d_endpoint_new(struct kc_req *req);
int kc_d_endpoint_create(struct kc_req *req);
int kc_d_endpoint(struct kc_req *req);
int kc_d_endpoint_rotate(struct kc_req *req);
int kc_d_endpoint_test(struct kc_req *req);
int kc_d_endpoint_enable(struct kc_req *req);
int kc_d_endpoint_disable(struct kc_req *req);
int kc_d_endpoint_limits(struct kc_req *req);
int kc_d_endpoint_try_now(struct kc_req *req);
int kc_d_deliveries(struct kc_req *req);
int kc_d_delivery(struct kc_req *req);
int kc_d_delivery_replay(struct kc_req *req);
int kc_d_dead_letters(struct kc_req *req);
int kc_d_replay_create(struct kc_req *req);
int kc_d_replay(struct kc_req *req);
int kc_d_audit(struct kc_req *req);

/* --- for the pages ------------------------------------------------------ */

/* Whether the request came over TLS: the web server says HTTPS=on, or a
 * proxy in trusted_proxies says X-Forwarded-Proto: https. Cookies are
 * then Secure and named with the __Host- prefix. */
int dash_https(const struct kc_req *req);
/* The client's address: REMOTE_ADDR, or the last hop of X-Forwarded-For
 * when REMOTE_ADDR is a trusted proxy. */
const char *dash_client_addr(const struct kc_req *req, char *buf, size_t cap);
/* The value of our cookie name (without its prefix) into out; 0 or -1
 * when there is none. */
int dash_cookie(const struct kc_req *req, const char *name, char *out,
		size_t cap);
/* Set-Cookie for our cookie name: HttpOnly, Path=/, SameSite (Strict
 * when strict, else Lax), and Secure with the __Host- prefix over TLS;
 * max_age < 0 removes it. */
int dash_set_cookie(struct kc_req *req, const char *name, const char *value,
		    long long max_age, int strict);

/* A template of www_dir/templates into out. */
int dash_render(struct kc_req *req, const char *tpl,
		const struct dash_slot *slots, size_t nslots,
		struct kc_buf *out);
/* The answer: content in the signed-in layout, under title, with the nav
 * link current marked ("overview", "endpoints", ...). refresh > 0 makes
 * the page reload itself after that many seconds. */
int dash_page(struct kc_req *req, int status, const char *title,
	      const char *current, const struct kc_buf *content, int refresh);
/* 303 to a path of ours (built from checked ids only). */
int dash_redirect(struct kc_req *req, const char *location);
/* An error page with a sentence for people. */
int dash_error(struct kc_req *req, int status, const char *msg);
/* 500 (or 503 when the database is away) as a page. */
int dash_internal(struct kc_req *req);

/* The fields a form may have: anything else is refused, as is a field
 * that repeats unless multi, one that is too long, or a required one
 * missing. "csrf" is the router's and always allowed. */
struct dash_field {
	const char *name;
	size_t maxlen;
	int required;
	int multi;
};
int dash_form_check(const struct kc_req *req, const struct dash_field *f,
		    size_t n, struct kc_verr *e);
/* Every value of a repeated field, at most cap. */
size_t dash_form_all(const struct kc_req *req, const char *name,
		     const char **out, size_t cap);

/* The hidden CSRF field every form carries. */
int dash_csrf_input(const struct kc_req *req, struct kc_buf *b);
/* A one-button form that POSTs to action (a path of ours). */
int dash_button(const struct kc_req *req, struct kc_buf *b, const char *action,
		const char *label, const char *cls);
/* A time as the API gives it (RFC 3339, or JSON null) as text for people:
 * "2026-01-31 14:00:05 UTC", or "—". */
int dash_time(struct kc_buf *b, const json_t *t);
const char *dash_time_text(const char *rfc3339, char *out, size_t cap);
/* The audit actor for changes the signed-in user makes. */
struct kc_actor dash_actor(const struct kc_req *req);
/* 1 if the signed-in user has at least role. */
int dash_can(const struct kc_req *req, enum kc_role role);
/* A status as a badge: <span class="badge badge-STATUS">STATUS</span>. */
int dash_badge(struct kc_buf *b, const char *status);
/* ?done=WORD of a redirect after a change, as a notice: the message of
 * the word in msgs ({word, message}..., NULL), never the query's text. */
int dash_flash(const struct kc_req *req, const char *const *msgs,
	       struct kc_buf *b);

/* One endpoint's page (cgi/dash_endpoints.c), with limits_error over its
 * limits form (a refused change), or NULL; 404 for an unknown one; 303
 * back to it with ?done=WORD after a change. */
int dash_endpoint_page(struct kc_req *req, int status, const json_t *ep,
		       const char *limits_error);
int dash_endpoint_missing(struct kc_req *req);
int dash_endpoint_back(struct kc_req *req, const char *done);
/* Its limits and breaker (cgi/dash_limits.c): the values for the form
 * (rate "" when none), <dt>/<dd> rows for its page, a hint for the list,
 * the form with "Try now" on an open breaker (for admins), and a
 * sentence for people about a refused value. */
void dash_limits_values(const json_t *ep, char *rate, size_t rcap, char *max,
			size_t mcap);
int dash_limits_facts(struct kc_buf *b, const json_t *ep);
int dash_limits_hint(struct kc_buf *b, const json_t *ep);
int dash_limits_form(struct kc_req *req, struct kc_buf *b, const json_t *ep,
		     const char *error);
const char *dash_limits_why(const struct kc_verr *e, char *buf, size_t cap);

#endif
