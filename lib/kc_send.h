/* POSTs a batch of webhook requests at once (libcurl multi interface;
 * connections are kept and reused per host between batches) and reports
 * for each what came back. Knows nothing of the database. */
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
	char error[256];       /* why it failed; empty when ok */
	char snippet[KC_SNIPPET_MAX + 1];
	size_t snippet_len;
};

struct kc_sender;

/* The sender reads cfg (timeout, CA file, allowed hosts) for its life. */
int kc_sender_new(const struct kc_config *cfg, struct kc_sender **out);
void kc_sender_free(struct kc_sender *s);
/* Sends every request and fills in its outcome; returns once all are
 * done. -1 only when libcurl itself cannot run (each request's own
 * failure is in its error). */
int kc_sender_run(struct kc_sender *s, struct kc_send_req *reqs, size_t n);

#endif
