/* kcctl maintain: retention, the endpoint auto-disable sweep and the
 * dashboard's dead sessions, hourly from cron. */
#include "kcctl.h"
#include "kcctl_run.h"
#include "kc_log.h"
#include "kc_maintain.h"

#include <getopt.h>
#include <stdio.h>

static void
text(const json_t *v)
{
	printf("deleted %lld attempts, %lld events, %lld idempotency keys, "
	       "%lld sessions, %lld sign-in throttle rows, %lld outbound "
	       "actions, %lld carrier callbacks; disabled %lld "
	       "endpoints; repaired %lld delivery queues\n",
	       (long long)json_integer_value(json_object_get(v, "attempts")),
	       (long long)json_integer_value(json_object_get(v, "events")),
	       (long long)json_integer_value(
		   json_object_get(v, "idempotency_keys")),
	       (long long)json_integer_value(json_object_get(v, "sessions")),
	       (long long)json_integer_value(
		   json_object_get(v, "signin_throttle")),
	       (long long)json_integer_value(
		   json_object_get(v, "outbound_actions")),
	       (long long)json_integer_value(
		   json_object_get(v, "carrier_callbacks")),
	       (long long)json_integer_value(
		   json_object_get(v, "endpoints_disabled")),
	       (long long)json_integer_value(
		   json_object_get(v, "delivery_queues_repaired")));
}

int
kcctl_maintain(struct kcctl *k, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"lock", required_argument, NULL, 'L'},
	    {NULL, 0, NULL, 0},
	};
	struct kcctl_run run = {0};
	struct kc_maintain_stats st = {0};
	struct kc_actor actor = {"system", "maintenance", NULL};
	const char *lock = NULL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'L')
			lock = optarg;
		else
			return kcctl_usage(
			    k, "usage: kcctl maintain [--lock FILE]");
	}
	if (optind != argc)
		return kcctl_usage(k, "usage: kcctl maintain [--lock FILE]");
	if ((rc = kcctl_run_start(k, &run, lock)) != KCCTL_OK) {
		if (rc == 3)
			return kcctl_run_locked(k, "maintain", lock);
		return rc;
	}
	if (kcctl_db(k) == NULL) {
		kcctl_run_end(&run);
		return KCCTL_FAIL;
	}
	rc = kc_maintain_run(k->db, &k->cfg, &actor, &st);
	kcctl_run_end(&run);
	if (rc != 0)
		return kcctl_fail(k, "maintenance failed (see the log)");
	return kcctl_emit(
	    k,
	    json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"attempts", (json_int_t)st.attempts, "events",
		(json_int_t)st.events, "idempotency_keys",
		(json_int_t)st.idempotency_keys, "endpoints_disabled",
		(json_int_t)st.endpoints_disabled, "metric_shards_folded",
		(json_int_t)st.metric_shards, "outbound_actions",
		(json_int_t)st.outbound_actions, "carrier_callbacks",
		(json_int_t)st.carrier_callbacks, "sessions",
		(json_int_t)st.sessions, "signin_throttle",
		(json_int_t)st.signin_throttle, "delivery_queues_repaired",
		(json_int_t)st.queues_repaired, "wakeups_taken",
		(json_int_t)st.wakeups, "breaker_events_told",
		(json_int_t)st.breaker_events),
	    text);
}
