/* The worker's side of the per-endpoint delivery queues: fair claims that
 * honour each endpoint's limits, wake-ups, and what recorded outcomes do
 * to a queue. The writers' side (a delivery became owed) is
 * kc_event_wake. */
#ifndef KC_QUEUE_H
#define KC_QUEUE_H

#include "kc_buf.h"
#include "kc_db.h"

/* Endpoints looked at per claim, at most: enough to fill a batch with a
 * few each, few enough that the claim's transaction stays short. */
#define KC_QUEUE_CANDIDATES 64

/* Slots a business holds in a worker. */
struct kc_claim_held {
	long long business, n;
};

struct kc_claim {
	/* in */
	long long only_business; /* 0: every business */
	long long room;          /* free slots */
	const char *owner;       /* the lease's owner */
	long long lease;         /* seconds */
	void (*pump)(void *);    /* called between endpoints; may be NULL */
	void *pump_ctx;
	/* At most biz_cap slots per business (0: no cap), counting those it
	 * holds already (held[nheld]). */
	long long biz_cap;
	const struct kc_claim_held *held;
	size_t nheld;
	/* out */
	struct kc_buf *ids; /* "[1,2,...]": what was leased */
	long long claimed;
	size_t endpoints; /* looked at */
	/* The endpoints whose one try (the claimed delivery of each) is an
	 * open breaker's probe. */
	long long probes[KC_QUEUE_CANDIDATES];
	size_t nprobes;
	int more; /* more may be due: claim again when slots free */
};

/* Leases up to room due deliveries, at most a fair share of them per
 * endpoint and never past an endpoint's limits, and commits before
 * anything is sent. -1 on a database failure (nothing was leased). */
int kc_queue_claim(struct kc_db *db, struct kc_claim *c);

/* The committed wake-ups (of only_business, if not 0) become due queues,
 * up to a thousand, in a transaction of their own; those whose queue row
 * another transaction holds stay for a later turn. *taken: how many were
 * consumed. -1 on a database failure. */
int kc_queue_take_wakeups(struct kc_db *db, long long only_business,
			  long long *taken);

/* Inside the transaction that recorded outcomes of the endpoint (after
 * its row was updated): recorded deliveries are no longer in flight, the
 * queue is looked at again, and paused until pause_until_ms (epoch ms; 0:
 * no pause) if the receiver asked. */
int kc_queue_recorded(struct kc_db *db, long long endpoint_id,
		      long long pause_until_ms, long long recorded);

/* *due is 1 when some endpoint (of only_business, if not 0) is due or has
 * a wake-up waiting. */
int kc_queue_any_due(struct kc_db *db, long long only_business, int *due);

#endif
