/* Events: one envelope for every type ({"id","type","created_at",
 * "business_id","data"}), written with the deliveries it owes in the
 * caller's transaction (transactional outbox). */
#ifndef KC_EVENT_H
#define KC_EVENT_H

#include "kc_db.h"

#include <jansson.h>

/* Records an event of type with data (borrowed) and one pending delivery
 * per enabled endpoint whose filter matches, or to only_endpoint alone
 * when it is non-zero. Must run inside the caller's transaction. *event
 * (may be NULL) receives the envelope; *ndeliveries the count. */
int kc_event_emit(struct kc_db *db, long long business_id,
		  const char *business_public_id, const char *type,
		  const json_t *data, long long only_endpoint, json_t **event,
		  int *ndeliveries);
/* The same, to every matching endpoint but except (an event about that
 * endpoint, for the others). */
int kc_event_emit_others(struct kc_db *db, long long business_id,
			 const char *business_public_id, const char *type,
			 const json_t *data, long long except);
/* Tells the endpoint's delivery queue that a delivery is owed from now
 * (a new one, a replay, a retry brought forward), inside the caller's
 * transaction: an insert into delivery_wakeups, which locks no row
 * another transaction waits on. lib/delivery/kc_queue.c explains why no
 * wake-up is lost. */
int kc_event_wake(struct kc_db *db, long long business_id,
		  long long endpoint_id);
/* As kc_event_wake, and whatever holds the endpoint's queue (a pause, an
 * open breaker's cool-down) is decided again at once: for a change of
 * the endpoint's settings or breaker. */
int kc_event_wake_release(struct kc_db *db, long long business_id,
			  long long endpoint_id);
/* One event's envelope; KC_NOTFOUND. */
int kc_event_get(struct kc_db *db, long long business_id, const char *public_id,
		 json_t **out);
/* A page of events, newest first; type and since (MariaDB time text) may
 * be NULL. KC_NOTFOUND for an unknown cursor. */
int kc_event_list(struct kc_db *db, long long business_id, const char *type,
		  const char *since, const char *starting_after, int limit,
		  json_t **out);

#endif
