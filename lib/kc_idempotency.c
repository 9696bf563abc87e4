#include "kc_idempotency.h"

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

int
kc_idem_begin(struct kc_db *db, long long business_id, const char *key,
	      const char *fingerprint, enum kc_idem_state *state, int *status,
	      char **body)
{
	struct kc_rows *r;
	int attempt;

	*body = NULL;
	/* The unique key decides who runs: the insert either claims the key
	 * or finds the request that did. */
	for (attempt = 0; attempt < 2; attempt++) {
		if (kc_db_exec(db, KC_SQL_IDEM_INSERT,
			       KC_ARGS(kc_p_int(business_id), kc_p_str(key),
				       kc_p_str(fingerprint)),
			       NULL, NULL) == 0) {
			*state = KC_IDEM_NEW;
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
		if (kc_rows_int(r, 0, 3)) { /* older than 24 h: start over */
			kc_rows_free(r);
			if (kc_idem_abandon(db, business_id, key) != 0)
				return -1;
			continue;
		}
		if (strcmp(kc_rows_get(r, 0, 0), fingerprint) != 0)
			*state = KC_IDEM_MISMATCH;
		else if (kc_rows_int(r, 0, 1) == 0)
			*state = KC_IDEM_IN_PROGRESS;
		else {
			*state = KC_IDEM_REPLAY;
			*status = (int)kc_rows_int(r, 0, 1);
			*body = strdup(
			    kc_rows_get(r, 0, 2) ? kc_rows_get(r, 0, 2) : "");
		}
		kc_rows_free(r);
		return (*state == KC_IDEM_REPLAY && *body == NULL) ? -1 : 0;
	}
	return -1;
}

int
kc_idem_finish(struct kc_db *db, long long business_id, const char *key,
	       int status, const char *body)
{
	return kc_db_exec(db, KC_SQL_IDEM_FINISH,
			  KC_ARGS(kc_p_int(status), kc_p_str(body),
				  kc_p_int(business_id), kc_p_str(key)),
			  NULL, NULL);
}

int
kc_idem_abandon(struct kc_db *db, long long business_id, const char *key)
{
	return kc_db_exec(db, KC_SQL_IDEM_DELETE,
			  KC_ARGS(kc_p_int(business_id), kc_p_str(key)), NULL,
			  NULL);
}
