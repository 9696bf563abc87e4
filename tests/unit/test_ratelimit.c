/*
 * Unit tests for lib/core/kc_ratelimit: limits read and written back; the
 * bucket (a burst at once, then the rate, refusals that say when to come
 * back); the shared table (a bucket per key and kind, slots of full
 * buckets reused, the least indebted given up when every slot near a key
 * is in use, half-claimed slots waited for or, once abandoned, taken);
 * and several processes hammering one key together get exactly what one
 * would: burst + rate * t.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kc_ratelimit.h"
#include "kc_shm.h"

#define S  1000000000ULL /* a second in nanoseconds */
#define MS 1000000ULL

/* --- policies ------------------------------------------------------------- */

static struct kc_rl_policy
parsed(const char *text)
{
	struct kc_rl_policy p = {12345, 678};

	cr_assert_eq(kc_rl_policy_parse(text, &p), 0, "'%s' refused", text);
	return p;
}

static void
formats_as(const char *text, const char *canonical)
{
	struct kc_rl_policy p = parsed(text), q;
	char out[KC_RL_POLICY_MAX];

	cr_assert_eq(kc_rl_policy_format(&p, out, sizeof(out)), 0);
	cr_assert_str_eq(out, canonical, "'%s' -> '%s'", text, out);
	q = parsed(out);
	cr_assert(q.per_hour == p.per_hour && q.burst == p.burst,
		  "'%s' does not read back", out);
}

Test(policy, rates_and_bursts)
{
	struct kc_rl_policy p;

	p = parsed("100/s burst 200");
	cr_assert_eq(p.per_hour, 360000);
	cr_assert_eq(p.burst, 200);
	p = parsed("  600/m   burst   5 ");
	cr_assert_eq(p.per_hour, 36000);
	cr_assert_eq(p.burst, 5);
	p = parsed("7/h burst 1");
	cr_assert_eq(p.per_hour, 7);
	cr_assert_eq(p.burst, 1);
	p = parsed("1000000/s burst 1000000");
	cr_assert_eq(p.per_hour, KC_RL_PER_HOUR_MAX);
	cr_assert_eq(p.burst, KC_RL_BURST_MAX);
}

Test(policy, burst_defaults_to_one_seconds_worth)
{
	cr_assert_eq(parsed("50/s").burst, 50);
	cr_assert_eq(parsed("90/m").burst, 2, "1.5 a second, rounded up");
	cr_assert_eq(parsed("1/h").burst, 1, "at least one");
}

