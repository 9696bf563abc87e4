/* Webhook endpoints of a business. Signing secrets are generated here,
 * shown once (on create and rotate), and stored sealed under the master
 * key with the endpoint id as associated data. */
#ifndef KC_ENDPOINT_H
#define KC_ENDPOINT_H

#include "kc_audit.h"
#include "kc_db.h"
#include "kc_json.h"

#include <jansson.h>

/* Deliveries an endpoint has in flight at most, unless it says. */
#define KC_ENDPOINT_MAX_IN_FLIGHT 10
/* The ranges an endpoint may set: deliveries a second, and at once. */
#define KC_ENDPOINT_RATE_LIMIT_MAX    1000
#define KC_ENDPOINT_MAX_IN_FLIGHT_MAX 100

/* What a create or update sets; NULL members are left as they are. */
struct kc_endpoint_input {
	const char *url;
	const char *description;
	const json_t *event_types;
	int enabled;             /* -1: unchanged */
	long long rate_limit;    /* deliveries/s; 0: none; -1: unchanged */
	long long max_in_flight; /* 0: unchanged (the default on create) */
};

/* Every member "leave as it is" (NULL, enabled and rate_limit -1): the
 * start of any input that sets only some. */
void kc_endpoint_input_init(struct kc_endpoint_input *in);

/* The limits of a create or update body, checked (types and ranges)
 * into in: "rate_limit" (1 to KC_ENDPOINT_RATE_LIMIT_MAX, null: none)
 * and "max_in_flight" (1 to KC_ENDPOINT_MAX_IN_FLIGHT_MAX); absent ones
 * leave in as it is, other members are not looked at. The API and the
 * dashboard both check through here. 0, or -1 with e naming the field. */
int kc_endpoint_limits_read(const json_t *body, struct kc_endpoint_input *in,
			    struct kc_verr *e);
/* The same from a form's text: rate "" is none; NULL leaves a limit as it
 * is; anything but decimal digits is refused like a wrong JSON type. */
int kc_endpoint_limits_text(const char *rate, const char *max_in_flight,
			    struct kc_endpoint_input *in, struct kc_verr *e);

/* *out is the endpoint with "secret", the only time it is shown. */
int kc_endpoint_create(struct kc_db *db, const unsigned char key[32],
		       const struct kc_actor *actor, long long business_id,
		       const struct kc_endpoint_input *in, json_t **out);
int kc_endpoint_get(struct kc_db *db, long long business_id,
		    const char *public_id, json_t **out);
int kc_endpoint_list(struct kc_db *db, long long business_id,
		     const char *starting_after, int limit, json_t **out);
int kc_endpoint_update(struct kc_db *db, const struct kc_actor *actor,
		       long long business_id, const char *public_id,
		       const struct kc_endpoint_input *in, json_t **out);
int kc_endpoint_delete(struct kc_db *db, const struct kc_actor *actor,
		       long long business_id, const char *public_id);
/* A new secret; the old one keeps signing for grace seconds. *out has
 * "secret" and "previous_secret_expires_at". */
int kc_endpoint_rotate(struct kc_db *db, const unsigned char key[32],
		       const struct kc_actor *actor, long long business_id,
		       const char *public_id, long long grace, json_t **out);

/* Queues a webhook.test event to this endpoint alone, whatever its
 * filter says, so a receiver can be checked before real traffic. *event
 * is its envelope. KC_NOTFOUND. */
int kc_endpoint_send_test(struct kc_db *db, long long business_id,
			  const char *business_public_id, const char *public_id,
			  json_t **event);

/* The internal id of a live endpoint of the business; KC_NOTFOUND. */
int kc_endpoint_id(struct kc_db *db, long long business_id,
		   const char *public_id, long long *id);

/* The endpoint's signing secrets, unsealed: the current one, and the
 * previous one while its rotation grace lasts (*has_previous). Both
 * buffers need 80 bytes and are the caller's to wipe. */
int kc_endpoint_secrets(struct kc_db *db, const unsigned char key[32],
			long long business_id, const char *public_id,
			char *current, char *previous, int *has_previous);

/* kc_endpoint_get plus the last 24 hours: "attempts_24h" and
 * "success_rate_24h" (null when there were none) in "health". */
int kc_endpoint_view(struct kc_db *db, long long business_id,
		     const char *public_id, json_t **out);

/* Disables an enabled endpoint (by internal id) for reason, with an audit
 * row and an endpoint.disabled event to the business's other endpoints
 * that subscribe to it, inside the caller's transaction. Unless force,
 * only when it has been failing for disable_after seconds. KC_NOTFOUND
 * when there was nothing to do. */
int kc_endpoint_auto_disable(struct kc_db *db, long long id, const char *reason,
			     long long disable_after,
			     const struct kc_actor *actor, int force);

/* An endpoint.circuit_opened (opened) or endpoint.recovered event about
 * the endpoint (internal id) to the business's other endpoints that
 * subscribe, inside the caller's transaction. KC_NOTFOUND if it is
 * deleted. */
int kc_endpoint_breaker_event(struct kc_db *db, long long id, int opened);
/* Someone asked for a delivery now (a replay): an open breaker probes at
 * the next claim rather than at the end of its cool-down. */
int kc_endpoint_probe_now(struct kc_db *db, long long business_id,
			  long long id);

/* "Try now" on an endpoint whose breaker is open: the probe goes at the
 * next claim, with a wake-up for the worker and an audit row
 * (webhook_endpoint.probe_requested). KC_NOTFOUND; KC_CONFLICT when the
 * breaker is not open (closed, or already due to probe). */
int kc_endpoint_try_now(struct kc_db *db, const struct kc_actor *actor,
			long long business_id, const char *public_id);

/* One sealed secret (the column's base64 text) opened; out needs 80
 * bytes and is the caller's to wipe. */
int kc_endpoint_unseal(const unsigned char key[32], const char *public_id,
		       const char *sealed, char *out);

#endif
