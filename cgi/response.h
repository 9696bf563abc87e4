/* Building responses: JSON bodies, RFC 9457 problems, and the header block
 * with the security headers every response carries. */
#ifndef KC_RESPONSE_H
#define KC_RESPONSE_H

#include "request.h"

/* Serialises and takes v. Returns status, for "return kc_reply_json(...)". */
int kc_reply_json(struct kc_req *req, int status, json_t *v);
/* An application/problem+json response; field may be NULL. */
/* A JSON body that is already serialised; takes text. */
int kc_reply_text(struct kc_req *req, int status, char *text);
/* A response with no body (204). */
int kc_reply_empty(struct kc_req *req, int status);
int kc_problem(struct kc_req *req, int status, const char *code,
	       const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int kc_problem_verr(struct kc_req *req, const struct kc_verr *e);
/* kc_problem with one more member, member, set to value (taken): what
 * the problem is about, such as the action a check blocked. */
int kc_problem_with(struct kc_req *req, int status, const char *code,
		    const char *field, const char *member, json_t *value,
		    const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* The CGI header block ("Status: ...\r\n...\r\n\r\n") for req->resp. */
int kc_resp_headers(const struct kc_req *req, struct kc_buf *out);
const char *kc_status_text(int status);

#endif
