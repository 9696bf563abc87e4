/* POSTs webhook requests concurrently (libcurl multi interface;
 * connections are kept and reused per host) and reports for each what came
 * back, as each finishes, so a slow receiver holds up only its own
 * requests. Knows nothing of the database. */
#ifndef KC_SEND_H
#define KC_SEND_H

#include "kc_config.h"

#include <stddef.h>

/* Bytes of a response body kept for inspection. */
#define KC_SNIPPET_MAX 4096

struct kc_send_req {
	/* in */
	const char *url;
	const char *msg_id, *signature; /* Standard Webhooks headers */
	long long timestamp;
	const char *body;
	size_t body_len;
	/* out */
	long long started_ms; /* epoch ms */
	long long duration_ms;
	long status;           /* 0: no HTTP response */
	int ok;                /* a 2xx */
	long long retry_after; /* seconds asked for on 429/503, or -1 */
	int transport;         /* no complete answer: timeout, TLS, ... */
	int not_sent;    /* never reached the receiver: address refused here */
	char error[256]; /* why it failed; empty when ok */
	char snippet[KC_SNIPPET_MAX + 1];
	size_t snippet_len;
};

struct kc_sender;

/* The sender reads cfg (timeout, CA file, allowed hosts) for its life and
 * runs at most delivery_batch requests at once. */
int kc_sender_new(const struct kc_config *cfg, struct kc_sender **out);
/* Abandons whatever is still running. */
void kc_sender_free(struct kc_sender *s);
/* Starts req, which stays the caller's and must live until
 * kc_sender_wait hands it back. -1: not started (no free slot, or libcurl
 * refused; req->error says so and req is finished). */
int kc_sender_start(struct kc_sender *s, struct kc_send_req *req);
/* Lets the transfers run for up to timeout_ms (0: just what is ready),
 * and hands back in done (at most cap) the requests that finished, their
 * outcome filled in. -1 only when libcurl itself fails. */
int kc_sender_wait(struct kc_sender *s, long timeout_ms,
		   struct kc_send_req **done, size_t cap, size_t *n);
/* Moves the transfers along without waiting or handing anything back:
 * for callers busy elsewhere (the database) while requests are out. */
void kc_sender_pump(struct kc_sender *s);
size_t kc_sender_active(const struct kc_sender *s);
size_t kc_sender_free_slots(const struct kc_sender *s);

#endif
