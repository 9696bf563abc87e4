/* What one claim of the delivery worker costs (scripts/bench-fair): the
 * real kc_queue_claim, REPS times against the same tables, each inside an
 * outer transaction that is rolled back (the claim's own transactions
 * nest as savepoints), so every repetition sees what the first saw.
 *
 *   bench_claim CONF REPS ROOM
 *
 * Prints "claim: min L ms, median M ms, p90 P ms; N deliveries from E
 * endpoints". On a busy machine the least is the steadiest figure: what
 * else runs only ever adds to a claim's time. The commit's log flush is
 * not in the figure: it costs the same at any backlog. */
#include "kc_config.h"
#include "kc_db.h"
#include "kc_queue.h"
#include "kc_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
us_cmp(const void *a, const void *b)
{
	const long long *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

int
main(int argc, char **argv)
{
	struct kc_config cfg;
	struct kc_claim c;
	struct kc_buf ids;
	struct kc_db *db;
	char err[512], *end;
	long long *us, reps, room, claimed = 0;
	size_t endpoints = 0;
	long long i;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_claim CONF REPS ROOM\n");
		return 2;
	}
	reps = strtoll(argv[2], &end, 10);
	room = strtoll(argv[3], &end, 10);
	if (reps < 1 || room < 1 ||
	    kc_config_load(&cfg, argv[1], err, sizeof(err)) != 0 ||
	    (db = kc_db_open(&cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_claim: %s\n",
			reps < 1 || room < 1 ? "bad REPS or ROOM" : err);
		return 1;
	}
	if ((us = calloc((size_t)reps, sizeof(*us))) == NULL)
		return 1;
	kc_buf_init(&ids, 16 * 1024 * 1024);
	for (i = 0; i < reps; i++) {
		long long t0;

		memset(&c, 0, sizeof(c));
		kc_buf_reset(&ids);
		c.room = room;
		c.owner = "w_bench";
		c.lease = cfg.delivery_lease;
		c.ids = &ids;
		t0 = mono_us();
		if (kc_db_begin(db) != 0 || kc_queue_claim(db, &c) != 0 ||
		    kc_db_rollback(db) != 0) {
			fprintf(stderr, "bench_claim: the claim failed\n");
			return 1;
		}
		us[i] = mono_us() - t0;
		claimed = c.claimed;
		endpoints = c.endpoints;
	}
	qsort(us, (size_t)reps, sizeof(*us), us_cmp);
	printf("claim: min %.2f ms, median %.2f ms, p90 %.2f ms; %lld "
	       "deliveries from %zu endpoints\n",
	       (double)us[0] / 1000.0, (double)us[reps / 2] / 1000.0,
	       (double)us[reps * 9 / 10] / 1000.0, claimed, endpoints);
	free(us);
	kc_buf_free(&ids);
	kc_db_close(db);
	kc_config_free(&cfg);
	return 0;
}
