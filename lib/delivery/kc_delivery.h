/* Deliveries: one per event and endpoint, owed from the moment the event
 * commits. This file reads them and replays them; the delivery engine
 * (kc_deliver, run by kcctl deliver) makes them arrive. */
#ifndef KC_DELIVERY_H
#define KC_DELIVERY_H

#include "kc_audit.h"
#include "kc_db.h"

#include <jansson.h>

struct kc_delivery_filter {
	const char *event;    /* evt_..., or NULL */
	const char *endpoint; /* ep_..., or NULL */
	const char *status;   /* pending, in_flight, delivered, failed, dead */
	const char *since, *until; /* created in [since, until), DB text */
	const char *type;          /* the event's type, or NULL */
};

/* The delivery statuses, NULL-terminated. */
extern const char *const kc_delivery_statuses[];
/* A page of deliveries, newest first; KC_NOTFOUND for an unknown cursor. */
int kc_delivery_list(struct kc_db *db, long long business_id,
		     const struct kc_delivery_filter *f,
		     const char *starting_after, int limit, json_t **out);
/* One delivery with its "attempts", oldest first; KC_NOTFOUND. */
int kc_delivery_get(struct kc_db *db, long long business_id,
		    const char *public_id, json_t **out);

/* Sends a delivery again. A delivered or dead one gets a new delivery of
 * the same event (same webhook-id, so receivers can de-duplicate) with a
 * fresh retry schedule; one waiting for a retry is brought forward to now.
 * An open circuit breaker of the endpoint probes at once with it.
 * *out is the delivery that will go. KC_NOTFOUND; KC_CONFLICT with *why
 * ("delivery_in_progress", "endpoint_disabled", or "already_replayed" with
 * the newer delivery's id in superseded, KC_ID_MAX bytes). */
int kc_delivery_replay(struct kc_db *db, long long business_id,
		       const char *public_id, const struct kc_actor *actor,
		       json_t **out, const char **why, char *superseded);

/* The shared step of single and bulk replays, inside the caller's
 * transaction: source is the delivery's internal id, status its status,
 * replay_id the bulk request (0 for none). *queued is 1 when something was
 * queued, 0 when the status needs nothing. new_public (KC_ID_MAX bytes,
 * may be NULL) gets the delivery that will go. The caller then wakes the
 * endpoint's queue (kc_event_wake), once for all it queued. */
int kc_delivery_requeue(struct kc_db *db, long long business_id,
			long long source, const char *status, long long event,
			long long endpoint, long long replay_id,
			const char *source_public, char *new_public,
			int *queued);

#endif
