/* Idempotency keys for POSTs: the first request with a key runs and its
 * answer is kept for 24 hours; a repeat with the same request gets that
 * answer again, a repeat with another request is refused.
 *
 * The key is taken, the request's work done and its answer stored in one
 * transaction (the caller's): if anything fails on the way, or the
 * database goes away, nothing of it remains and a retry runs afresh; once
 * it commits, every retry gets the stored answer. A second request while
 * the first holds the key is told so at once (KC_IDEM_IN_PROGRESS).
 * Stored answers are sealed (AES-256-GCM under the master key): some hold
 * a webhook signing secret. */
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
/* Inside a transaction. fingerprint: SHA-256 hex of what identifies the
 * request. *body is malloc'd (and NUL-terminated) on KC_IDEM_REPLAY. */
int kc_idem_begin(struct kc_db *db, const unsigned char master_key[32],
		  long long business_id, const char *key,
		  const char *fingerprint, enum kc_idem_state *state,
		  int *status, char **body);
/* Stores the answer, sealed, in the transaction kc_idem_begin ran in. */
int kc_idem_finish(struct kc_db *db, const unsigned char master_key[32],
		   long long business_id, const char *key,
		   const char *fingerprint, int status, const char *body,
		   size_t len);
/* Forgets the key if it is past its 24 hours: autocommit, before the
 * request's transaction, so that one never holds an old row's lock. */
int kc_idem_expire(struct kc_db *db, long long business_id, const char *key);
/* How many stored answers are still in plaintext (kcctl migrate). */
int kc_idem_plaintext_count(struct kc_db *db, long long *n);
/* Seals answers stored in plaintext by versions before sealing; *sealed
 * counts them. For kcctl migrate. */
int kc_idem_seal_plaintext(struct kc_db *db, const unsigned char master_key[32],
			   long long *sealed);

#endif
