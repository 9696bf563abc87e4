/* Housekeeping that cron runs hourly (kcctl maintain): retention of
 * attempts, finished events, idempotency keys, finished outbound actions
 * and the carrier callbacks kept against replays, deleted in small
 * batches so no lock is held for long, and the auto-disable sweep for
 * endpoints that have been failing too long, the folding of ended
 * connections' metric counters, the dashboard's dead sessions and
 * closed sign-in throttle windows (kc_session_purge), and the repair
 * of the delivery queues (a missing row, a queue that owes but is not
 * due, a wrong count of deliveries in flight, wake-ups no worker
 * consumed). */
#ifndef KC_MAINTAIN_H
#define KC_MAINTAIN_H

#include "kc_audit.h"
#include "kc_config.h"
#include "kc_db.h"

struct kc_maintain_stats {
	long long attempts, events, idempotency_keys, endpoints_disabled;
	long long metric_shards;     /* ended connections' counters folded */
	long long outbound_actions;  /* finished, past outbound_retention */
	long long carrier_callbacks; /* past carrier_callbacks_retention */
	long long sessions, signin_throttle; /* the dashboard's, deleted */
	long long queues_repaired; /* delivery queues made or set right */
	long long wakeups;         /* wake-ups turned into due queues */
	long long breaker_events;  /* a killed worker's, told */
};

/* Rows per delete statement. */
#define KC_MAINTAIN_BATCH 1000

int kc_maintain_run(struct kc_db *db, const struct kc_config *cfg,
		    const struct kc_actor *actor, struct kc_maintain_stats *st);

#endif
