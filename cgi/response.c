#include "response.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
kc_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 303:
		return "See Other";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

int
kc_reply_json(struct kc_req *req, int status, json_t *v)
{
	char *s;
	int rc;

	kc_buf_reset(&req->resp.body);
	if (v == NULL || (s = json_dumps(v, JSON_COMPACT)) == NULL) {
		json_decref(v);
		return kc_problem(req, 500, "internal", NULL,
				  "the response could not be built");
	}
	json_decref(v);
	req->resp.status = status;
	req->resp.content_type = "application/json";
	rc = kc_buf_puts(&req->resp.body, s) |
	     kc_buf_putc(&req->resp.body, '\n');
	/* The text may hold a secret shown once (create, rotate). */
	OPENSSL_clear_free(s, strlen(s));
	if (rc != 0)
		return kc_problem(req, 500, "internal", NULL,
				  "the response is too large");
	return status;
}

int
kc_reply_text(struct kc_req *req, int status, char *text)
{
	int rc;

	kc_buf_reset(&req->resp.body);
	rc = kc_buf_puts(&req->resp.body, text) |
	     kc_buf_putc(&req->resp.body, '\n');
	free(text);
	if (rc != 0)
		return kc_problem(req, 500, "internal", NULL,
				  "the response is too large");
	req->resp.status = status;
	req->resp.content_type = "application/json";
	return status;
}

int
kc_reply_empty(struct kc_req *req, int status)
{
	kc_buf_reset(&req->resp.body);
	req->resp.status = status;
	req->resp.content_type = NULL;
	return status;
}

/* A problem, with member (when not NULL) set to value (taken). */
static int problem_v(struct kc_req *req, int status, const char *code,
		     const char *field, const char *member, json_t *value,
		     const char *fmt, va_list ap)
    __attribute__((format(printf, 7, 0)));

static int
problem_v(struct kc_req *req, int status, const char *code, const char *field,
	  const char *member, json_t *value, const char *fmt, va_list ap)
{
	char detail[512], type[128];
	json_t *p;
	char *s;

	vsnprintf(detail, sizeof(detail), fmt, ap);
	/* The type is a stable URI a client can switch on; code is the same
	 * thing without the URI for convenience. */
	snprintf(type, sizeof(type), "https://docs.kaicalls.com/errors/%s",
		 code);
	p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", type, "title",
		      kc_status_text(status), "status", status, "detail",
		      detail, "code", code, "request_id", req->request_id);
	if (p && field && *field)
		json_object_set_new(p, "field", json_string(field));
	if (p && member && value)
		json_object_set(p, member, value);
	json_decref(value);
	kc_buf_reset(&req->resp.body);
	req->resp.status = status;
	req->resp.content_type = "application/problem+json";
	if (p && (s = json_dumps(p, JSON_COMPACT)) != NULL) {
		kc_buf_puts(&req->resp.body, s);
		kc_buf_putc(&req->resp.body, '\n');
		free(s);
	}
	json_decref(p);
	return status;
}

int
kc_problem(struct kc_req *req, int status, const char *code, const char *field,
	   const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = problem_v(req, status, code, field, NULL, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int
kc_problem_with(struct kc_req *req, int status, const char *code,
		const char *field, const char *member, json_t *value,
		const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = problem_v(req, status, code, field, member, value, fmt, ap);
	va_end(ap);
	return rc;
}

int
kc_problem_verr(struct kc_req *req, const struct kc_verr *e)
{
	return kc_problem(req, e->status ? e->status : 400,
			  e->code[0] ? e->code : "invalid_request",
			  e->field[0] ? e->field : NULL, "%s", e->msg);
}

int
kc_resp_headers(const struct kc_req *req, struct kc_buf *out)
{
	const struct kc_resp *r = &req->resp;
	int rc = 0;

	rc |= kc_buf_printf(out, "Status: %d %s\r\n", r->status,
			    kc_status_text(r->status));
	if (r->content_type)
		rc |=
		    kc_buf_printf(out, "Content-Type: %s\r\n", r->content_type);
	rc |= kc_buf_printf(out, "Content-Length: %zu\r\n", r->body.len);
	rc |= kc_buf_puts(out, "Cache-Control: no-store\r\n"
			       "X-Content-Type-Options: nosniff\r\n"
			       "X-Frame-Options: DENY\r\n"
			       "Referrer-Policy: no-referrer\r\n");
	rc |= kc_buf_printf(out, "Content-Security-Policy: %s\r\n",
			    r->csp ? r->csp
				   : "default-src 'none'; frame-ancestors "
				     "'none'");
	if (r->headers.len)
		rc |= kc_buf_append(out, r->headers.data, r->headers.len);
	if (req->request_id[0])
		rc |=
		    kc_buf_printf(out, "X-Request-Id: %s\r\n", req->request_id);
	if (r->replayed)
		rc |= kc_buf_puts(out, "Idempotent-Replayed: true\r\n");
	if (r->retry_after > 0)
		rc |= kc_buf_printf(out, "Retry-After: %d\r\n", r->retry_after);
	/* draft-ietf-httpapi-ratelimit-headers-11 (structured fields): the
	 * policy by name with its quota and window, and what is left of it
	 * now with the seconds it takes to come back (README, Rate limits). */
	if (r->rl_policy)
		rc |= kc_buf_printf(out,
				    "RateLimit-Policy: \"%s\";q=%llu;w=%llu\r\n"
				    "RateLimit: \"%s\";r=%llu;t=%llu\r\n",
				    r->rl_policy, r->rl_quota, r->rl_window,
				    r->rl_policy, r->rl_remaining, r->rl_reset);
	if (r->status == 405 && r->allow[0])
		rc |= kc_buf_printf(out, "Allow: %s\r\n", r->allow);
	/* RFC 6750: name the error only when a token was presented. */
	if (r->status == 401 && r->bearer_challenge)
		rc |= kc_buf_printf(
		    out,
		    "WWW-Authenticate: Bearer realm=\"kaicalls\"%s"
		    "\r\n",
		    r->bearer_challenge > 1 ? ", error=\"invalid_token\"" : "");
	rc |= kc_buf_puts(out, "\r\n");
	return rc ? -1 : 0;
}
