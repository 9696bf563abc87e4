/* Per-key rate limits of the API (README, Rate limits): each request with
 * a key draws a token from the key's bucket for the route's kind, in a
 * table in shared memory (lib/core/kc_ratelimit) that every FastCGI
 * process of the node uses, so the limit holds across them all. The limits
 * are therefore per node: behind a load balancer spreading a key over N
 * nodes it gets up to N times its limit. */
#ifndef KC_CGI_RATELIMIT_H
#define KC_CGI_RATELIMIT_H

#include "kc_config.h"
#include "request.h"

/* Opens (or creates) the region "rate-limits" in cfg->run_dir. Without it
 * the program serves without limits: -1, and the reason logged. */
int kc_ratelimit_open(const struct kc_config *cfg);
void kc_ratelimit_close(void);
/* Charges the authenticated request to its key's bucket of kind, and sets
 * the RateLimit headers of req->resp. 0: go on; or 429 (rate_limited,
 * with Retry-After) with the problem in req->resp. Without the region, or
 * when the key's limit of that kind is off, 0 and no headers. */
int kc_ratelimit_check(struct kc_req *req, enum kc_rl_kind kind);

#endif
