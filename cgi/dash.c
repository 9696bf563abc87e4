/* The dashboard's front door: the checks every page gets before its
 * handler runs, cookies, the layout and the helpers the pages share. */
#include "dash.h"
#include "handlers.h"
#include "kc_addr.h"
#include "kc_crypto.h"
#include "kc_log.h"
#include "kc_nanp.h"
#include "kc_time.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* No inline script or style anywhere: everything comes from /static/. */
#define DASH_CSP                                                               \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src "    \
	"'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

#define SESSION_COOKIE "kc_session"
/* Before sign-in there is no session to tie a form to: the sign-in form
 * carries the value of this cookie (a double submit; SameSite=Strict, so
 * a cross-site post arrives without it). */
#define SIGNIN_COOKIE "kc_signin"

int
dash_https(const struct kc_req *req)
{
	if (req->https && strcasecmp(req->https, "on") == 0)
		return 1;
	return req->forwarded_proto && req->cfg &&
	       kc_addr_list_match(&req->cfg->trusted_proxies,
				  req->remote_addr) &&
	       strcasecmp(req->forwarded_proto, "https") == 0;
}

const char *
dash_client_addr(const struct kc_req *req, char *buf, size_t cap)
{
	const char *p = req->forwarded_for, *end, *start, *t;
	const char *own = req->remote_addr ? req->remote_addr : "";
	size_t n;

	if (p == NULL || req->cfg == NULL ||
	    !kc_addr_list_match(&req->cfg->trusted_proxies, req->remote_addr))
		return own;
	/* Each proxy appends the address it saw: from the right, the first
	 * address that is not one of our proxies is the client; what lies
	 * left of it is the client's to say and worth nothing. */
	end = p + strlen(p);
	for (;;) {
		start = end;
		while (start > p && start[-1] != ',')
			start--;
		t = start;
		n = (size_t)(end - start);
		while (n > 0 && (*t == ' ' || *t == '\t')) {
			t++;
			n--;
		}
		while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= cap)
			return own;
		memcpy(buf, t, n);
		buf[n] = '\0';
		/* Proxies all the way: the first of them is who we know. */
		if (!kc_addr_list_match(&req->cfg->trusted_proxies, buf) ||
		    start == p)
			return buf;
		end = start - 1; /* at the comma before this hop */
	}
}

