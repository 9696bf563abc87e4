/* kcctl replay: works through the bulk replay requests made with
 * POST /v1/webhook-endpoints/{id}/replay. Without --for it stops when none
 * is left; with --for it keeps looking for that long. */
#include "kcctl.h"
#include "kcctl_run.h"
#include "kc_log.h"
#include "kc_replay.h"

#include <getopt.h>
#include <stdio.h>

#define REPLAY_BATCH 500

static void
text(const json_t *v)
{
	printf("replay steps %lld\n",
	       (long long)json_integer_value(json_object_get(v, "steps")));
}

int
kcctl_replay(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    KCCTL_RUN_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct kcctl_run run = {0};
	const char *lock = NULL;
	long long steps = 0;
	int c, worked, rc = KCCTL_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (kcctl_run_option(k, &run, c, optarg, &rc)) {
			if (rc != KCCTL_OK)
				return rc;
		} else if (c == 'L')
			lock = optarg;
		else
			return kcctl_usage(
			    k, "usage: kcctl replay [--for DURATION] "
			       "[--lock FILE]");
	}
	if (optind != argc)
		return kcctl_usage(k, "usage: kcctl replay [--for DURATION] "
				      "[--lock FILE]");
	if ((rc = kcctl_run_start(k, &run, lock)) != KCCTL_OK) {
		if (rc == 3)
			return kcctl_run_locked(k, "replay", lock);
		return rc;
	}
	if (kcctl_db(k) == NULL) {
		kcctl_run_end(&run);
		return KCCTL_FAIL;
	}
	while (kcctl_run_going(&run)) {
		if (kc_replay_step(k->db, REPLAY_BATCH, &worked) != 0) {
			rc = KCCTL_FAIL;
			break;
		}
		steps += worked;
		if (!worked) {
			if (run.end_ms == 0)
				break;
			/* Replays are rarer than deliveries: a second is
			 * quick enough to start one. */
			run.poll_ms = 1000;
			kcctl_run_idle(&run);
		}
	}
	kcctl_run_end(&run);
	if (rc != KCCTL_OK)
		return kcctl_fail(k, "replay failed (see the log)");
	return kcctl_emit(k, json_pack("{s:I}", "steps", (json_int_t)steps),
			  text);
}
