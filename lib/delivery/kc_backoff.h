/* When to try a delivery again: the retry schedule, its jitter, and a
 * receiver's Retry-After. Pure functions, so the unit tests pin them. */
#ifndef KC_BACKOFF_H
#define KC_BACKOFF_H

#include <stddef.h>

/* The wait in milliseconds after the tries-th failed try (tries >= 1):
 * schedule[tries - 1] scaled by a jitter of +-20 % (r in [0, 1) picks it),
 * or -1 when the schedule is used up and the delivery is dead. */
long long kc_backoff_delay_ms(const long long *schedule, size_t n,
			      unsigned tries, double r);

/* A Retry-After value, delta-seconds or an HTTP-date (IMF-fixdate), as
 * seconds from now (never negative). -1 when it is neither. */
int kc_retry_after_parse(const char *v, long long now, long long *seconds);

#endif
