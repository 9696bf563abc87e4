/* An endpoint's limits as arithmetic, with no database: how many of its
 * due deliveries a claim may take (its share of the worker's free slots,
 * max_in_flight, the rate limit's token bucket, a pause or an open
 * breaker), when its queue is due again, and what each outcome does to
 * its circuit breaker. kc_queue.c reads and writes the state; times are
 * epoch milliseconds on the database's clock (claims) or the worker's
 * (outcomes). */
#ifndef KC_LIMITS_H
#define KC_LIMITS_H

#include "kc_config.h"
#include "kc_send.h"

/* What a claim read of one endpoint, under its queue row's lock. */
struct kc_limits_in {
	int live;                   /* enabled: else its deliveries go dead */
	long long rate;             /* deliveries/s; 0: no limit */
	long long max_in_flight;    /* at once */
	long long in_flight;        /* leased and not yet expired */
	long long in_flight_end_ms; /* the earliest of their leases; 0 */
	int open;                   /* the breaker */
	long long breaker_until_ms; /* an open breaker's next probe */
	long long paused_until_ms;  /* a receiver's Retry-After; 0 */
	double tokens;              /* the bucket as last written */
	long long tokens_at_ms;     /* when; 0: a full bucket */
};

/* What a claim may do with it. */
struct kc_plan {
	long long quota;         /* deliveries to claim at most */
	long long hold_until_ms; /* > 0: held until then; quota is 0 */
	long long cap;           /* max_in_flight's room (1 for a probe) */
	double level;            /* whole and partial tokens now */
	int probe;               /* an open breaker's one try */
};

/* The plan for an endpoint at now_ms when share is its part of the free
 * slots (0 when its business may take no more). */
void kc_limits_plan(const struct kc_limits_in *in, long long now_ms,
		    long long share, struct kc_plan *p);

/* When the endpoint's queue is due again after claiming n of the plan's
 * quota: *owed_min is set when it took every due delivery (n < quota),
 * and then the caller makes it the earliest the endpoint owes. Otherwise
 * the time the limit that ran out lets it go on: now (its share of the
 * slots: the back of the line, round robin), the end of a lease
 * (max_in_flight), or the next token (the rate). */
long long kc_limits_due(const struct kc_limits_in *in, const struct kc_plan *p,
			long long n, long long now_ms, long long lease_ms,
			int *owed_min);

/* The rate limit's bucket, refilled to now: rate tokens a second up to
 * one second's worth (the burst). */
double kc_bucket_level(double tokens, long long tokens_at_ms, long long now_ms,
		       long long rate);

/* What one outcome says about the receiver. A failure is a timeout, a
 * transport error, a 5xx or a 429 without Retry-After; a 2xx a success;
 * anything else it answered (another 4xx, a 3xx, a 429 or 503 that says
 * when to come back) neutral; a try that never left (address refused, not
 * signed) unsent. */
enum kc_verdict {
	KC_VERDICT_NEUTRAL,
	KC_VERDICT_SUCCESS,
	KC_VERDICT_FAILURE,
	KC_VERDICT_UNSENT
};
enum kc_verdict kc_breaker_verdict(const struct kc_send_req *q);

struct kc_breaker {
	int open;
	long long failures; /* consecutive failures */
	long long opens;    /* consecutive opens, for the cool-down */
	long long opened_ms, until_ms;
};

#define KC_BREAKER_OPENED    1
#define KC_BREAKER_RECOVERED 2

/* Applies one outcome that ended at now_ms; probe says whether the claim
 * sent it as an open breaker's one try. Closed, it opens at the
 * breaker_threshold-th consecutive failure, for breaker_cooldown. The
 * probe's failure opens it again for twice as long, up to
 * breaker_cooldown_max; any success, and a probe's neutral answer, close
 * it; a probe that was not sent waits another cool-down of the same
 * length. Other tries' outcomes leave an open breaker open. Returns
 * KC_BREAKER_OPENED when a closed breaker opened, KC_BREAKER_RECOVERED
 * when an open one closed, else 0. */
int kc_breaker_apply(struct kc_breaker *b, enum kc_verdict v, int probe,
		     long long now_ms, const struct kc_config *cfg);
/* The cool-down in seconds after the opens-th consecutive open. */
long long kc_breaker_cooldown(long long opens, const struct kc_config *cfg);

#endif