int
dash_cookie(const struct kc_req *req, const char *name, char *out, size_t cap)
{
	char full[64];
	const char *p = req->cookie;
	size_t flen, vlen;

	snprintf(full, sizeof(full), "%s%s", dash_https(req) ? "__Host-" : "",
		 name);
	flen = strlen(full);
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		vlen = strcspn(p, ";");
		if (vlen > flen && strncmp(p, full, flen) == 0 &&
		    p[flen] == '=') {
			vlen -= flen + 1;
			if (vlen == 0 || vlen >= cap)
				return -1;
			memcpy(out, p + flen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p += vlen;
	}
	return -1;
}

int
dash_set_cookie(struct kc_req *req, const char *name, const char *value,
		long long max_age, int strict)
{
	int tls = dash_https(req);

	return kc_buf_printf(&req->resp.headers,
			     "Set-Cookie: %s%s=%s; Path=/; HttpOnly; "
			     "SameSite=%s%s; Max-Age=%lld\r\n",
			     tls ? "__Host-" : "", name,
			     max_age < 0 ? "" : value,
			     strict ? "Strict" : "Lax", tls ? "; Secure" : "",
			     max_age < 0 ? 0 : max_age);
}

int
kc_dash_path(const char *path)
{
	return path && strncmp(path, "/app", 4) == 0 &&
	       (path[4] == '\0' || path[4] == '/');
}

int
dash_render(struct kc_req *req, const char *tpl, const struct dash_slot *slots,
	    size_t nslots, struct kc_buf *out)
{
	return dash_tpl_render(req->cfg->www_dir, tpl, slots, nslots, out);
}

static const struct {
	const char *id, *href, *label;
	enum kc_role role;
} nav[] = {
    {"overview", "/app/", "Overview", KC_ROLE_VIEWER},
    {"calls", "/app/calls", "Calls", KC_ROLE_VIEWER},
    {"leads", "/app/leads", "Leads", KC_ROLE_VIEWER},
    {"followups", "/app/follow-ups", "Follow-ups", KC_ROLE_VIEWER},
    {"endpoints", "/app/endpoints", "Webhook endpoints", KC_ROLE_VIEWER},
    {"deliveries", "/app/deliveries", "Deliveries", KC_ROLE_VIEWER},
    {"dead-letters", "/app/dead-letters", "Dead letters", KC_ROLE_VIEWER},
    {"outbound", "/app/outbound", "Outbound", KC_ROLE_VIEWER},
    {"compliance", "/app/consents", "Consent and DNC", KC_ROLE_VIEWER},
    {"agent", "/app/agent", "Agent", KC_ROLE_VIEWER},
    {"keys", "/app/keys", "API keys", KC_ROLE_OWNER},
    {"audit", "/app/audit", "Audit log", KC_ROLE_VIEWER},
};

int
dash_can(const struct kc_req *req, enum kc_role role)
{
	return req->signed_in && req->session.role >= role;
}

int
dash_csrf_input(const struct kc_req *req, struct kc_buf *b)
{
	return html_lit(b, "<input type=\"hidden\" name=\"csrf\" value=\"") |
	       html_attr(b, req->session.csrf) | html_lit(b, "\">");
}

int
dash_button(const struct kc_req *req, struct kc_buf *b, const char *action,
	    const char *label, const char *cls)
{
	return html_lit(b, "<form class=\"inline\" method=\"post\" "
			   "action=\"") |
	       html_attr(b, action) | html_lit(b, "\">") |
	       dash_csrf_input(req, b) |
	       html_lit(b, "<button type=\"submit\" class=\"") |
	       html_attr(b, cls ? cls : "button") | html_lit(b, "\">") |
	       html_txt(b, label) | html_lit(b, "</button></form>");
}

int
dash_button_on(const struct kc_req *req, struct kc_buf *b, const char *base,
	       const char *id, const char *verb, const char *label,
	       const char *cls)
{
	struct kc_buf path;
	int rc;

	kc_buf_init(&path, 1024);
	rc = kc_buf_puts(&path, base) | html_url_arg(&path, id) |
	     kc_buf_puts(&path, verb);
	if (rc == 0)
		rc = dash_button(req, b, path.data, label, cls);
	kc_buf_free(&path);
	return rc;
}

int
dash_alert(struct kc_buf *b, const char *id, const char *msg)
{
	if (msg == NULL)
		return 0;
	return html_lit(b, "<p class=\"error\" role=\"alert\"") |
	       (id ? html_lit(b, " id=\"") | html_attr(b, id) |
			 html_lit(b, "\"")
		   : 0) |
	       html_lit(b, ">") | html_txt(b, msg) | html_lit(b, "</p>");
}

/* The header's links and account box: what this user may use only. */
static int
header_html(const struct kc_req *req, const char *current, struct kc_buf *b)
{
	size_t i;
	int rc = 0;

	if (!req->signed_in)
		return 0;
	rc |= html_lit(b, "<nav aria-label=\"Main\"><ul>");
	for (i = 0; i < sizeof(nav) / sizeof(nav[0]); i++) {
		if (!dash_can(req, nav[i].role))
			continue;
		rc |= html_lit(b, "<li><a href=\"") |
		      html_attr(b, nav[i].href) | html_lit(b, "\"");
		if (current && strcmp(current, nav[i].id) == 0)
			rc |= html_lit(b, " aria-current=\"page\"");
		rc |= html_lit(b, ">") | html_txt(b, nav[i].label) |
		      html_lit(b, "</a></li>");
	}
	rc |= html_lit(b, "</ul></nav><div class=\"account\"><span>") |
	      html_txt(b, req->session.email) |
	      html_lit(b, " <span class=\"role\">(") |
	      html_txt(b, kc_role_name(req->session.role)) |
	      html_lit(b, ")</span></span>");
	rc |= dash_button(req, b, "/app/sign-out", "Sign out", "link");
	rc |= dash_button(req, b, "/app/sign-out-everywhere",
			  "Sign out everywhere", "link");
	rc |= html_lit(b, "</div>");
	return rc;
}

int
dash_page(struct kc_req *req, int status, const char *title,
	  const char *current, const struct kc_buf *content, int refresh)
{
	struct kc_buf head, meta;
	int rc;

	kc_buf_init(&head, 64 * 1024);
	kc_buf_init(&meta, 256);
	rc = header_html(req, current, &head);
	/* The page reloads itself: by the script (which offers to pause,
	 * as WCAG 2.2.1 asks) or, without scripts, by the browser. */
	if (refresh > 0)
		rc |= kc_buf_printf(&meta,
				    "<meta name=\"kc-refresh\" "
				    "content=\"%d\"><noscript><meta "
				    "http-equiv=\"refresh\" "
				    "content=\"%d\"></noscript>",
				    refresh, refresh);
	{
		struct dash_slot slots[] = {
		    DASH_TXT("title", title),
		    DASH_SAFE_HTML("refresh", &meta),
		    DASH_TXT("business",
			     req->signed_in ? req->session.business_name : ""),
		    DASH_SAFE_HTML("header", &head),
		    DASH_SAFE_HTML("content", content),
		};

		kc_buf_reset(&req->resp.body);
		if (rc == 0)
			rc = dash_render(req, "layout.html", DASH_SLOTS(slots),
					 &req->resp.body);
	}
	kc_buf_free(&head);
	kc_buf_free(&meta);
	req->resp.csp = DASH_CSP;
	if (rc != 0) {
		kc_buf_reset(&req->resp.body);
		return kc_internal_error(req);
	}
	req->resp.status = status;
	req->resp.content_type = "text/html; charset=utf-8";
	return status;
}

int
dash_page_tpl(struct kc_req *req, int status, const char *title,
	      const char *current, const char *tpl,
	      const struct dash_slot *slots, size_t nslots, int failed)
{
	struct kc_buf content;
	int rc = failed ? -1 : 0;

	kc_buf_init(&content, 8 * 1024 * 1024);
	if (rc == 0)
		rc = dash_render(req, tpl, slots, nslots, &content);
	rc = rc == 0 ? dash_page(req, status, title, current, &content, 0)
		     : dash_internal(req);
	kc_buf_free(&content);
	return rc;
}

int
dash_redirect(struct kc_req *req, const char *location)
{
	kc_buf_reset(&req->resp.body);
	if (kc_buf_printf(&req->resp.headers, "Location: %s\r\n", location) !=
	    0)
		return kc_internal_error(req);
	req->resp.status = 303;
	req->resp.content_type = NULL;
	req->resp.csp = DASH_CSP;
	return 303;
}

int
dash_error(struct kc_req *req, int status, const char *msg)
{
	struct kc_buf b;
	char code[8];
	int rc;

	snprintf(code, sizeof(code), "%d", status);
	kc_buf_init(&b, 16 * 1024);
	{
		struct dash_slot slots[] = {
		    DASH_TXT("status", code),
		    DASH_TXT("title", kc_status_text(status)),
		    DASH_TXT("message", msg),
		    DASH_TXT("request_id", req->request_id),
		};
		rc = dash_render(req, "error.html", DASH_SLOTS(slots), &b);
	}
	rc = rc == 0
		 ? dash_page(req, status, kc_status_text(status), NULL, &b, 0)
		 : kc_internal_error(req);
	kc_buf_free(&b);
	return rc;
}

int
dash_internal(struct kc_req *req)
{
	if (kc_db_unavailable(req->db)) {
		req->resp.retry_after = 1;
		return dash_error(req, 503,
				  "The service cannot reach its database. Try "
				  "again in a moment.");
	}
	return dash_error(req, 500,
			  "Something went wrong on our side. Quote the "
			  "request id below when asking for help.");
}

int
kc_dash_not_found(struct kc_req *req, int status)
{
	return dash_error(req, status,
			  status == 405 ? "This page does not take that kind "
					  "of request."
					: "There is no such page.");
}

int
dash_form_check(const struct kc_req *req, const struct dash_field *f, size_t n,
		struct kc_verr *e)
{
	const struct kc_form *form = req->form;
	size_t i, j, seen;

	for (i = 0; form && i < form->n; i++) {
		const struct kc_form_pair *p = &form->pairs[i];

		if (strcmp(p->name, "csrf") == 0)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(p->name, f[j].name) == 0)
				break;
		if (j == n)
			return kc_verr_set(e, 400, "unknown_field", NULL,
					   "The form has a field it should "
					   "not have.");
		if (p->value_len > f[j].maxlen)
			return kc_verr_set(e, 422, "too_long", f[j].name,
					   "%s is too long (at most %zu "
					   "characters).",
					   f[j].name, f[j].maxlen);
	}
	for (j = 0; j < n; j++) {
		seen = kc_form_count(form, f[j].name);
		if (seen > 1 && !f[j].multi)
			return kc_verr_set(e, 400, "repeated_field", f[j].name,
					   "%s is given twice.", f[j].name);
		if (f[j].required &&
		    (seen == 0 ||
		     (!f[j].multi && *kc_req_form_get(req, f[j].name) == '\0')))
			return kc_verr_set(e, 422, "missing_field", f[j].name,
					   "%s is required.", f[j].name);
	}
	return 0;
}

