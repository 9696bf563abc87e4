/* A client for a Twilio-compatible REST API (api.twilio.com, or the fake
 * carrier of the tests): creates Messages and Calls under
 * /2010-04-01/Accounts/{AccountSid}/, form-encoded, with HTTP basic auth
 * (the account SID and the auth token of the configuration), and reads
 * the carrier's JSON answer or error.
 *
 * Requests run concurrently over libcurl's multi interface, up to
 * carrier_concurrency at once (start/wait, like lib/delivery/kc_send.h),
 * or one at a time (kc_carrier_message_create, kc_carrier_call_create).
 * TLS is verified (carrier_ca_file, else the system's store), redirects
 * are not followed, proxies from the environment are not used, and each
 * request ends after carrier_timeout. Knows nothing of the database.
 *
 * Twilio has no idempotency key for these resources: a request that
 * timed out may still have created the message or placed the call. Such
 * an answer is UNKNOWN here, never RETRYABLE: whoever sent it asks the
 * carrier (kc_carrier_list) what became of it before anything goes
 * again. */
#ifndef KC_CARRIER_H
#define KC_CARRIER_H

#include "kc_config.h"

#include <jansson.h>
#include <stddef.h>

#define KC_CARRIER_SID_MAX 64

enum kc_carrier_outcome {
	/* Created: sid and status are the carrier's. */
	KC_CARRIER_OK,
	/* Refused for good: the same request will never succeed. Any 4xx
	 * but those below, e.g. 21211 invalid To, 21610 unsubscribed
	 * recipient, 21614 To not SMS-capable; also a request we could not
	 * even form (a missing To). */
	KC_CARRIER_PERMANENT,
	/* Try again later: nothing was created. The request never left
	 * (no connection, the TLS handshake failed), 429, or a 4xx whose
	 * code says it is temporary (21611: the From number's queue is
	 * full). */
	KC_CARRIER_RETRYABLE,
	/* Our side is wrong, not the request: 401/403 (account SID or auth
	 * token refused, code 20003), 404 or a redirect (carrier_base_url
	 * points elsewhere), or the carrier's TLS certificate not
	 * trusted. Every request fails alike until an operator fixes the
	 * configuration: hold the work, do not fail it. */
	KC_CARRIER_CONFIG,
	/* It may have been created: the request left and no clear answer
	 * came back (a timeout or a connection cut after sending, any 5xx,
	 * a 2xx without a readable sid). Twilio documents no 5xx as "not
	 * created", so none is taken as one. Never to be sent again before
	 * the carrier has been asked. */
	KC_CARRIER_UNKNOWN,
};

struct kc_carrier_result {
	enum kc_carrier_outcome outcome;
	char sid[KC_CARRIER_SID_MAX + 1]; /* CA… or SM…; empty unless OK */
	char status[32];     /* the carrier's: queued, accepted, ... */
	long http_status;    /* 0: no HTTP answer */
	int code;            /* the carrier's error code; 0: none */
	char message[512];   /* the carrier's message, or our reason */
	char more_info[256]; /* the carrier's link to the code's page */
	long long duration_ms;
};

/* POST Messages.json. */
struct kc_carrier_message {
	const char *to, *from; /* E.164 */
	const char *body;
	const char *status_callback; /* NULL: none */
};

/* POST Calls.json, with exactly one of url and twiml. */
struct kc_carrier_call {
	const char *to, *from;
	const char *url;   /* where the carrier fetches the call's TwiML */
	const char *twiml; /* or the TwiML itself */
	const char *status_callback; /* NULL: none */
	/* Space-separated StatusCallbackEvent values (initiated ringing
	 * answered completed); NULL: the carrier's default, completed only. */
	const char *status_callback_events;
};

enum kc_carrier_kind { KC_CARRIER_MESSAGE, KC_CARRIER_CALL };

struct kc_carrier_req {
	/* in: kind says which of message and call is read */
	enum kc_carrier_kind kind;
	struct kc_carrier_message message;
	struct kc_carrier_call call;
	void *user; /* the caller's, handed back untouched */
	/* out */
	struct kc_carrier_result result;
};

struct kc_carrier;

/* A client for cfg's carrier; cfg (and its strings) must outlive it.
 * -1 with err when no carrier is configured (carrier_account_sid and
 * carrier_auth_token_sealed), its token did not open (cfg->carrier_error)
 * or libcurl fails. */
int kc_carrier_new(const struct kc_config *cfg, struct kc_carrier **out,
		   char *err, size_t errlen);
/* Abandons whatever is still running. NULL is fine. */
void kc_carrier_free(struct kc_carrier *c);

/* One request, waited for. 0 when created (r->sid), -1 otherwise, r
 * saying why and r->outcome what to do about it. Independent of the
 * concurrent requests below, which may be in flight meanwhile. */
int kc_carrier_message_create(struct kc_carrier *c,
			      const struct kc_carrier_message *m,
			      struct kc_carrier_result *r);
int kc_carrier_call_create(struct kc_carrier *c,
			   const struct kc_carrier_call *call,
			   struct kc_carrier_result *r);

/* Starts req, which stays the caller's and must live until
 * kc_carrier_wait hands it back. -1: not started (no free slot, a request
 * that cannot be formed, or libcurl refused): req->result says so and req
 * is not handed back later. */
int kc_carrier_start(struct kc_carrier *c, struct kc_carrier_req *req);
/* Lets the requests run for up to timeout_ms (0: just what is ready) and
 * hands back in done (at most cap) those that finished, their result
 * filled in. -1 only when libcurl itself fails. */
int kc_carrier_wait(struct kc_carrier *c, long timeout_ms,
		    struct kc_carrier_req **done, size_t cap, size_t *n);
size_t kc_carrier_active(const struct kc_carrier *c);
size_t kc_carrier_free_slots(const struct kc_carrier *c);

/* A page of the carrier's list of messages or calls sent To to from
 * From, newest first: Twilio's GET Messages.json?To&From&PageSize and
 * Calls.json likewise. No date filter: Twilio applies DateSent> and
 * StartTime> to date_sent and start_time, which stay empty while the
 * message or call is still queued with it, so a filtered list misses
 * exactly what may have gone out a moment ago. page: NULL for the first
 * page, else the previous page's next_page_uri (which must name this
 * account's list of that kind). timeout_ms: at most this long (0:
 * carrier_timeout; never longer). 0 with *list (the "messages" or
 * "calls" array, owned by the caller) and next (cap bytes) the next
 * page's URI, "" when this was the last; -1 with r saying why
 * (r->outcome RETRYABLE, CONFIG or UNKNOWN). One at a time, like
 * kc_carrier_message_create. */
#define KC_CARRIER_LIST_PAGE 50
int kc_carrier_list(struct kc_carrier *c, enum kc_carrier_kind kind,
		    const char *to, const char *from, const char *page,
		    long timeout_ms, json_t **list, char *next, size_t cap,
		    struct kc_carrier_result *r);

/* Reads the carrier's answer (HTTP status and body) into r: the sid and
 * status of a 2xx, or the error's code, message and more_info and the
 * outcome. For the client and its tests. */
void kc_carrier_read_answer(long http_status, const char *body, size_t len,
			    struct kc_carrier_result *r);

#endif
