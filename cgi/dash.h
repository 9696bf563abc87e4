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
int kc_d_calls(struct kc_req *req);
int kc_d_call(struct kc_req *req);
int kc_d_leads(struct kc_req *req);
int kc_d_lead(struct kc_req *req);
int kc_d_followups(struct kc_req *req);
int kc_d_consents(struct kc_req *req);
int kc_d_consent_create(struct kc_req *req);
int kc_d_consent_revoke(struct kc_req *req);
int kc_d_dnc(struct kc_req *req);
int kc_d_dnc_create(struct kc_req *req);
int kc_d_dnc_remove(struct kc_req *req);
int kc_d_outbound(struct kc_req *req);
int kc_d_agent(struct kc_req *req);
int kc_d_agent_routing(struct kc_req *req);

/* --- for the pages ------------------------------------------------------ */

/* Whether the request came over TLS: the web server says HTTPS=on, or a
 * proxy in trusted_proxies says X-Forwarded-Proto: https. Cookies are
 * then Secure and named with the __Host- prefix. */
int dash_https(const struct kc_req *req);
/* The client's address: REMOTE_ADDR, or when that is a trusted proxy the
 * rightmost X-Forwarded-For hop that is not one (buf, cap bytes). */
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
/* The same with content made of template tpl filled with slots; failed
 * (making the slots' HTML went wrong) answers 500 instead. */
int dash_page_tpl(struct kc_req *req, int status, const char *title,
		  const char *current, const char *tpl,
		  const struct dash_slot *slots, size_t nslots, int failed);
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
/* Every value of a repeated field (a checkbox list), at most cap, in
 * kc_form's order (sorted), not the order sent. */
size_t dash_form_all(const struct kc_req *req, const char *name,
		     const char **out, size_t cap);

/* The hidden CSRF field every form carries. */
int dash_csrf_input(const struct kc_req *req, struct kc_buf *b);
/* A one-button form that POSTs to action (a path of ours). */
int dash_button(const struct kc_req *req, struct kc_buf *b, const char *action,
		const char *label, const char *cls);
/* The same for the path base + id (URL-escaped) + verb, such as
 * "/app/dnc/" + "dnc_..." + "/remove". */
int dash_button_on(const struct kc_req *req, struct kc_buf *b, const char *base,
		   const char *id, const char *verb, const char *label,
		   const char *cls);
/* What was wrong with a form, as an alert above it (with the element id
 * when id is not NULL); nothing when msg is NULL. */
int dash_alert(struct kc_buf *b, const char *id, const char *msg);
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
/* <option value="value">label</option>, selected when value is current. */
int dash_option(struct kc_buf *b, const char *value, const char *label,
		const char *current);
/* A <select>'s options: "" labelled any first (unless any is NULL), then
 * each of values (NULL-terminated) labelled in words (dash_words), the
 * one equal to current selected. */
int dash_options(struct kc_buf *b, const char *any, const char *const *values,
		 const char *current);
/* A filter value that must be empty (*out NULL) or one of values
 * (NULL-terminated; *out is the table's copy). -1 for anything else. */
int dash_pick(const char *v, const char *const *values, const char **out);
/* A datetime-local value ("2026-01-31T14:00", seconds optional), read as
 * UTC, into MariaDB time text in db (*out = db); empty or NULL is none
 * (*out NULL). -1 when it is not one. */
int dash_local_time(const char *s, char *db, size_t cap, const char **out);
/* The "Older" link of a list page at base: the request's filters, from
 * the page's last row on (list's next_cursor), when list has_more. */
int dash_pager(const struct kc_req *req, const char *base, const json_t *list,
	       struct kc_buf *b);
/* One item of a list (an element of its "data") as a row, appended to
 * rows; 0 or -1. */
typedef int (*dash_row_fn)(struct kc_req *req, const json_t *item,
			   struct kc_buf *rows);
/* Every item of list's data through row into rows, in order. */
int dash_rows(struct kc_req *req, const json_t *list, dash_row_fn row,
	      struct kc_buf *rows);
/* A list page: its template (filled with the page's slots, and "rows"
 * and "more", the rows and the Older link), its path (for the Older
 * link), its title and nav link, and how an item becomes a row. */
struct dash_list {
	const char *tpl, *base, *title, *current;
	dash_row_fn row;
};
#define DASH_LIST_SLOTS 16 /* the page's own slots, at most */
/* Answers a list page from what a lib/ list function gave: rc (0;
 * KC_NOTFOUND, a cursor of no page of the list: 400; anything else: 500)
 * and list, which this takes. status is the answer's when all is well
 * (a form shown again with its error is 422). */
int dash_list_page(struct kc_req *req, const struct dash_list *l, int status,
		   int rc, json_t *list, const struct dash_slot *slots,
		   size_t nslots);
/* A length in seconds (JSON integer, or null: "—") for people:
 * "45 s", "3 min 5 s", "2 h 10 min". */
int dash_duration(struct kc_buf *b, const json_t *seconds);
/* A word of the API's (an outcome, a code) for people, its underscores
 * spaces: "lead_captured" is "lead captured"; NULL is "—". Escaped. */
int dash_words(struct kc_buf *b, const char *word);
/* A phone number as people type it ("+1 (415) 555-0123", "415 555 0123",
 * "14155550123") as E.164 into out: 0, or -1 when it is not a number we
 * could dial (kc_phone_dialable). */
int dash_phone(const char *in, char *out, size_t cap);
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