Test(policy, off_means_no_limit)
{
	struct kc_rl_policy p = parsed("off");
	char out[KC_RL_POLICY_MAX];

	cr_assert_eq(p.per_hour, 0);
	cr_assert_eq(parsed(" OFF ").per_hour, 0);
	cr_assert_eq(kc_rl_policy_format(&p, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "off");
}

Test(policy, written_in_the_largest_exact_unit)
{
	formats_as("120/m burst 4", "2/s burst 4");
	formats_as("60/h burst 1", "1/m burst 1");
	formats_as("90/m burst 3", "90/m burst 3");
	formats_as("5/h burst 2", "5/h burst 2");
	formats_as("50/s", "50/s burst 50");
}

Test(policy, refused)
{
	static const char *const bad[] = {
	    "",
	    "0/s",
	    "-1/s",
	    "10",
	    "10/",
	    "10/d",
	    "10/sec",
	    "10 /s",
	    "10/s burst",
	    "10/s burst 0",
	    "10/s burst -1",
	    "10/s burst 1000001",
	    "10/s bursts 5",
	    "10/s burst 5 x",
	    "10/s,burst 5",
	    "1000001/s",
	    "60000001/m",
	    "99999999999999999999999/s",
	    "offf",
	    "off 5",
	    "x/s",
	};
	struct kc_rl_policy p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_neq(kc_rl_policy_parse(bad[i], &p), 0,
			      "'%s' accepted", bad[i]);
}

Test(policy, kind_names)
{
	cr_assert_str_eq(kc_rl_kind_name(KC_RL_READ), "read");
	cr_assert_str_eq(kc_rl_kind_name(KC_RL_WRITE), "write");
	cr_assert_str_eq(kc_rl_kind_name(KC_RL_INGEST), "ingest");
	cr_assert_null(kc_rl_kind_name(KC_RL_NONE));
}

/* --- the bucket ------------------------------------------------------------
 */

/* 10/s burst 5: a token every 100 ms, 500 ms to fill. */
static const struct kc_rl_policy ten = {10 * 3600, 5};

Test(gcra, a_burst_at_once_then_refused)
{
	struct kc_rl_result r;
	uint64_t tat = 0, now = 1000 * S;
	int i;

	for (i = 0; i < 5; i++) {
		tat = kc_rl_gcra(tat, now, &ten, &r);
		cr_assert(r.allowed, "request %d of the burst refused", i + 1);
		cr_assert_eq(r.remaining, (uint64_t)(4 - i));
		cr_assert_eq(r.window_s, 1);
		cr_assert_eq(r.reset_s, 1, "full again within a second");
	}
	cr_assert_eq(kc_rl_gcra(tat, now, &ten, &r), tat,
		     "a refusal changes nothing");
	cr_assert_not(r.allowed);
	cr_assert_eq(r.remaining, 0);
	cr_assert_eq(r.retry_after_s, 1, "100 ms, rounded up to a second");
	cr_assert_eq(r.reset_s, r.retry_after_s);
}

Test(gcra, refills_at_the_rate_up_to_the_burst)
{
	struct kc_rl_result r;
	uint64_t tat = 0, now = 1000 * S;
	int i, n;

	for (i = 0; i < 5; i++)
		tat = kc_rl_gcra(tat, now, &ten, &r);
	/* 99 ms: not yet a token; 100 ms: one, and only one. */
	kc_rl_gcra(tat, now + 99 * MS, &ten, &r);
	cr_assert_not(r.allowed);
	tat = kc_rl_gcra(tat, now + 100 * MS, &ten, &r);
	cr_assert(r.allowed);
	cr_assert_eq(r.remaining, 0);
	kc_rl_gcra(tat, now + 100 * MS, &ten, &r);
	cr_assert_not(r.allowed);
	/* An hour idle fills the bucket to its burst, no more. */
	now += 3600 * S;
	for (n = 0;; n++) {
		tat = kc_rl_gcra(tat, now, &ten, &r);
		if (!r.allowed)
			break;
	}
	cr_assert_eq(n, 5);
}

Test(gcra, over_time_admits_burst_plus_rate)
{
	struct kc_rl_result r;
	uint64_t tat = 0, start = 50 * S, now;
	int n = 0;

	/* A request every millisecond for 10 s: 5 at once, then one every
	 * 100 ms (at 0.1 s, 0.2 s, ... 9.9 s). */
	for (now = start; now < start + 10 * S; now += MS) {
		tat = kc_rl_gcra(tat, now, &ten, &r);
		n += r.allowed;
	}
	cr_assert_eq(n, 5 + 99);
}

Test(gcra, slow_rates_and_long_waits)
{
	/* 2/h burst 3: a token every 30 minutes. */
	struct kc_rl_policy p = {2, 3};
	struct kc_rl_result r;
	uint64_t tat = 0, now = 10 * S;
	int i;

	for (i = 0; i < 3; i++)
		tat = kc_rl_gcra(tat, now, &p, &r);
	cr_assert_eq(r.window_s, 5400, "3 tokens at 30 min each");
	cr_assert_eq(r.reset_s, 5400);
	kc_rl_gcra(tat, now + 10 * S, &p, &r);
	cr_assert_not(r.allowed);
	cr_assert_eq(r.retry_after_s, 1790);
}

Test(gcra, a_tat_beyond_the_burst_counts_as_empty)
{
	struct kc_rl_result r;
	uint64_t now = 1000 * S, tat;

	/* A limit lowered, or a file from before a reboot: not a wait of
	 * an hour, only an empty bucket, and one that refills. */
	tat = kc_rl_gcra(now + 3600 * S, now, &ten, &r);
	cr_assert_not(r.allowed);
	cr_assert_eq(r.retry_after_s, 1);
	cr_assert_eq(tat, now + 500 * MS, "kept as an empty bucket");
	tat = kc_rl_gcra(tat, now + 100 * MS, &ten, &r);
	cr_assert(r.allowed);
	cr_assert_eq(tat, now + 600 * MS);
}

Test(gcra, a_tat_a_little_beyond_is_kept)
{
	struct kc_rl_result r;
	uint64_t now = 1000 * S, tat = now + 500 * MS + 900 * MS;

	/* Another process, whose clock read is newer than this one's, may
	 * have moved tat up to now + burst * T by its own now: cutting it
	 * back to ours would hand out tokens twice. */
	cr_assert_eq(kc_rl_gcra(tat, now, &ten, &r), tat);
	cr_assert_not(r.allowed);
	cr_assert_eq(r.retry_after_s, 1);
}

/* --- the table --------------------------------------------------------------
 */

static kc_shm_u64 *
table(size_t nslots)
{
	kc_shm_u64 *w = calloc(nslots * 2, sizeof(*w));

	cr_assert_not_null(w);
	return w;
}

/* Requests of (id, kind) at now until one is refused: how many went. */
static int
drain(kc_shm_u64 *w, size_t n, uint64_t id, enum kc_rl_kind kind,
      const struct kc_rl_policy *p, uint64_t now)
{
	struct kc_rl_result r;
	int k = 0;

	for (;;) {
		cr_assert_eq(kc_rl_take(w, n, id, kind, p, now, &r), 0);
		if (!r.allowed)
			return k;
		k++;
		cr_assert(k <= 1000, "never refused");
	}
}

static int
take(kc_shm_u64 *w, size_t n, uint64_t id, enum kc_rl_kind kind,
     const struct kc_rl_policy *p, uint64_t now)
{
	struct kc_rl_result r;

	cr_assert_eq(kc_rl_take(w, n, id, kind, p, now, &r), 0);
	return r.allowed;
}

Test(table, a_bucket_per_key_and_kind)
{
	kc_shm_u64 *w = table(KC_RL_SLOTS);
	uint64_t now = 100 * S;

	cr_assert_eq(drain(w, KC_RL_SLOTS, 7, KC_RL_READ, &ten, now), 5);
	cr_assert_not(take(w, KC_RL_SLOTS, 7, KC_RL_READ, &ten, now));
	cr_assert_eq(drain(w, KC_RL_SLOTS, 7, KC_RL_INGEST, &ten, now), 5,
		     "the same key's other kind is untouched");
	cr_assert_eq(drain(w, KC_RL_SLOTS, 8, KC_RL_READ, &ten, now), 5,
		     "another key is untouched");
	cr_assert(take(w, KC_RL_SLOTS, 7, KC_RL_READ, &ten, now + 100 * MS));
	free(w);
}

Test(table, the_result_describes_the_bucket)
{
	kc_shm_u64 *w = table(KC_RL_SLOTS);
	struct kc_rl_result r;
	uint64_t now = 100 * S;

	cr_assert_eq(kc_rl_take(w, KC_RL_SLOTS, 3, KC_RL_READ, &ten, now, &r),
		     0);
	cr_assert(r.allowed);
	cr_assert_eq(r.remaining, 4);
	cr_assert_eq(r.window_s, 1);
	cr_assert_not(r.evicted);
	drain(w, KC_RL_SLOTS, 3, KC_RL_READ, &ten, now);
	cr_assert_eq(kc_rl_take(w, KC_RL_SLOTS, 3, KC_RL_READ, &ten, now, &r),
		     0);
	cr_assert_not(r.allowed);
	cr_assert_eq(r.retry_after_s, 1);
	free(w);
}

/* A table of one window: every key competes for the same KC_RL_PROBE
 * slots. */
#define SMALL KC_RL_PROBE

Test(table, a_key_is_found_past_slots_that_came_free)
{
	uint64_t late, id, now;
	kc_shm_u64 *w;

	/* Several late keys, so that some land far from the start of
	 * their probe (the hash decides where). */
	for (late = 100; late < 108; late++) {
		w = table(SMALL);
		now = 100 * S;
		/* Keys 1..7 take a slot each, then the late key the last
		 * one, spending its burst. */
		for (id = 1; id < SMALL; id++)
			cr_assert(take(w, SMALL, id, KC_RL_READ, &ten, now));
		cr_assert_eq(drain(w, SMALL, late, KC_RL_READ, &ten, now), 5);
		/* 400 ms on, keys 1..7 are full again (their slots free)
		 * and the late key has 4 tokens back: it must find its own
		 * slot, not start afresh (5) in a free one. */
		now += 400 * MS;
		cr_assert_eq(drain(w, SMALL, late, KC_RL_READ, &ten, now), 4,
			     "key %lu", (unsigned long)late);
		free(w);
	}
}

Test(table, full_buckets_give_their_slots_to_new_keys)
{
	kc_shm_u64 *w = table(SMALL);
	uint64_t now = 100 * S, id;
	struct kc_rl_result r;

	for (id = 1; id <= SMALL; id++)
		cr_assert_eq(drain(w, SMALL, id, KC_RL_READ, &ten, now), 5);
	/* Every slot in use: 8 more keys would each take one. After 500
	 * ms the first 8 are full again, and nobody loses anything. */
	now += 500 * MS;
	for (id = 101; id <= 100 + SMALL; id++) {
		cr_assert_eq(
		    kc_rl_take(w, SMALL, id, KC_RL_READ, &ten, now, &r), 0);
		cr_assert(r.allowed);
		cr_assert_not(r.evicted, "key %lu evicted a bucket in use",
			      (unsigned long)id);
	}
	free(w);
}

Test(table, when_full_the_least_indebted_bucket_goes)
{
	kc_shm_u64 *w = table(SMALL);
	uint64_t now = 100 * S, id;
	struct kc_rl_result r;

	/* Key i has spent i tokens of 5 (key 8: 5): all slots in use. */
	for (id = 1; id <= SMALL; id++) {
		int i;

		for (i = 0; i < (int)(id < 5 ? id : 5); i++)
			cr_assert(take(w, SMALL, id, KC_RL_READ, &ten, now));
	}
	cr_assert_eq(kc_rl_take(w, SMALL, 500, KC_RL_READ, &ten, now, &r), 0);
	cr_assert(r.allowed);
	cr_assert(r.evicted);
	/* Key 1 (one token spent) lost its slot and starts full; the
	 * others kept theirs. */
	cr_assert_eq(drain(w, SMALL, 1, KC_RL_READ, &ten, now), 5);
	cr_assert_eq(drain(w, SMALL, 8, KC_RL_READ, &ten, now), 0);
	free(w);
}

/* Marks slot i of a SMALL table as being claimed since `since`. */
static void
half_claimed(kc_shm_u64 *w, size_t i, uint64_t owner, uint64_t since)
{
	kc_shm_store(&w[2 * i], owner);
	kc_shm_store(&w[2 * i + 1], (1ULL << 63) | since);
}

Test(table, a_slot_being_claimed_is_waited_for)
{
	kc_shm_u64 *w = table(SMALL);
	struct kc_rl_result r;
	uint64_t now = kc_rl_now();
	size_t i;

	/* Every slot half-claimed a moment ago: the take waits its 20 ms
	 * for them and then lets the request through uncounted, -1. */
	for (i = 0; i < SMALL; i++)
		half_claimed(w, i, 0, now);
	cr_assert_eq(kc_rl_take(w, SMALL, 9, KC_RL_READ, &ten, now, &r), -1);
	free(w);
}

Test(table, an_abandoned_claim_is_taken_over)
{
	kc_shm_u64 *w = table(SMALL);
	uint64_t now = 100 * S;
	size_t i;

	/* Claimed 2 s ago by processes that died half-way. */
	for (i = 0; i < SMALL; i++)
		half_claimed(w, i, 0, now - 2 * S);
	cr_assert_eq(drain(w, SMALL, 9, KC_RL_READ, &ten, now), 5);
	cr_assert_eq(drain(w, SMALL, 10, KC_RL_READ, &ten, now), 5);
	free(w);
}

/* --- several processes ------------------------------------------------------
 */

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/kc_test_rl.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

#define PROCS 4

/* PROCS processes take from key 42's bucket as fast as they can from the
 * start time in words[0] until start + span, each writing how many it
 * was given, how often it tried and when it last did. The table follows
 * those words. *tried is the time after start of the last try of any. */
static void
hammer(const struct kc_rl_policy *p, uint64_t span, uint64_t counts[PROCS],
       uint64_t *tries, uint64_t *tried)
{
	struct kc_shm *m = NULL;
	char err[512] = "";
	size_t head = 2 + 3 * PROCS; /* words before the table */
	uint64_t t0, last;
	kc_shm_u64 *w;
	pid_t pids[PROCS];
	int i, st;

	cr_assert_eq(kc_shm_open(dir, "rl", 1,
				 head * sizeof(kc_shm_u64) +
				     KC_RL_TABLE_BYTES(KC_RL_SLOTS),
				 &m, err, sizeof(err)),
		     0, "%s", err);
	w = kc_shm_data(m);
	for (i = 0; i < PROCS; i++) {
		pids[i] = fork();
		cr_assert_neq(pids[i], -1);
		if (pids[i] == 0) {
			uint64_t start, now, got = 0, n = 0, at = 0;
			struct kc_rl_result r;

			while ((start = kc_shm_load(&w[0])) == 0)
				;
			while ((now = kc_rl_now()) < start)
				;
			for (; now < start + span; now = kc_rl_now()) {
				/* -1 lets the request through, as the API
				 * does: counted as given. */
				if (kc_rl_take(w + head, KC_RL_SLOTS, 42,
					       KC_RL_INGEST, p, now, &r) != 0)
					r.allowed = 1;
				got += r.allowed;
				n++;
				at = now;
			}
			kc_shm_store(&w[2 + i], got);
			kc_shm_store(&w[2 + PROCS + i], n);
			kc_shm_store(&w[2 + 2 * PROCS + i], at);
			_exit(0);
		}
	}
	/* Everyone starts at once, a little from now. */
	t0 = kc_rl_now() + 50 * MS;
	kc_shm_store(&w[0], t0);
	*tries = 0;
	*tried = 0;
	for (i = 0; i < PROCS; i++) {
		cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			  "process %d failed (%d)", i, st);
		counts[i] = kc_shm_load(&w[2 + i]);
		*tries += kc_shm_load(&w[2 + PROCS + i]);
		last = kc_shm_load(&w[2 + 2 * PROCS + i]);
		if (last > t0 && last - t0 > *tried)
			*tried = last - t0;
	}
	kc_shm_close(m);
}

