/* kcctl outbound: the worker cron starts every minute that sends queued
 * calls and SMS through the carrier, as kcctl deliver sends webhooks:
 * without --for it sends what is due and stops; with --for it keeps going
 * for that long, looking for new work at most every 200 ms when idle, and
 * rides out a database outage inside its window. A stop signal or the
 * window's end stops the claiming; what is in flight is finished and
 * recorded before it exits. */
#include "kcctl.h"
#include "kcctl_run.h"
#include "kc_log.h"
#include "kc_outbound.h"
#include "kc_outbound_worker.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: kcctl outbound [--for DURATION] [--lock FILE [--lock-wait "
    "DURATION]] [--business ID]\n"
    "       kcctl outbound settle ID placed|not-placed [--sid SID]";

static void
settled_text(const json_t *v)
{
	printf("%s is %s\n", json_string_value(json_object_get(v, "id")),
	       json_string_value(json_object_get(v, "status")));
}

/* settle ID placed|not-placed [--sid SID]: an operator's word, after
 * asking the carrier, on an action the worker left unknown. */
static int
settle(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"sid", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	const char *sid = NULL, *id, *word;
	char err[256];
	json_t *out = NULL;
	int c, rc, placed;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (c == 's')
			sid = optarg;
		else
			return kcctl_usage(k, "%s", usage);
	if (optind + 2 != argc)
		return kcctl_usage(k, "%s", usage);
	id = argv[optind];
	word = argv[optind + 1];
	if (strcmp(word, "placed") != 0 && strcmp(word, "not-placed") != 0)
		return kcctl_usage(k, "%s", usage);
	placed = strcmp(word, "placed") == 0;
	if (sid != NULL && !placed)
		return kcctl_usage(k, "--sid goes with placed");
	/* A carrier SID: two letters and hex (SM..., CA...). */
	for (i = 0; sid != NULL && sid[i] != '\0'; i++)
		if (!((sid[i] >= '0' && sid[i] <= '9') ||
		      (sid[i] >= 'a' && sid[i] <= 'z') ||
		      (sid[i] >= 'A' && sid[i] <= 'Z')))
			break;
	if (sid != NULL && (sid[i] != '\0' || i < 2 || i > 64))
		return kcctl_usage(k, "--sid: not a carrier SID");
	if (kcctl_db_lazy(k) == NULL)
		return kcctl_fail(k, "no database");
	rc = kc_outbound_settle(k->db, &k->actor, id, placed, sid, &out, err,
				sizeof(err));
	if (rc == KC_NOTFOUND)
		return kcctl_fail(k, "no outbound call or message %s", id);
	if (rc == KC_CONFLICT)
		return kcctl_fail(k, "%s", err);
	if (rc != 0)
		return kcctl_fail(k, "could not settle %s", id);
	return kcctl_emit(k, out, settled_text);
}

static void
text(const json_t *v)
{
	if (json_is_false(json_object_get(v, "carrier"))) {
		printf("no carrier is configured: nothing sent\n");
		return;
	}
#define F(name) (long long)json_integer_value(json_object_get(v, name))
	printf("claimed %lld, accepted by the carrier %lld (already there "
	       "%lld), blocked %lld, retrying %lld, unknown %lld, failed "
	       "%lld, held %lld, waiting for a cap %lld, for calling hours "
	       "%lld; unrecorded %lld\n",
	       F("claimed"), F("accepted"), F("reconciled"), F("blocked"),
	       F("retrying"), F("unknown"), F("failed"), F("held"),
	       F("deferred"), F("rescheduled"), F("unrecorded"));
#undef F
}

static int
report(struct kcctl *k, const struct kc_outbound_stats *st, size_t unrecorded)
{
	return kcctl_emit(
	    k,
	    json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		      "s:I}",
		      "carrier", 1, "claimed", (json_int_t)st->claimed,
		      "accepted", (json_int_t)st->accepted, "blocked",
		      (json_int_t)st->blocked, "retrying",
		      (json_int_t)st->retrying, "failed",
		      (json_int_t)st->failed, "held", (json_int_t)st->held,
		      "deferred", (json_int_t)st->deferred, "unknown",
		      (json_int_t)st->unknown, "reconciled",
		      (json_int_t)st->reconciled, "rescheduled",
		      (json_int_t)st->rescheduled, "unrecorded",
		      (json_int_t)unrecorded),
	    text);
}

