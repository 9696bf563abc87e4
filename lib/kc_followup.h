/* Follow-ups for a lead. Creating one emits followup.created, completing
 * one followup.completed, each in the transaction of the change. */
#ifndef KC_FOLLOWUP_H
#define KC_FOLLOWUP_H

#include "kc_db.h"
#include "kc_json.h"

#include <jansson.h>

int kc_followup_validate(const json_t *in, struct kc_verr *e);
/* KC_INVALID with e when lead_id names no lead of the business. */
int kc_followup_create(struct kc_db *db, long long business_id,
		       const char *business_public_id, const json_t *in,
		       json_t **out, struct kc_verr *e);
/* KC_NOTFOUND, KC_CONFLICT (already completed) or 0. */
int kc_followup_complete(struct kc_db *db, long long business_id,
			 const char *business_public_id, const char *id,
			 json_t **out);
/* Newest first; status, lead (a lead's public id) and since may be
 * NULL. KC_NOTFOUND for a cursor that names no follow-up of the
 * business. */
int kc_followup_list(struct kc_db *db, long long business_id,
		     const char *status, const char *lead, const char *since,
		     const char *starting_after, int limit, json_t **out);

#endif
