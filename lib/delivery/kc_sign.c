#include "kc_sign.h"
#include "kc_crypto.h"
#include "kc_endpoint.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

int
kc_sign_header(const char *current, const char *previous, const char *msg_id,
	       long long ts, const char *body, size_t len, char *out,
	       size_t cap)
{
	size_t n;

	if (cap < 2 * KC_WEBHOOK_SIG_SIZE + 1 ||
	    kc_webhook_sign(current, msg_id, ts, body, len, out,
			    KC_WEBHOOK_SIG_SIZE) != 0)
		return -1;
	/* During a rotation both signatures go out, space separated, so a
	 * receiver still holding the old secret keeps verifying. */
	if (previous) {
		n = strlen(out);
		out[n] = ' ';
		if (kc_webhook_sign(previous, msg_id, ts, body, len,
				    out + n + 1, KC_WEBHOOK_SIG_SIZE) != 0)
			return -1;
	}
	return 0;
}

int
kc_sign_delivery(struct kc_db *db, const unsigned char key[32],
		 long long business_id, const char *endpoint_id,
		 const char *event_id, long long now, json_t **out)
{
	char cur[80], prev[80], sig[KC_SIGN_HEADER_MAX], ts[24];
	struct kc_rows *ev;
	const char *body;
	int has_prev = 0, rc;

	if (kc_db_query(db, KC_SQL_EVENT_GET,
			KC_ARGS(kc_p_int(business_id), kc_p_str(event_id)),
			&ev) != 0)
		return -1;
	if (ev->nrows == 0) {
		kc_rows_free(ev);
		return KC_NOTFOUND;
	}
	body = kc_rows_get(ev, 0, 1);
	rc = kc_endpoint_secrets(db, key, business_id, endpoint_id, cur, prev,
				 &has_prev);
	if (rc != 0)
		goto out;
	rc = -1;
	if (kc_sign_header(cur, has_prev ? prev : NULL, event_id, now, body,
			   strlen(body), sig, sizeof(sig)) != 0)
		goto out;
	snprintf(ts, sizeof(ts), "%lld", now);
	*out =
	    json_pack("{s:{s:s, s:s, s:s, s:s}, s:s}", "headers", "webhook-id",
		      event_id, "webhook-timestamp", ts, "webhook-signature",
		      sig, "content-type", "application/json", "body", body);
	rc = *out ? 0 : -1;
out:
	OPENSSL_cleanse(cur, sizeof(cur));
	OPENSSL_cleanse(prev, sizeof(prev));
	kc_rows_free(ev);
	return rc;
}
