/* Request rate limits: a token bucket per API key and kind of request,
 * shared by every process of a node through a table in a kc_shm region.
 *
 * A bucket holds at most burst tokens and gains rate tokens a second; a
 * request takes one, or is refused when there is none. It is kept the way
 * GCRA (the generic cell rate algorithm) keeps it: as one number, tat, the
 * instant at which the bucket will be full again. With T = 1 / rate,
 *
 *   tokens(now) = burst - max(tat - now, 0) / T,
 *
 * so a request is admitted when max(tat, now) + T <= now + burst * T, and
 * admitting it sets tat to max(tat, now) + T. The whole state of a bucket
 * is therefore one 64-bit word that a compare-and-swap updates (nothing
 * to pack, no lock), and a bucket whose tat has passed is full: exactly
 * like one that was never used, so its slot can go to another key at any
 * time without losing anything. */
#ifndef KC_RATELIMIT_H
#define KC_RATELIMIT_H

#include "kc_shm.h"

#include <stddef.h>
#include <stdint.h>

/* What a route's requests draw from (cgi/routes.c says it per route): the
 * voice runtime's ingest, reads, and every other change. Each has its own
 * bucket per key. NONE: a route that does not say (see kc_route_kind). */
enum kc_rl_kind {
	KC_RL_NONE = 0,
	KC_RL_READ,
	KC_RL_WRITE,
	KC_RL_INGEST,
	KC_RL__MAX
};

/* A limit: rate in requests per hour, so that "N/s", "N/m" and "N/h" are
 * all exact; 0 means no limit. */
struct kc_rl_policy {
	uint64_t per_hour;
	uint32_t burst;
};

#define KC_RL_PER_HOUR_MAX (1000000ULL * 3600) /* 1,000,000/s */
#define KC_RL_BURST_MAX    1000000
#define KC_RL_POLICY_MAX   48 /* "1000000/s burst 1000000" and a NUL */

/* "read", "write", "ingest" (the policies' names in the headers); NULL
 * for NONE. */
const char *kc_rl_kind_name(enum kc_rl_kind k);
/* "off", or "N/s", "N/m", "N/h" with an optional " burst M" (default:
 * one second's worth, at least 1). 0, or -1 for anything else or out of
 * range (1/h to 1,000,000/s, burst 1 to 1,000,000). */
int kc_rl_policy_parse(const char *s, struct kc_rl_policy *out);
/* The canonical text kc_rl_policy_parse reads back: the largest unit
 * that shows the rate exactly. */
int kc_rl_policy_format(const struct kc_rl_policy *p, char *out, size_t cap);

/* One request's outcome, with what the RateLimit headers tell. */
struct kc_rl_result {
	int allowed;
	/* Whole tokens left after this request. */
	uint64_t remaining;
	/* Admitted: seconds until the bucket is full again. Refused: seconds
	 * until the next token (retry_after). Rounded up. */
	uint64_t reset_s;
	/* Refused: seconds until the next token, at least 1. */
	uint64_t retry_after_s;
	/* The time the whole burst takes to come back: burst / rate seconds,
	 * rounded up, at least 1. */
	uint64_t window_s;
	/* The request took the slot of another key's bucket that was not
	 * yet full (the table had no free slot near it). */
	int evicted;
};

/* The bucket step alone: the tat after one request at now (nanoseconds)
 * under p (per_hour > 0), or tat itself when it is refused. A tat more
 * than a second beyond now + burst * T (a limit lowered, a table from
 * before a reboot) counts as an empty bucket, and comes back as now +
 * burst * T even when the request is refused. */
uint64_t kc_rl_gcra(uint64_t tat, uint64_t now, const struct kc_rl_policy *p,
		    struct kc_rl_result *res);

/* The shared table: KC_RL_SLOTS slots of two words (the owner, the tat),
 * found by open addressing within KC_RL_PROBE slots of the owner's hash.
 * Only buckets used within their last burst / rate seconds hold
 * anything, so it needs room for the keys active at once, not for every
 * key. */
#define KC_RL_SLOTS               8192
#define KC_RL_PROBE               8
#define KC_RL_TABLE_BYTES(nslots) ((size_t)(nslots)*2 * sizeof(kc_shm_u64))

/* The layout number of a table of nslots (kc_shm_open's layout). */
uint64_t kc_rl_table_layout(size_t nslots);
/* Charges one request of key id (an internal id) and kind to its bucket
 * in the table of nslots (a power of two) slots at words (zeroed when
 * new), at now (CLOCK_MONOTONIC nanoseconds, kc_rl_now). 0 with res, or
 * -1 when the table stayed contended past all reason (the caller admits
 * the request: a limit must not take the API down). */
int kc_rl_take(kc_shm_u64 *words, size_t nslots, uint64_t id,
	       enum kc_rl_kind kind, const struct kc_rl_policy *p, uint64_t now,
	       struct kc_rl_result *res);
/* CLOCK_MONOTONIC in nanoseconds: the same clock in every process of the
 * machine, and one that never steps. */
uint64_t kc_rl_now(void);

#endif
