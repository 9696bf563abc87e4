/* One API request as the handlers see it: method, path, validated query,
 * bounded body, the caller once authenticated, and the response being
 * built. Nothing here knows about FastCGI, so it can be fuzzed. */
#ifndef KC_REQUEST_H
#define KC_REQUEST_H

#include "kc_apikey.h"
#include "kc_buf.h"
#include "kc_config.h"
#include "kc_db.h"
#include "kc_form.h"
#include "kc_json.h"
#include "kc_session.h"

#include <stddef.h>

#define KC_BODY_MAX   (1024 * 1024)
#define KC_QUERY_MAX  16
#define KC_PARAMS_MAX 4
#define KC_PARAM_LEN  64

enum kc_method {
	KC_M_GET = 1 << 0,
	KC_M_POST = 1 << 1,
	KC_M_PATCH = 1 << 2,
	KC_M_DELETE = 1 << 3,
	KC_M_PUT = 1 << 4,
	KC_M_HEAD = 1 << 5,
	KC_M_OPTIONS = 1 << 6,
};

struct kc_qparam {
	char *key;
	char *val;
};

struct kc_resp {
	int status;
	const char *content_type;
	struct kc_buf body;
	char allow[96];       /* 405: the methods the path accepts */
	int bearer_challenge; /* 401: 1 challenge, 2 also invalid_token */
	int replayed;         /* the answer to an earlier Idempotency-Key */
	int retry_after;      /* seconds for a Retry-After header, 0: none */
	/* The rate limit the request drew from (cgi/ratelimit.c), for the
	 * RateLimit-Policy and RateLimit headers; NULL: none. */
	const char *rl_policy;
	unsigned long long rl_quota, rl_window, rl_remaining, rl_reset;
	/* The dashboard's: its own Content-Security-Policy (NULL: the
	 * API's), and header lines to add (Set-Cookie, Location), each
	 * ending in CRLF. */
	const char *csp;
	struct kc_buf headers;
};

struct kc_req {
	enum kc_method method;
	char *path; /* without the query string */
	struct kc_qparam q[KC_QUERY_MAX];
	size_t nq;
	const char *body; /* borrowed: the FastCGI loop owns it */
	size_t body_len;
	const char *authorization;
	const char *idempotency_key;
	const char *remote_addr; /* the client, as the web server saw it */
	/* The path and query exactly as received (what a carrier callback's
	 * signature covers), and that signature (X-Twilio-Signature). */
	const char *uri;
	const char *twilio_signature;
	char request_id[KC_ID_MAX];
	char params[KC_PARAMS_MAX][KC_PARAM_LEN];
	size_t nparams;
	int route; /* the index of the route matched, -1: none */
	struct kc_auth auth;
	int authed;
	struct kc_db *db; /* NULL when the database cannot be reached */
	struct kc_auth_cache *auth_cache; /* the process's, may be NULL */
	const struct kc_config *cfg;
	struct kc_resp resp;
	/* The dashboard (cgi/dash.c): what the browser sent, the fields of
	 * a form it posted, and who is signed in. */
	const char *cookie;          /* the Cookie header */
	const char *content_type;    /* of the body */
	const char *https;           /* "on" when the request came over TLS */
	const char *forwarded_proto; /* X-Forwarded-Proto (trusted proxies) */
	const char *forwarded_for;   /* X-Forwarded-For (trusted proxies) */
	struct kc_form *form;        /* NULL until kc_req_parse_form */
	struct kc_session session;
	int signed_in;
};

void kc_req_init(struct kc_req *req);
void kc_req_free(struct kc_req *req);
int kc_method_parse(const char *s, enum kc_method *m);
const char *kc_method_name(enum kc_method m);
/* Splits a request URI into path and query and parses the query: percent
 * decoding, no duplicate keys, at most KC_QUERY_MAX pairs. 0 or -1 with e
 * (400). */
int kc_req_set_uri(struct kc_req *req, const char *uri, struct kc_verr *e);
const char *kc_query_get(const struct kc_req *req, const char *key);
/* An integer query value in [min, max], def when absent. */
int kc_query_int(const struct kc_req *req, const char *key, long long min,
		 long long max, long long def, long long *out,
		 struct kc_verr *e);
/* Every query key must appear in allowed (comma-separated). */
int kc_query_allowed(const struct kc_req *req, const char *allowed,
		     struct kc_verr *e);
/* limit (1..100, default 20) and starting_after, which must look like an id
 * with the given prefix. */
int kc_query_page(const struct kc_req *req, const char *id_prefix, int *limit,
		  const char **starting_after, struct kc_verr *e);
/* The since query parameter, RFC 3339, as MariaDB time text in buf;
 * *since is NULL when absent. 0 or -1 with e (400). */
/* The query parameter name, which must be one of values (NULL-terminated)
 * when present: *out is it or NULL; 400 invalid_query naming the values. */
int kc_query_enum(const struct kc_req *req, const char *name,
		  const char *const *values, const char **out,
		  struct kc_verr *e);
/* The query parameter name as MariaDB time text in buf (NULL when
 * absent); 400 invalid_query when it is not RFC 3339. */
int kc_query_time(const struct kc_req *req, const char *name, char *buf,
		  size_t cap, const char **out, struct kc_verr *e);
int kc_query_since(const struct kc_req *req, char *buf, size_t cap,
		   const char **since, struct kc_verr *e);
/* The dashboard's forms: within these limits, parsed by the same strict
 * parser as the carrier's callbacks (kc_form.h). The largest field is the
 * agent's routing as JSON text; a name may repeat (a checkbox list). */
extern const struct kc_form_limits kc_req_form_limits;
/* The body as an application/x-www-form-urlencoded form into req->form.
 * 0 or -1 with e (400). */
int kc_req_parse_form(struct kc_req *req, struct kc_verr *e);
/* The value of a form field that appears once; NULL when it is absent or
 * repeated, or no form was parsed. */
const char *kc_req_form_get(const struct kc_req *req, const char *name);
/* The body as a JSON object, or NULL with e. */
json_t *kc_req_json(const struct kc_req *req, struct kc_verr *e);

#endif
