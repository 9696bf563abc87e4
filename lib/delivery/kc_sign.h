/* A delivery as it goes on the wire: the event envelope exactly as stored,
 * and the three Standard Webhooks headers, signed with the endpoint's
 * current secret and, during a rotation, its previous one too. */
#ifndef KC_SIGN_H
#define KC_SIGN_H

#include "kc_db.h"

#include <jansson.h>

/* *out: {"headers": {"webhook-id", "webhook-timestamp",
 * "webhook-signature", "content-type"}, "body": "..."}. KC_NOTFOUND if the
 * endpoint or the event is not the business's. */
int kc_sign_delivery(struct kc_db *db, const unsigned char key[32],
		     long long business_id, const char *endpoint_id,
		     const char *event_id, long long now, json_t **out);

/* The webhook-signature value: "v1,<sig>" for current and, when previous
 * is not NULL, a space and the same under previous. out needs
 * KC_SIGN_HEADER_MAX bytes. */
#define KC_SIGN_HEADER_MAX 256
int kc_sign_header(const char *current, const char *previous,
		   const char *msg_id, long long ts, const char *body,
		   size_t len, char *out, size_t cap);

#endif