size_t
dash_form_all(const struct kc_req *req, const char *name, const char **out,
	      size_t cap)
{
	return kc_form_all(req->form, name, out, cap);
}

const char *
dash_time_text(const char *rfc3339, char *out, size_t cap)
{
	/* "2026-01-31T14:00:05.123Z" -> "2026-01-31 14:00:05 UTC" */
	if (rfc3339 == NULL || strlen(rfc3339) < 19) {
		snprintf(out, cap, "—");
		return out;
	}
	snprintf(out, cap, "%.10s %.8s UTC", rfc3339, rfc3339 + 11);
	return out;
}

int
dash_time(struct kc_buf *b, const json_t *t)
{
	char text[40];
	const char *s = json_string_value(t);

	if (s == NULL)
		return html_lit(b, "—");
	return html_lit(b, "<time datetime=\"") | html_attr(b, s) |
	       html_lit(b, "\">") |
	       html_txt(b, dash_time_text(s, text, sizeof(text))) |
	       html_lit(b, "</time>");
}

struct kc_actor
dash_actor(const struct kc_req *req)
{
	struct kc_actor a = {"user", req->session.user_public_id,
			     req->request_id};
	return a;
}

int
dash_badge(struct kc_buf *b, const char *status)
{
	const char *s = status ? status : "unknown";

	/* The class is a fixed word; the text what the row says. */
	return html_lit(b, "<span class=\"badge badge-") |
	       html_attr(b,
			 strspn(s, "abcdefghijklmnopqrstuvwxyz_") == strlen(s)
			     ? s
			     : "unknown") |
	       html_lit(b, "\">") | html_txt(b, s) | html_lit(b, "</span>");
}

