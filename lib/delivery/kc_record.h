/* The delivery worker's other half: what the outcomes of a turn write,
 * in one transaction (kc_deliver.c decides them): the deliveries' new
 * states and their attempts, each endpoint's health and circuit breaker,
 * and its queue; then the breaker's events, each in its own small
 * transaction. Private to the worker. */
#ifndef KC_RECORD_H
#define KC_RECORD_H

#include "kc_config.h"
#include "kc_db.h"
#include "kc_id.h"
#include "kc_send.h"
#include "kc_sign.h"

#include <stddef.h>

/* An endpoint's outcomes within one batch. */
struct kc_ep_sum {
	long long id;
	int had_success, trailing, nfail, ndead, gone;
	long long last_success_ms, first_fail_ms, first_trailing_ms,
	    last_fail_ms;
	long long pause_ms; /* a Retry-After pauses the endpoint until then */
	long long recorded; /* outcomes written: no longer in flight */
	int opened, recovered, open; /* its breaker: what happened, and now */
};

/* One claimed delivery, from its claim until its outcome is recorded. It
 * owns copies of what it sends, since it outlives the claim's rows. */
struct kc_outcome {
	int in_use;
	long long id, business_id, endpoint_id;
	unsigned attempts;
	int live;    /* the endpoint is enabled: send; else it goes dead */
	int deleted; /* not live because the endpoint was deleted */
	char owner[KC_ID_MAX]; /* the claim's lease */
	char msg_id[KC_ID_MAX];
	char sig[KC_SIGN_HEADER_MAX];
	char *url, *body;
	struct kc_send_req req;
	const char *status; /* delivered, failed, dead */
	long long ended_ms, next_ms;
	int lost;  /* the lease had passed to another worker */
	int probe; /* sent as an open breaker's one try (the claim says) */
};

/* What recording needs of the worker. */
struct kc_recorder {
	struct kc_db *db;
	const struct kc_config *cfg;
	struct kc_sender *sender; /* moved along while the database works;
				     may be NULL */
};

/* The receiver's Retry-After in ms, as it is honoured: capped at
 * retry_after_max, and never sooner than a second. -1 when it gave none. */
long long kc_record_retry_after_ms(const struct kc_config *cfg,
				   const struct kc_send_req *q);
/* The outcomes (each decided: status, ended_ms, next_ms) in one
 * transaction, retried on a deadlock or a lock wait timeout; eps (room
 * for n) gets each endpoint's summary, *neps how many. Outcomes whose lease
 * had passed to another worker are marked lost and not written. */
int kc_record_batch(struct kc_recorder *d, struct kc_outcome **its, size_t n,
		    struct kc_ep_sum *eps, size_t *neps);
/* After the batch committed: endpoint.circuit_opened and
 * endpoint.recovered events for the breakers that changed. The batch
 * marked each transition (breaker_event); telling it clears the mark. */
void kc_record_breaker_events(struct kc_recorder *d,
			      const struct kc_ep_sum *eps, size_t neps);
/* The transitions a killed worker marked and never told, of every
 * business (up to 100), told now; *told counts them. d->sender may be
 * NULL. */
int kc_record_untold_breakers(struct kc_recorder *d, long long *told);

#endif
