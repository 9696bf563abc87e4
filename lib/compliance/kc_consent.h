/* Consents: a number's permission to be called or texted by the business,
 * by channel, express or written, with where it came from. A revocation
 * ends a consent but keeps it: the history is never erased. */
#ifndef KC_CONSENT_H
#define KC_CONSENT_H

#include "kc_audit.h"
#include "kc_db.h"
#include "kc_json.h"

#include <jansson.h>

/* A POST /v1/consents body: "phone" (E.164, a valid NANP number for +1),
 * "channel" (voice|sms), "kind" (express|written), "source" (1-200 bytes),
 * "evidence"? (a string up to 4000 bytes), "captured_at" (RFC 3339, not
 * in the future). 0 or -1 with e (422 naming the field). */
int kc_consent_validate(const json_t *in, struct kc_verr *e);
/* Records a validated consent: its audit row and consent.granted. */
int kc_consent_create(struct kc_db *db, const struct kc_actor *actor,
		      long long business_id, const char *business_public_id,
		      const json_t *in, json_t **out);
int kc_consent_get(struct kc_db *db, long long business_id,
		   const char *public_id, json_t **out);
/* Revokes a live consent (audit row, consent.revoked); one already
 * revoked is answered as it is, with nothing written. KC_NOTFOUND. */
int kc_consent_revoke(struct kc_db *db, const struct kc_actor *actor,
		      long long business_id, const char *business_public_id,
		      const char *public_id, json_t **out);
/* Newest first; phone and channel may be NULL. KC_NOTFOUND for a cursor
 * that names no consent of the business. */
int kc_consent_list(struct kc_db *db, long long business_id, const char *phone,
		    const char *channel, const char *starting_after, int limit,
		    json_t **out);

#endif