int
dash_flash(const struct kc_req *req, const char *const *msgs, struct kc_buf *b)
{
	const char *done = kc_query_get(req, "done");
	size_t i;

	for (i = 0; done && msgs[i]; i += 2)
		if (strcmp(done, msgs[i]) == 0)
			return html_lit(
				   b, "<p class=\"notice\" role=\"status\">") |
			       html_txt(b, msgs[i + 1]) | html_lit(b, "</p>");
	return 0;
}

int
dash_duration(struct kc_buf *b, const json_t *seconds)
{
	long long s;

	if (!json_is_integer(seconds))
		return html_lit(b, "—");
	s = json_integer_value(seconds);
	if (s < 60)
		return html_txtf(b, "%lld s", s);
	if (s < 3600)
		return html_txtf(b, "%lld min %lld s", s / 60, s % 60);
	return html_txtf(b, "%lld h %lld min", s / 3600, s % 3600 / 60);
}

int
dash_words(struct kc_buf *b, const char *word)
{
	size_t n;
	int rc = 0;

	if (word == NULL)
		return html_lit(b, "—");
	/* "lead_captured" reads as "lead captured". */
	while (*word && rc == 0) {
		n = strcspn(word, "_");
		rc |= html_txtn(b, word, n);
		word += n;
		if (*word == '_') {
			rc |= html_lit(b, " ");
			word++;
		}
	}
	return rc;
}

int
dash_phone(const char *in, char *out, size_t cap)
{
	char digits[20];
	size_t i, n = 0;
	int plus = 0;

	if (in == NULL)
		return -1;
	/* Spaces, dashes, dots and brackets are how people write numbers. */
	for (i = 0; in[i]; i++) {
		if (strchr(" -.()", in[i]) != NULL)
			continue;
		if (in[i] == '+' && n == 0 && !plus) {
			plus = 1;
			continue;
		}
		if (in[i] < '0' || in[i] > '9' || n + 1 >= sizeof(digits))
			return -1;
		digits[n++] = in[i];
	}
	digits[n] = '\0';
	/* Without a '+': a US number, with its country code or without. */
	if (snprintf(out, cap, "%s%s",
		     plus                        ? "+"
		     : n == 10                   ? "+1"
		     : n == 11 && *digits == '1' ? "+"
						 : "",
		     digits) >= (int)cap)
		return -1;
	return out[0] == '+' && kc_phone_dialable(out) ? 0 : -1;
}

/* The page the browser asked for, path and query, as the sign-in page's
 * next: percent-encoded by the caller. */
