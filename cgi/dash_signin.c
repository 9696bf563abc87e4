/* Signing in and out. */
#include "dash.h"
#include "kc_crypto.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define SESSION_COOKIE "kc_session"
#define SIGNIN_COOKIE  "kc_signin"

int
kc_d_home(struct kc_req *req)
{
	return dash_redirect(req, "/app/");
}

/* Where to go after signing in: a page of the dashboard, nothing else (no
 * other site, no "//host" that a browser would read as one). */
static const char *
next_page(const char *next)
{
	size_t i;

	if (next == NULL || strncmp(next, "/app/", 5) != 0 ||
	    strlen(next) > 1024 || strstr(next, "//") != NULL)
		return "/app/";
	for (i = 0; next[i]; i++)
		if ((unsigned char)next[i] <= 0x20 ||
		    (unsigned char)next[i] >= 0x7f || next[i] == '\\')
			return "/app/";
	return next;
}

static int
render_form(struct kc_req *req, int status, const char *csrf, const char *email,
	    const char *next, const char *notice, const char *error)
{
	struct kc_buf content, msg;
	int rc = 0;

	kc_buf_init(&content, 64 * 1024);
	kc_buf_init(&msg, 1024);
	if (notice)
		rc |= html_lit(&msg, "<p class=\"notice\" role=\"status\">") |
		      html_txt(&msg, notice) | html_lit(&msg, "</p>");
	if (error)
		rc |= html_lit(&msg, "<p class=\"error\" role=\"alert\" "
				     "id=\"signin-error\">") |
		      html_txt(&msg, error) | html_lit(&msg, "</p>");
	{
		struct dash_slot slots[] = {
		    DASH_SAFE_HTML("message", &msg),
		    DASH_TXT("csrf", csrf),
		    DASH_TXT("email", email ? email : ""),
		    DASH_TXT("next", next_page(next)),
		};
		if (rc == 0)
			rc = dash_render(req, "signin.html", DASH_SLOTS(slots),
					 &content);
	}
	rc = rc == 0 ? dash_page(req, status, "Sign in", NULL, &content, 0)
		     : dash_internal(req);
	kc_buf_free(&content);
	kc_buf_free(&msg);
	return rc;
}

int
kc_d_signin_form(struct kc_req *req)
{
	static const char *const why[] = {
	    "expired",    "Your session has ended. Sign in again to continue.",
	    "signed_out", "You are signed out.",
	    "everywhere", "You are signed out on every device.",
	    NULL,
	};
	char token[KC_SESSION_TOKEN_MAX], pre[KC_SESSION_TOKEN_MAX];
	unsigned char raw[32];
	const char *w = kc_query_get(req, "why"), *notice = NULL;
	struct kc_session s;
	size_t i;

	/* Signed in already: on to the page. */
	if (dash_cookie(req, SESSION_COOKIE, token, sizeof(token)) == 0 &&
	    kc_session_check(req->db, req->cfg, token, &s) == KC_SESSION_OK) {
		OPENSSL_cleanse(token, sizeof(token));
		OPENSSL_cleanse(&s, sizeof(s));
		return dash_redirect(req, next_page(kc_query_get(req, "next")));
	}
	OPENSSL_cleanse(token, sizeof(token));
	if (dash_cookie(req, SIGNIN_COOKIE, pre, sizeof(pre)) != 0) {
		if (kc_random_bytes(raw, sizeof(raw)) != 0 ||
		    kc_base64url_encode(raw, sizeof(raw), pre, sizeof(pre)) ==
			0 ||
		    dash_set_cookie(req, SIGNIN_COOKIE, pre, 3600, 1) != 0)
			return dash_internal(req);
	}
	for (i = 0; w && why[i]; i += 2)
		if (strcmp(w, why[i]) == 0)
			notice = why[i + 1];
	return render_form(req, 200, pre, NULL, kc_query_get(req, "next"),
			   notice, NULL);
}

int
kc_d_signin(struct kc_req *req)
{
	static const struct dash_field fields[] = {
	    {"email", 254, 1, 0},
	    {"password", KC_PW_MAX_LEN, 1, 0},
	    {"next", 1024, 0, 0},
	};
	char token[KC_SESSION_TOKEN_MAX], old[KC_SESSION_TOKEN_MAX], addr[64];
	char msg[160];
	const char *email, *pw, *pre = kc_req_form_get(req, "csrf");
	long long retry = 0;
	struct kc_verr e;
	int rc;

	if (dash_form_check(req, fields, sizeof(fields) / sizeof(fields[0]),
			    &e) != 0)
		return render_form(req, 422, pre, kc_req_form_get(req, "email"),
				   kc_req_form_get(req, "next"), NULL,
				   "Enter your email and your password.");
	email = kc_req_form_get(req, "email");
	pw = kc_req_form_get(req, "password");
	/* The browser's session so far ends with this sign-in: whoever
	 * signs in on a shared browser does not leave the last one's open. */
	if (dash_cookie(req, SESSION_COOKIE, old, sizeof(old)) != 0)
		old[0] = '\0';
	rc = kc_signin(req->db, req->cfg, email, pw, strlen(pw),
		       dash_client_addr(req, addr, sizeof(addr)), old, token,
		       &req->session, &retry);
	OPENSSL_cleanse(old, sizeof(old));
	switch (rc) {
	case KC_SIGNIN_OK:
		break;
	case KC_SIGNIN_REFUSED:
		return render_form(req, 401, pre, email,
				   kc_req_form_get(req, "next"), NULL,
				   "That email and password do not match an "
				   "account.");
	case KC_SIGNIN_THROTTLED:
		req->resp.retry_after = (int)retry;
		snprintf(msg, sizeof(msg),
			 "Too many sign-in attempts. Try again in %lld "
			 "minute%s.",
			 (retry + 59) / 60, (retry + 59) / 60 == 1 ? "" : "s");
		return render_form(req, 429, pre, email,
				   kc_req_form_get(req, "next"), NULL, msg);
	case KC_SIGNIN_ERROR:
		return dash_internal(req);
	}
	req->signed_in = 1;
	rc = dash_set_cookie(req, SESSION_COOKIE, token,
			     req->cfg->session_lifetime, 0) |
	     dash_set_cookie(req, SIGNIN_COOKIE, "", -1, 1);
	OPENSSL_cleanse(token, sizeof(token));
	if (rc != 0)
		return dash_internal(req);
	return dash_redirect(req, next_page(kc_req_form_get(req, "next")));
}

static int
sign_out(struct kc_req *req, int everywhere)
{
	if (kc_session_end(req->db, &req->session, everywhere,
			   req->request_id) != 0)
		return dash_internal(req);
	if (dash_set_cookie(req, SESSION_COOKIE, "", -1, 0) != 0)
		return dash_internal(req);
	req->signed_in = 0;
	return dash_redirect(req, everywhere ? "/app/sign-in?why=everywhere"
					     : "/app/sign-in?why=signed_out");
}

int
kc_d_signout(struct kc_req *req)
{
	return sign_out(req, 0);
}

int
kc_d_signout_everywhere(struct kc_req *req)
{
	return sign_out(req, 1);
}