int
kcctl_outbound(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    KCCTL_RUN_OPTIONS,
	    {"business", required_argument, NULL, 'b'},
	    {NULL, 0, NULL, 0},
	};
	struct kcctl_run run = {0};
	struct kc_outbound_stats st = {0};
	struct kc_outbounder *o = NULL;
	const char *lock = NULL, *biz = NULL;
	char err[256];
	long long bid = 0;
	int c, claimed, finished, rc = KCCTL_OK, failures = 0, busy = 0, due;
	size_t unrecorded = 0;
	int reached = 0, outage = 0;

	if (argc >= 2 && strcmp(argv[1], "settle") == 0)
		return settle(k, argc - 1, argv + 1);
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
	/* An installation that sends nothing needs no carrier: cron's line
	 * then does nothing, quietly. */
	if (k->cfg.carrier_account_sid == NULL)
		return kcctl_emit(k, json_pack("{s:b}", "carrier", 0), text);
	if (biz && (rc = kcctl_business_id(k, biz, &bid)) != KCCTL_OK)
		return rc;
	if ((rc = kcctl_run_start(k, &run, lock)) != KCCTL_OK) {
		if (rc == 3)
			return kcctl_run_locked(k, "outbound", lock);
		return rc;
	}
	if (kcctl_db_lazy(k) == NULL ||
	    kc_outbounder_new(k->db, &k->cfg, bid, &o, err, sizeof(err)) != 0) {
		kcctl_run_end(&run);
		return kcctl_fail(k, "cannot start the outbound worker: %s",
				  o == NULL ? err : "no database");
	}
	for (;;) {
		int going = kcctl_run_going(&run);

		if (!going && kc_outbounder_in_flight(o) == 0)
			break;
		if (kc_outbounder_step(o, &st, going, &claimed, &finished) !=
		    0) {
			if (kc_db_unavailable(k->db) && run.end_ms != 0) {
				/* An outage inside the window: ride it out;
				 * what could not be recorded by its end is
				 * settled with the carrier once its lease
				 * ends (never simply sent again). */
				outage = 1;
				if (!going) {
					unrecorded =
					    kc_outbounder_unrecorded(o);
					break;
				}
				kcctl_run_backoff(&run);
				continue;
			}
			if (++failures >= 10) {
				unrecorded = kc_outbounder_unrecorded(o);
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
		    kc_outbounder_in_flight(o) > 0) {
			busy = 0;
			continue;
		}
		/* Without a window, stop once nothing is due (a claim may
		 * come back empty while another worker scans the rows: look
		 * again for a while). Work held for a cap or a retry is due
		 * later, not now. */
		if (run.end_ms == 0 && (kc_outbounder_any_due(o, &due) != 0 ||
					!due || ++busy > 25))
			break;
		kcctl_run_idle(&run);
	}
	kc_outbounder_free(o);
	kcctl_run_end(&run);
	if (rc != KCCTL_OK)
		return kcctl_fail(k,
				  "outbound stopped: the database keeps "
				  "failing (see the log); %zu outcomes not "
				  "recorded",
				  unrecorded);
	if (outage && !reached)
		return kcctl_fail(k, "the database was unavailable for the "
				     "whole run (see the log)");
	/* What the carrier may have taken and the database does not know
	 * of is settled with the carrier when its lease ends; the run
	 * still failed at its job, and says so. */
	if (unrecorded > 0) {
		report(k, &st, unrecorded);
		return kcctl_fail(k,
				  "%zu outcomes not recorded: the database is "
				  "still unavailable; those actions are "
				  "settled with the carrier when their lease "
				  "ends",
				  unrecorded);
	}
	return report(k, &st, unrecorded);
}
