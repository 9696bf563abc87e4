/* The delivery engine's worker: claims due deliveries, sends them signed,
 * and records every try, the delivery's next step and the endpoint's
 * health and circuit breaker. It keeps up to delivery_batch requests in
 * flight and refills as they finish, taking each endpoint in turn within
 * its limits (kc_queue.c), so one slow or broken receiver holds up only
 * its own deliveries. Several workers may run at once; each claim is its
 * own, and the limits hold across them. */
#ifndef KC_DELIVER_H
#define KC_DELIVER_H

#include "kc_audit.h"
#include "kc_config.h"
#include "kc_db.h"

struct kc_deliver_stats {
	long long claimed, delivered, retrying, dead, disabled;
};

struct kc_deliverer;

/* only_business: 0 for every business, else that business alone. */
int kc_deliverer_new(struct kc_db *db, const struct kc_config *cfg,
		     long long only_business, struct kc_deliverer **out);
void kc_deliverer_free(struct kc_deliverer *d);
/* One turn of the worker: claims due deliveries into the free slots
 * (unless claim_more is 0, when it only finishes what is in flight),
 * lets the transfers run up to 20 ms, and records every outcome that
 * came back, in one transaction. *claimed and *finished say what it did.
 * -1 on a database failure: while the database is unreachable
 * (kc_db_unavailable) the outcomes are kept and recorded by a later turn;
 * otherwise what was claimed comes back when its lease ends. */
int kc_deliverer_step(struct kc_deliverer *d, struct kc_deliver_stats *st,
		      int claim_more, int *claimed, int *finished);
/* Deliveries claimed and not yet recorded. */
size_t kc_deliverer_in_flight(const struct kc_deliverer *d);
/* Of those, the ones answered and waiting for the database. */
size_t kc_deliverer_unrecorded(const struct kc_deliverer *d);

/* *due is 1 when some delivery (of the worker's business, if it has one)
 * is due, claimed by nobody or being claimed right now by another. */
int kc_deliverer_any_due(struct kc_deliverer *d, int *due);

#endif
