#include "kc_ratelimit.h"

#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define NS_PER_S    1000000000ULL
#define NS_PER_HOUR (3600ULL * NS_PER_S)

/* A slot's second word while a process gives the slot to a new owner: the
 * top bit and the moment it began. tat values (CLOCK_MONOTONIC
 * nanoseconds) never reach the top bit. */
#define BUSY (1ULL << 63)
/* A slot busy for longer than this was left half-claimed by a process
 * that died (claiming takes three atomic operations): it is free again. */
#define ABANDONED_NS NS_PER_S
/* How long a take waits for slots being claimed by others (which takes
 * them nanoseconds, unless the scheduler stops them half-way) before it
 * gives up; and how many compare-and-swaps it may lose in a row, which
 * each mean that another process's request went through. */
#define WAIT_MAX_NS (20 * 1000000ULL)
/* A tat this far beyond a full bucket's span came from another limit or
 * another boot, not from a process whose now is a little stale (it read
 * the clock, then waited for the processor): only then is it cut. */
#define CUT_SLACK_NS NS_PER_S
#define ROUNDS_MAX   10000

const char *
kc_rl_kind_name(enum kc_rl_kind k)
{
	switch (k) {
	case KC_RL_READ:
		return "read";
	case KC_RL_WRITE:
		return "write";
	case KC_RL_INGEST:
		return "ingest";
	default:
		return NULL;
	}
}

static const char *
skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A positive decimal number at *p of at most max; *p moves past it. */
static int
number(const char **p, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	*out = strtoull(*p, &end, 10);
	if (errno != 0 || *out == 0 || *out > max)
		return -1;
	*p = end;
	return 0;
}

int
kc_rl_policy_parse(const char *s, struct kc_rl_policy *out)
{
	const char *p = skip_spaces(s);
	unsigned long long n, b, mul;

	if (strncasecmp(p, "off", 3) == 0 && *skip_spaces(p + 3) == '\0') {
		out->per_hour = 0;
		out->burst = 0;
		return 0;
	}
	if (number(&p, KC_RL_PER_HOUR_MAX, &n) != 0 || *p++ != '/')
		return -1;
	switch (*p++) {
	case 's':
		mul = 3600;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 1;
		break;
	default:
		return -1;
	}
	if (n > KC_RL_PER_HOUR_MAX / mul)
		return -1;
	if (*p != '\0' && *p != ' ' && *p != '\t')
		return -1;
	p = skip_spaces(p);
	/* One second's worth: a client that sends at the rate, in whole
	 * seconds' batches, is never refused. */
	b = (n * mul + 3599) / 3600;
	if (strncmp(p, "burst", 5) == 0 && (p[5] == ' ' || p[5] == '\t')) {
		p = skip_spaces(p + 5);
		if (number(&p, KC_RL_BURST_MAX, &b) != 0)
			return -1;
		p = skip_spaces(p);
	}
	if (*p != '\0')
		return -1;
	out->per_hour = n * mul;
	out->burst = (uint32_t)b;
	return 0;
}

int
kc_rl_policy_format(const struct kc_rl_policy *p, char *out, size_t cap)
{
	unsigned long long n = p->per_hour;
	char unit = 'h';
	int w;

	if (n == 0)
		w = snprintf(out, cap, "off");
	else {
		if (n % 3600 == 0) {
			n /= 3600;
			unit = 's';
		} else if (n % 60 == 0) {
			n /= 60;
			unit = 'm';
		}
		w = snprintf(out, cap, "%llu/%c burst %lu", n, unit,
			     (unsigned long)p->burst);
	}
	return w < 0 || (size_t)w >= cap ? -1 : 0;
}

static uint64_t
ceil_s(uint64_t ns)
{
	return ns / NS_PER_S + (ns % NS_PER_S != 0);
}

uint64_t
kc_rl_gcra(uint64_t tat, uint64_t now, const struct kc_rl_policy *p,
	   struct kc_rl_result *res)
{
	/* At most 3.6e12 ns per token and 1e6 tokens: span < 2^62, and so
	 * is now (nanoseconds since boot), so no sum below overflows. */
	uint64_t t = NS_PER_HOUR / p->per_hour, span, limit, start, next;

	if (t == 0)
		t = 1;
	span = (uint64_t)p->burst * t;
	limit = now + span;
	start = tat > now ? tat : now;
	/* Kept, refused or not: otherwise the bucket would stay empty
	 * until the clock caught up with the old tat. */
	if (start > limit + CUT_SLACK_NS)
		tat = start = limit;
	next = start + t;
	memset(res, 0, sizeof(*res));
	res->window_s = ceil_s(span);
	if (res->window_s == 0)
		res->window_s = 1;
	if (next > limit) {
		res->retry_after_s = ceil_s(next - limit);
		res->reset_s = res->retry_after_s;
		return tat;
	}
	res->allowed = 1;
	res->remaining = (limit - next) / t;
	res->reset_s = ceil_s(next - now);
	return next;
}

