#include "kc_idempotency.h"
#include "kc_crypto.h"
#include "kc_log.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
kc_idem_key_valid(const char *key)
{
	size_t n = 0;

	if (key == NULL)
		return 0;
	for (; key[n]; n++)
		if ((unsigned char)key[n] < 0x21 ||
		    (unsigned char)key[n] > 0x7e)
			return 0;
	return n >= 1 && n <= 255;
}

/* The associated data that binds a sealed answer to its row: an answer
 * moved to another business's or another key's row, or given another
 * status or request, does not open. */
static int
aad_of(long long business_id, const char *key, int status,
       const char *fingerprint, char *out, size_t cap)
{
	int n = snprintf(out, cap, "idempotency:%lld:%d:%s:%s", business_id,
			 status, fingerprint, key);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* The answer as base64 text of its sealed bytes. */
static int
seal_text(const unsigned char master_key[32], long long business_id,
	  const char *key, int status, const char *fingerprint,
	  const char *body, size_t len, char **out)
{
	unsigned char *blob = NULL;
	char aad[400];
	size_t blen, cap;
	int alen, rc = -1;

	*out = NULL;
	if ((alen = aad_of(business_id, key, status, fingerprint, aad,
			   sizeof(aad))) < 0 ||
	    kc_seal(master_key, body, len, aad, (size_t)alen, &blob, &blen) !=
		0)
		return -1;
	cap = (blen + 2) / 3 * 4 + 1;
	if ((*out = malloc(cap)) != NULL &&
	    kc_base64_encode(blob, blen, *out, cap) > 0)
		rc = 0;
	free(blob);
	if (rc != 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

static int
open_text(const unsigned char master_key[32], long long business_id,
	  const char *key, int status, const char *fingerprint,
	  const char *text, char **body)
{
	unsigned char *blob, *plain = NULL;
	size_t n = strlen(text), blen, plen;
	char aad[400];
	int alen, rc = -1;

	*body = NULL;
	if ((alen = aad_of(business_id, key, status, fingerprint, aad,
			   sizeof(aad))) < 0 ||
	    (blob = malloc(n / 4 * 3 + 3)) == NULL)
		return -1;
	if (kc_base64_decode(text, n, blob, n / 4 * 3 + 3, &blen) == 0 &&
	    kc_unseal(master_key, blob, blen, aad, (size_t)alen, &plain,
		      &plen) == 0) {
		*body = (char *)plain;
		rc = 0;
	}
	free(blob);
	return rc;
}

static int
claim(struct kc_db *db, enum kc_sql stmt, long long business_id,
      const char *key, const char *fingerprint)
{
	return kc_db_exec(db, stmt,
			  KC_ARGS(kc_p_int(business_id), kc_p_str(key),
				  kc_p_str(fingerprint)),
			  NULL, NULL);
}

int
kc_idem_expire(struct kc_db *db, long long business_id, const char *key)
{
	return kc_db_exec(db, KC_SQL_IDEM_EXPIRE,
			  KC_ARGS(kc_p_int(business_id), kc_p_str(key)), NULL,
			  NULL);
}

int
kc_idem_begin(struct kc_db *db, const unsigned char master_key[32],
	      long long business_id, const char *key, const char *fingerprint,
	      enum kc_idem_state *state, int *status, char **body)
{
	struct kc_rows *r;
	const char *stored;
	int attempt, rc = 0;

	*body = NULL;
	/* The unique key decides who runs: the insert either takes the key,
	 * finds it held by a request still running, or finds the finished
	 * one. The first try does not wait for a lock; the lock it met may
	 * also be a neighbouring key's (a duplicate check locks the gap
	 * before the key it found), held for a moment, so a second try
	 * waits a second before saying "in progress". */
	for (attempt = 0; attempt < 2; attempt++) {
		if (claim(db, KC_SQL_IDEM_INSERT, business_id, key,
			  fingerprint) == 0 ||
		    (kc_db_errno(db) == KC_ER_LOCK_WAIT_TIMEOUT &&
		     claim(db, KC_SQL_IDEM_INSERT_WAIT, business_id, key,
			   fingerprint) == 0)) {
			*state = KC_IDEM_NEW;
			return 0;
		}
		if (kc_db_errno(db) == KC_ER_LOCK_WAIT_TIMEOUT) {
			*state = KC_IDEM_IN_PROGRESS;
			return 0;
		}
		if (kc_db_errno(db) != KC_ER_DUP_ENTRY)
			return -1;
		if (kc_db_query(db, KC_SQL_IDEM_GET,
				KC_ARGS(kc_p_int(business_id), kc_p_str(key)),
				&r) != 0)
			return -1;
		if (r->nrows == 0) { /* deleted meanwhile: try again */
			kc_rows_free(r);
			continue;
		}
		if (kc_rows_int(r, 0, 3)) {
			/* Past its 24 hours since kc_idem_expire ran: the
			 * caller's next try starts over. */
			kc_rows_free(r);
			*state = KC_IDEM_IN_PROGRESS;
			return 0;
		}
		stored = kc_rows_get(r, 0, 2) ? kc_rows_get(r, 0, 2) : "";
		if (strcmp(kc_rows_get(r, 0, 0), fingerprint) != 0)
			*state = KC_IDEM_MISMATCH;
		else if (kc_rows_int(r, 0, 1) == 0)
			*state = KC_IDEM_IN_PROGRESS; /* an old version's */
		else {
			*state = KC_IDEM_REPLAY;
			*status = (int)kc_rows_int(r, 0, 1);
			if (!kc_rows_int(r, 0, 4)) /* kcctl migrate seals it */
				*body = strdup(stored);
			else if (open_text(master_key, business_id, key,
					   *status, fingerprint, stored,
					   body) != 0)
				kc_err("a stored answer does not open with "
				       "this master_key");
			if (*body == NULL)
				rc = -1;
		}
		if (*stored)
			OPENSSL_cleanse((char *)stored, strlen(stored));
		kc_rows_free(r);
		return rc;
	}
	return -1;
}

int
kc_idem_finish(struct kc_db *db, const unsigned char master_key[32],
	       long long business_id, const char *key, const char *fingerprint,
	       int status, const char *body, size_t len)
{
	unsigned long long n = 0;
	char *text;
	int rc;

	if (seal_text(master_key, business_id, key, status, fingerprint, body,
		      len, &text) != 0)
		return -1;
	rc = kc_db_exec(db, KC_SQL_IDEM_FINISH,
			KC_ARGS(kc_p_int(status), kc_p_str(text),
				kc_p_int(business_id), kc_p_str(key)),
			&n, NULL);
	free(text);
	/* Exactly the row this transaction inserted: anything else means
	 * the transaction is no longer the one that took the key. */
	return rc == 0 && n == 1 ? 0 : -1;
}

int
kc_idem_plaintext_count(struct kc_db *db, long long *n)
{
	struct kc_rows *r;

	if (kc_db_query(db, KC_SQL_IDEM_PLAINTEXT_COUNT, NULL, 0, &r) != 0)
		return -1;
	*n = kc_rows_int(r, 0, 0);
	kc_rows_free(r);
	return 0;
}

int
kc_idem_seal_plaintext(struct kc_db *db, const unsigned char master_key[32],
		       long long *sealed)
{
	struct kc_rows *r;
	char *text;
	size_t i, got;
	int rc = 0;

	*sealed = 0;
	do {
		if (kc_db_query(db, KC_SQL_IDEM_PLAINTEXT,
				KC_ARGS(kc_p_int(500)), &r) != 0)
			return -1;
		for (i = 0; i < r->nrows; i++) {
			size_t at = i * r->ncols + 3;

			text = NULL;
			if (rc == 0 &&
			    (seal_text(master_key, kc_rows_int(r, i, 1),
				       kc_rows_get(r, i, 2),
				       (int)kc_rows_int(r, i, 4),
				       kc_rows_get(r, i, 5), r->cell[at],
				       r->len[at], &text) != 0 ||
			     kc_db_exec(db, KC_SQL_IDEM_SEAL,
					KC_ARGS(kc_p_str(text),
						kc_p_int(kc_rows_int(r, i, 0))),
					NULL, NULL) != 0))
				rc = -1;
			else if (rc == 0)
				(*sealed)++;
			free(text);
			/* Every plaintext answer read is wiped, sealed or
			 * not. */
			OPENSSL_cleanse(r->cell[at], r->len[at]);
		}
		got = r->nrows;
		kc_rows_free(r);
	} while (rc == 0 && got == 500);
	return rc;
}
