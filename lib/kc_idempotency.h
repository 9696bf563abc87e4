/* Idempotency keys for POSTs: the first request with a key runs and its
 * answer is kept for 24 hours; a repeat with the same request gets that
 * answer again, a repeat with another request is refused. */
#ifndef KC_IDEMPOTENCY_H
#define KC_IDEMPOTENCY_H

#include "kc_db.h"

#include <stddef.h>

enum kc_idem_state {
	KC_IDEM_NEW,         /* run the request, then kc_idem_finish */
	KC_IDEM_REPLAY,      /* answer with *status and *body */
	KC_IDEM_MISMATCH,    /* the key was used for another request */
	KC_IDEM_IN_PROGRESS, /* the first request has not finished yet */
};

/* 1 if key is 1 to 255 printable ASCII characters. */
int kc_idem_key_valid(const char *key);
/* fingerprint: SHA-256 hex of what identifies the request. *body is
 * malloc'd on KC_IDEM_REPLAY. */
int kc_idem_begin(struct kc_db *db, long long business_id, const char *key,
		  const char *fingerprint, enum kc_idem_state *state,
		  int *status, char **body);
int kc_idem_finish(struct kc_db *db, long long business_id, const char *key,
		   int status, const char *body);
/* Forgets a key whose request failed on our side, so a retry can run. */
int kc_idem_abandon(struct kc_db *db, long long business_id, const char *key);

#endif