uint64_t
kc_rl_table_layout(size_t nslots)
{
	uint64_t h = KC_SHM_LAYOUT_INIT, n = nslots, probe = KC_RL_PROBE;

	h = kc_shm_layout_hash(h, "kc-rate-limits-1", 16);
	h = kc_shm_layout_hash(h, &n, sizeof(n));
	return kc_shm_layout_hash(h, &probe, sizeof(probe));
}

uint64_t
kc_rl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* The owner word of (id, kind): never 0, the mark of a slot never used.
 * Ids are auto-increment numbers, far below 2^62. */
static uint64_t
owner_of(uint64_t id, enum kc_rl_kind kind)
{
	return (id << 2) | (uint64_t)kind;
}

/* splitmix64's finaliser: neighbouring ids land far apart. */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t
load(kc_shm_u64 *w)
{
	return atomic_load_explicit(w, memory_order_acquire);
}

static int
cas(kc_shm_u64 *w, uint64_t *expected, uint64_t desired)
{
	return atomic_compare_exchange_strong_explicit(
	    w, expected, desired, memory_order_acq_rel, memory_order_acquire);
}

/* Gives slot s, seen holding old_owner and old_tat together, to owner
 * with its first request charged. BUSY first: every process that read the
 * old tat then fails to write after it, and nobody charges a request to a
 * slot changing hands. Then the owner, then the tat, each a
 * compare-and-swap: a process that found this one's BUSY abandoned (this
 * one stalled for a second) may have taken over. */
static int
claim(kc_shm_u64 *s, uint64_t old_owner, uint64_t old_tat, uint64_t owner,
      const struct kc_rl_policy *p, uint64_t now, struct kc_rl_result *res)
{
	uint64_t busy = BUSY | now, next;

	if (!cas(&s[1], &old_tat, busy))
		return -1;
	if (!cas(&s[0], &old_owner, owner)) {
		/* Taken over and given to another: free it again rather
		 * than leave it busy for a second. */
		uint64_t mine = busy;
		(void)cas(&s[1], &mine, 0);
		return -1;
	}
	next = kc_rl_gcra(0, now, p, res);
	if (!cas(&s[1], &busy, next))
		return -1;
	res->evicted = old_owner != 0 && !(old_tat & BUSY) && old_tat > now;
	return 0;
}

/* 1 if a slot's tat word says it is being claimed right now. */
static int
claiming(uint64_t t, uint64_t now)
{
	uint64_t since = t & ~BUSY;

	return (t & BUSY) && (since > now || now - since < ABANDONED_NS);
}

int
kc_rl_take(kc_shm_u64 *words, size_t nslots, uint64_t id, enum kc_rl_kind kind,
	   const struct kc_rl_policy *p, uint64_t now, struct kc_rl_result *res)
{
	uint64_t owner = owner_of(id, kind), home = mix(owner);
	uint64_t o, t, next, score, best_score = 0, best_owner = 0,
				    best_tat = 0;
	uint64_t waiting = 0;
	kc_shm_u64 *s, *best;
	size_t mask = nslots - 1, i;
	int round, wait;

	for (round = 0; round < ROUNDS_MAX; round++) {
		best = NULL;
		wait = 0;
		for (i = 0; i < KC_RL_PROBE; i++) {
			s = words + 2 * ((home + i) & mask);
			o = load(&s[0]);
			t = load(&s[1]);
			/* The owner again, after the tat: a slot changes
			 * owner only while BUSY, so the tat is this owner's,
			 * unless the slot changed hands twice in between;
			 * then the tat has moved on (a new owner's starts
			 * past every earlier one) and the compare-and-swap
			 * below fails. */
			if (load(&s[0]) != o || claiming(t, now)) {
				wait = 1;
				continue;
			}
			if (o == owner)
				break;
			/* Free (never used, full again, or abandoned half
			 * claimed) before in use; in use, the one nearest to
			 * full, whose owner loses least. On a tie the first,
			 * so that processes racing to add a key pick the
			 * same slot and the compare-and-swap decides. */
			score = (t & BUSY) || t <= now ? 0 : t;
			if (best == NULL || score < best_score) {
				best = s;
				best_score = score;
				best_owner = o;
				best_tat = t;
			}
		}
		if (i < KC_RL_PROBE) {
			if (t & BUSY) {
				if (claim(s, o, t, owner, p, now, res) == 0)
					return 0;
				continue;
			}
			/* A refusal swaps the tat for itself: proof that
			 * it was still this bucket's at one moment. */
			next = kc_rl_gcra(t, now, p, res);
			if (cas(&s[1], &t, next))
				return 0;
			continue;
		}
		/* A slot being claimed may be becoming this key's: wait
		 * for it rather than start a second bucket elsewhere. */
		if (wait || best == NULL) {
			/* On the real clock: now may be a caller's. */
			if (waiting == 0)
				waiting = kc_rl_now();
			else if (kc_rl_now() - waiting > WAIT_MAX_NS)
				return -1;
			sched_yield();
			continue;
		}
		if (claim(best, best_owner, best_tat, owner, p, now, res) == 0)
			return 0;
	}
	return -1;
}
