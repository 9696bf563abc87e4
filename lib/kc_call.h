/* Calls reported by the voice runtime. Starting one emits call.started,
 * ending one call.ended, each in the transaction of the change. */
#ifndef KC_CALL_H
#define KC_CALL_H

#include "kc_db.h"
#include "kc_json.h"

#include <jansson.h>

/* The serialized transcript may be at most this long. */
#define KC_TRANSCRIPT_MAX (256 * 1024)

int kc_call_validate_start(const json_t *in, struct kc_verr *e);
int kc_call_validate_end(const json_t *in, struct kc_verr *e);
/* KC_INVALID with e when agent_id names no agent of the business. */
int kc_call_start(struct kc_db *db, long long business_id,
		  const char *business_public_id, const json_t *in,
		  json_t **out, struct kc_verr *e);
/* KC_NOTFOUND, KC_CONFLICT (already ended), or 0 with the call. */
int kc_call_end(struct kc_db *db, long long business_id,
		const char *business_public_id, const char *call_id,
		const json_t *in, json_t **out);
int kc_call_get(struct kc_db *db, long long business_id, const char *id,
		json_t **out);
int kc_call_list(struct kc_db *db, long long business_id, const char *status,
		 const char *since, const char *starting_after, int limit,
		 json_t **out);

#endif
