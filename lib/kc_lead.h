/* Leads captured by the agent. Creating one emits lead.captured in the
 * same transaction. */
#ifndef KC_LEAD_H
#define KC_LEAD_H

#include "kc_db.h"
#include "kc_json.h"

#include <jansson.h>

/* The accepted body of POST /v1/leads, for validation. */
extern const struct kc_field kc_lead_fields[];
extern const size_t kc_lead_nfields;

/* in must have passed kc_lead_validate. *out is the lead; KC_INVALID with
 * e when call_id names no call of the business. */
int kc_lead_create(struct kc_db *db, long long business_id,
		   const char *business_public_id, const json_t *in,
		   json_t **out, struct kc_verr *e);
int kc_lead_validate(const json_t *in, struct kc_verr *e);
int kc_lead_get(struct kc_db *db, long long business_id, const char *public_id,
		json_t **out);
int kc_lead_list(struct kc_db *db, long long business_id, const char *since,
		 const char *starting_after, int limit, json_t **out);

#endif
