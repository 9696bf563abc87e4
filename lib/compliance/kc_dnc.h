/* The business's own Do-Not-Call list: entries by number, for voice, SMS
 * or both, with a reason. An entry with reason stop_keyword is an SMS
 * opt-out (the number texted STOP). A removal ends an entry but keeps it.
 * The national registry is kc_registry.h. */
#ifndef KC_DNC_H
#define KC_DNC_H

#include "kc_audit.h"
#include "kc_db.h"
#include "kc_json.h"

#include <jansson.h>

extern const char *const kc_dnc_reasons[]; /* NULL-terminated */

/* A POST /v1/dnc body: "phone" (E.164, valid NANP for +1), "channels"?
 * (a non-empty array of "voice"/"sms", default both), "reason"
 * (customer_request|complaint|legal|stop_keyword). stop_keyword is an
 * SMS opt-out: its channels must be given, as ["sms"]. */
int kc_dnc_validate(const json_t *in, struct kc_verr *e);
/* Adds a validated entry: its audit row and dnc.added. KC_CONFLICT when
 * it is an opt-out (stop_keyword) and the number already has a live one. */
int kc_dnc_create(struct kc_db *db, const struct kc_actor *actor,
		  long long business_id, const char *business_public_id,
		  const json_t *in, json_t **out);
int kc_dnc_get(struct kc_db *db, long long business_id, const char *public_id,
	       json_t **out);
/* Removes a live entry (audit row, dnc.removed); one already removed is
 * answered as it is, with nothing written. KC_NOTFOUND. */
int kc_dnc_remove(struct kc_db *db, const struct kc_actor *actor,
		  long long business_id, const char *business_public_id,
		  const char *public_id, json_t **out);
/* Newest first, live and removed; phone may be NULL. */
int kc_dnc_list(struct kc_db *db, long long business_id, const char *phone,
		const char *starting_after, int limit, json_t **out);

/* For kc_compliance_opt_out/opt_in: the live opt-out of phone, added or
 * removed, recorded with actor. *changed 0 when there was nothing to do. */
int kc_dnc_opt_out(struct kc_db *db, const struct kc_actor *actor,
		   long long business_id, const char *business_public_id,
		   const char *phone, const char *message_sid, int *changed);
int kc_dnc_opt_in(struct kc_db *db, const struct kc_actor *actor,
		  long long business_id, const char *business_public_id,
		  const char *phone, int *changed);

#endif
