/* The delivery engine's worker: claims due deliveries, sends them signed,
 * and records every try, the delivery's next step and the endpoint's
 * health. Several workers may run at once; each claim is its own. */
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
/* One batch: claim, send, record. Adds to st; *claimed is 0 when nothing
 * was due. -1 on a database failure (what was claimed then comes back
 * when its lease ends). */
int kc_deliverer_batch(struct kc_deliverer *d, struct kc_deliver_stats *st,
		       int *claimed);

/* *due is 1 when some delivery (of the worker's business, if it has one)
 * is due, claimed by nobody or being claimed right now by another. */
int kc_deliverer_any_due(struct kc_deliverer *d, int *due);

#endif
