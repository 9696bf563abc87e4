/* Bulk replays: a business asks for every dead (or failed, or finished)
 * delivery of an endpoint in a time range to be sent again. The request is
 * recorded at once (202) and worked through by kcctl replay in small
 * transactions that resume where an interrupted run stopped. */
#ifndef KC_REPLAY_H
#define KC_REPLAY_H

#include "kc_audit.h"
#include "kc_db.h"

#include <jansson.h>

/* The replay status filters, NULL-terminated: dead, failed, all. */
extern const char *const kc_replay_filters[];
/* Records a request for the endpoint; since/until are DB text or NULL.
 * KC_NOTFOUND for an unknown endpoint, KC_CONFLICT when it is disabled. */
int kc_replay_create(struct kc_db *db, long long business_id,
		     const char *endpoint, const char *filter,
		     const char *since, const char *until,
		     const struct kc_actor *actor, json_t **out);
/* {"id","object":"replay","status","total","done","delivered","dead",...} */
int kc_replay_get(struct kc_db *db, long long business_id,
		  const char *public_id, json_t **out);
/* Works on the oldest unfinished request for at most one batch of
 * deliveries. *worked is 0 when no request was waiting. */
int kc_replay_step(struct kc_db *db, int batch, int *worked);

#endif
