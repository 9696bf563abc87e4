/* kcctl deliver: the delivery worker cron starts every minute. Without
 * --for it sends what is due and stops; with --for it keeps going for that
 * long, looking for new work at most every 200 ms when idle. A stop signal
 * or the window's end stops the claiming; what is in flight is finished
 * and recorded before it exits. */
#include "kcctl.h"
#include "kcctl_run.h"
#include "kc_deliver.h"
#include "kc_log.h"
#include "kc_time.h"

#include <getopt.h>
#include <stdio.h>

static const char usage[] =
    "usage: kcctl deliver [--for DURATION] [--lock FILE [--lock-wait "
    "DURATION]] [--business ID]";

static void
text(const json_t *v)
{
	printf("claimed %lld, delivered %lld, retrying %lld, dead %lld, "
	       "endpoints disabled %lld\n",
	       (long long)json_integer_value(json_object_get(v, "claimed")),
	       (long long)json_integer_value(json_object_get(v, "delivered")),
	       (long long)json_integer_value(json_object_get(v, "retrying")),
	       (long long)json_integer_value(json_object_get(v, "dead")),
	       (long long)json_integer_value(
		   json_object_get(v, "endpoints_disabled")));
}

int
kcctl_deliver(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    KCCTL_RUN_OPTIONS,
	    {"business", required_argument, NULL, 'b'},
	    {NULL, 0, NULL, 0},
	};
	struct kcctl_run run = {0};
	struct kc_deliver_stats st = {0};
	struct kc_deliverer *d = NULL;
	const char *lock = NULL, *biz = NULL;
	long long bid = 0;
	int c, claimed, finished, rc = KCCTL_OK, failures = 0, busy = 0, due;
	size_t unrecorded = 0;
	int reached = 0; /* the database answered at least once */
	int outage = 0;  /* ... or was found away */

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (kcctl_run_option(k, &run, c, optarg, &rc)) {
			if (rc != KCCTL_OK)
				return rc;
		} else if (c == 'L')
			lock = optarg;
		else if (c == 'b')
			biz = optarg;
		else
			return kcctl_usage(k, "%s", usage);
	}
	if (optind != argc)
		return kcctl_usage(k, "%s", usage);
	if (!k->cfg.has_master_key)
		return kcctl_fail(k, "master_key is not configured");
	if (biz && (rc = kcctl_business_id(k, biz, &bid)) != KCCTL_OK)
		return rc;
	if ((rc = kcctl_run_start(k, &run, lock)) != KCCTL_OK) {
		if (rc == 3)
			return kcctl_run_locked(k, "deliver", lock);
		return rc;
	}
	/* Connected on first use: a run that cron starts while the database
	 * is away waits for it inside its window instead of failing. */
	if (kcctl_db_lazy(k) == NULL ||
	    kc_deliverer_new(k->db, &k->cfg, bid, &d) != 0) {
		kcctl_run_end(&run);
		return kcctl_fail(k, "cannot start the delivery worker");
	}
	for (;;) {
		/* Claiming stops at the window's end (or a stop signal);
		 * what is in flight is still answered and recorded, while
		 * cron's next run waits for the lock (--lock-wait). */
		int going = kcctl_run_going(&run);

		if (!going && kc_deliverer_in_flight(d) == 0)
			break;
		if (kc_deliverer_step(d, &st, going, &claimed, &finished) !=
		    0) {
			if (kc_db_unavailable(k->db) && run.end_ms != 0) {
				outage = 1;
				/* An outage inside the window: ride it out
				 * (kc_db logs it once, and the reconnection).
				 * What could not be recorded by the window's
				 * end is sent again once its lease ends. */
				if (!going) {
					unrecorded = kc_deliverer_unrecorded(d);
					break;
				}
				kcctl_run_backoff(&run);
				continue;
			}
			/* The database refused, or stays away from a run
			 * without a window: what was claimed comes back when
			 * its lease ends; give up after a few tries. */
			if (++failures >= 10) {
				unrecorded = kc_deliverer_unrecorded(d);
				rc = KCCTL_FAIL;
				break;
			}
			kcctl_run_backoff(&run);
			continue;
		}
		failures = 0;
		if (!kc_db_unavailable(k->db))
			reached = 1;
		if (claimed > 0 || finished > 0 ||
		    kc_deliverer_in_flight(d) > 0) {
			busy = 0;
			continue;
		}
		/* Without a window, stop once nothing is due. A claim can come
		 * back empty while something is due (another worker was taking
		 * the wake-ups, or had the endpoint's turn); look again then,
		 * for a while. */
		if (run.end_ms == 0 &&
		    (kc_deliverer_any_due(d, &due) != 0 || !due || ++busy > 25))
			break;
		kcctl_run_idle(&run);
	}
	if (unrecorded > 0)
		kc_warn("%zu outcomes not recorded: the database is still "
			"unavailable; those deliveries go out again when their "
			"lease ends",
			unrecorded);
	kc_deliverer_free(d);
	kcctl_run_end(&run);
	if (rc != KCCTL_OK)
		return kcctl_fail(k, "delivery stopped: the database keeps "
				     "failing (see the log)");
	/* A whole window without the database is worth a failed run in
	 * cron's eyes; a window that saw it at all did its work. */
	if (outage && !reached)
		return kcctl_fail(k, "the database was unavailable for the "
				     "whole run (see the log)");
	return kcctl_emit(k,
			  json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "claimed",
				    (json_int_t)st.claimed, "delivered",
				    (json_int_t)st.delivered, "retrying",
				    (json_int_t)st.retrying, "dead",
				    (json_int_t)st.dead, "endpoints_disabled",
				    (json_int_t)st.disabled, "unrecorded",
				    (json_int_t)unrecorded),
			  text);
}