static int
requested(const struct kc_req *req, struct kc_buf *b)
{
	size_t i;
	int rc = kc_buf_puts(b, req->path);

	for (i = 0; i < req->nq; i++)
		rc |= kc_buf_putc(b, i ? '&' : '?') |
		      html_url_arg(b, req->q[i].key) | kc_buf_putc(b, '=') |
		      html_url_arg(b, req->q[i].val);
	return rc;
}

static int
to_signin(struct kc_req *req, int expired)
{
	struct kc_buf loc, next;
	int rc;

	kc_buf_init(&loc, 4096);
	kc_buf_init(&next, 2048);
	rc = kc_buf_puts(&loc, "/app/sign-in");
	if (expired)
		rc |= kc_buf_puts(&loc, "?why=expired");
	/* A GET comes back where it was; a POST never replays itself. */
	if (req->method == KC_M_GET && strcmp(req->path, "/app/") != 0 &&
	    requested(req, &next) == 0)
		rc |= kc_buf_puts(&loc, expired ? "&next=" : "?next=") |
		      html_url_arg(&loc, next.data);
	if (expired)
		rc |= dash_set_cookie(req, SESSION_COOKIE, "", -1, 0);
	rc = rc == 0 ? dash_redirect(req, loc.data) : kc_internal_error(req);
	kc_buf_free(&loc);
	kc_buf_free(&next);
	return rc;
}

static int
csrf_refused(struct kc_req *req)
{
	kc_warn("a form without its CSRF token was refused: %s", req->path);
	return dash_error(req, 403,
			  "This form had expired or did not come from this "
			  "site, so nothing was changed. Reload the page and "
			  "try again.");
}

/* The form's csrf field against want, in constant time. */
static int
csrf_ok(const struct kc_req *req, const char *want)
{
	const char *got = kc_req_form_get(req, "csrf");
	size_t n = strlen(want);

	return got && n > 0 && strlen(got) == n && kc_ct_equal(got, want, n);
}

int
kc_dash_dispatch(struct kc_req *req, const struct kc_route *r)
{
	char token[KC_SESSION_TOKEN_MAX], pre[KC_SESSION_TOKEN_MAX];
	struct kc_verr e;
	int rc;

	req->resp.csp = DASH_CSP;
	if (kc_query_allowed(req, r->query, &e) != 0)
		return dash_error(req, 400,
				  "This page was asked for with a parameter "
				  "it does not know.");
	if (req->method == KC_M_POST) {
		if (req->content_type == NULL ||
		    strncasecmp(req->content_type,
				"application/x-www-form-urlencoded", 33) != 0)
			return dash_error(req, 415,
					  "Forms are sent as "
					  "application/x-www-form-urlencoded.");
		if (kc_req_parse_form(req, &e) != 0)
			return dash_error(req, 400, e.msg);
	}
	if (r->flags & KC_R_DASH_OPEN) {
		if (req->method == KC_M_POST &&
		    (dash_cookie(req, SIGNIN_COOKIE, pre, sizeof(pre)) != 0 ||
		     !csrf_ok(req, pre)))
			return csrf_refused(req);
		return r->fn(req);
	}
	if (dash_cookie(req, SESSION_COOKIE, token, sizeof(token)) != 0)
		return to_signin(req, 0);
	switch (kc_session_check(req->db, req->cfg, token, &req->session)) {
	case KC_SESSION_OK:
		break;
	case KC_SESSION_NONE:
		OPENSSL_cleanse(token, sizeof(token));
		return to_signin(req, 0);
	case KC_SESSION_EXPIRED:
		OPENSSL_cleanse(token, sizeof(token));
		return to_signin(req, 1);
	case KC_SESSION_ERROR:
		OPENSSL_cleanse(token, sizeof(token));
		return dash_internal(req);
	}
	OPENSSL_cleanse(token, sizeof(token));
	req->signed_in = 1;
	if (req->session.role < ((r->flags & KC_R_OWNER)   ? KC_ROLE_OWNER
				 : (r->flags & KC_R_ADMIN) ? KC_ROLE_ADMIN
							   : KC_ROLE_VIEWER)) {
		rc = dash_error(req, 403,
				"Your role cannot use this page or make "
				"this change. Ask an owner of the account.");
		return rc;
	}
	if (req->method == KC_M_POST && !csrf_ok(req, req->session.csrf))
		return csrf_refused(req);
	return r->fn(req);
}