Test(processes, together_they_get_one_bucket, .init = setup, .fini = teardown,
     .timeout = 60)
{
	/* 2000/s burst 1000 over 2 s: 1000 + 4000 admitted. The burst is
	 * large enough that a process descheduled for up to half a second
	 * loses nothing (the others keep taking). */
	struct kc_rl_policy p = {2000 * 3600, 1000};
	uint64_t counts[PROCS], total = 0, tries, tried, want = 1000 + 4000;
	uint64_t given;
	int i, busy = 0;

	hammer(&p, 2 * S, counts, &tries, &tried);
	for (i = 0; i < PROCS; i++) {
		total += counts[i];
		busy += counts[i] > 0;
	}
	fprintf(stderr, "admitted %lu of %lu tries (%lu %lu %lu %lu)\n",
		(unsigned long)total, (unsigned long)tries,
		(unsigned long)counts[0], (unsigned long)counts[1],
		(unsigned long)counts[2], (unsigned long)counts[3]);
	cr_assert_geq(tries, 2 * want, "the bucket was not pressed hard");
	cr_assert_geq(busy, 2, "only one process ever got a token");
	/* Never more than one bucket gives (exact); at least all it had
	 * given by the last try of any process, but for 1 % lost to
	 * scheduling: on a loaded machine every process may be off the CPU
	 * for the window's last tens of milliseconds, and what accrues then
	 * nobody asked for. */
	given = 1000 + 2000 * (tried < 2 * S ? tried : 2 * S) / S;
	cr_assert_leq(total, want, "admitted %lu: more than one bucket",
		      (unsigned long)total);
	cr_assert_geq(total, given - given / 100,
		      "admitted %lu of the %lu given by the last try, %lu ms "
		      "in",
		      (unsigned long)total, (unsigned long)given,
		      (unsigned long)(tried / MS));
}
