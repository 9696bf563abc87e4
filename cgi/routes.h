#ifndef KC_ROUTES_H
#define KC_ROUTES_H

#include "kc_ratelimit.h"
#include "request.h"

#include <stdint.h>

typedef int (*kc_handler)(struct kc_req *);

enum kc_route_flags {
	KC_R_PUBLIC = 1 << 0, /* no API key */
	/* Only for clients in metrics_allow; to anyone else the route does
	 * not exist (404, never 405 or 401). */
	KC_R_OPERATOR = 1 << 1,
	/* The key's bucket its requests draw from (README, Rate limits),
	 * for a route the rule of kc_route_kind does not suit. */
	KC_R_LIMIT_READ = 1 << 2,
	KC_R_LIMIT_WRITE = 1 << 3,
	KC_R_LIMIT_INGEST = 1 << 4,
	/* A dashboard page (cgi/dash.c) for a signed-in user of at least
	 * this role: a session cookie instead of a key, a role instead of a
	 * scope, a CSRF token on every POST, and HTML answers. */
	KC_R_VIEWER = 1 << 5,
	KC_R_ADMIN = 1 << 6,
	KC_R_OWNER = 1 << 7,
	/* A dashboard page without a session (signing in). */
	KC_R_DASH_OPEN = 1 << 8,
};
#define KC_R_DASH (KC_R_VIEWER | KC_R_ADMIN | KC_R_OWNER | KC_R_DASH_OPEN)

struct kc_route {
	enum kc_method method;
	const char *pattern; /* "{id}" matches one path segment */
	kc_handler fn;
	uint32_t scope; /* 0: any valid key */
	unsigned flags;
	const char *query; /* allowed query keys, comma-separated */
};

/* The table, for those that label by route (request metrics): index i
 * of kc_route_count(). */
size_t kc_route_count(void);
const struct kc_route *kc_route_at(size_t i);
/* The kind of rate limit r's requests draw from: the one its KC_R_LIMIT_*
 * flag names, or for a route without one, ingest for a POST of the ingest
 * scope, read for a GET, write for the rest. */
enum kc_rl_kind kc_route_kind(const struct kc_route *r);
/* Finds the route for method and path, filling req->params and
 * req->route. NULL with
 * *status 404, or 405 and allow listing the methods the path takes. */
const struct kc_route *kc_route_match(struct kc_req *req, int *status,
				      char *allow, size_t allowlen);
/* Routes, authenticates, checks scope and query, runs the handler.
 * Returns the status; req->resp holds the response. */
int kc_dispatch(struct kc_req *req);

#endif
