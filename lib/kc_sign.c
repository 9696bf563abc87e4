#include "kc_sign.h"
#include "kc_crypto.h"
#include "kc_endpoint.h"

#include <stdio.h>
#include <string.h>

int
kc_sign_delivery(struct kc_db *db, const unsigned char key[32],
		 long long business_id, const char *endpoint_id,
		 const char *event_id, long long now, json_t **out)
{
	char cur[80], prev[80], sig[2 * KC_WEBHOOK_SIG_SIZE + 2], ts[24];
	struct kc_rows *ev;
	const char *body;
	size_t n;
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
	if (kc_webhook_sign(cur, event_id, now, body, strlen(body), sig,
			    KC_WEBHOOK_SIG_SIZE) != 0)
		goto out;
	/* During a rotation both signatures go out, space separated, so a
	 * receiver still holding the old secret keeps verifying. */
	if (has_prev) {
		n = strlen(sig);
		sig[n] = ' ';
		if (kc_webhook_sign(prev, event_id, now, body, strlen(body),
				    sig + n + 1, KC_WEBHOOK_SIG_SIZE) != 0)
			goto out;
	}
	snprintf(ts, sizeof(ts), "%lld", now);
	*out =
	    json_pack("{s:{s:s, s:s, s:s, s:s}, s:s}", "headers", "webhook-id",
		      event_id, "webhook-timestamp", ts, "webhook-signature",
		      sig, "content-type", "application/json", "body", body);
	rc = *out ? 0 : -1;
out:
	memset(cur, 0, sizeof(cur));
	memset(prev, 0, sizeof(prev));
	kc_rows_free(ev);
	return rc;
}
