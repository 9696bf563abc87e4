/* The outbound worker (`kcctl outbound`), shaped like the delivery
 * engine's: it claims queued actions under a lease (SELECT ... FOR UPDATE
 * SKIP LOCKED, so several workers never share one), checks each again as
 * of now (DNC, opt-out, consent, calling hours: a number that opted out
 * since it was queued is blocked, not sent), sends the rest through the
 * carrier with up to carrier_concurrency requests in flight, and records
 * every outcome, its audit row and its event in one transaction.
 *
 * Per-business caps (outbound_calls_per_minute,
 * outbound_messages_per_minute) make work wait for the next minute, never
 * fail. A carrier error worth retrying is retried on the delivery
 * engine's schedule (delivery_schedule, with its jitter) and fails the
 * action once that is used up; a refusal for good (21211, 21610, ...)
 * fails it at once; an error of our own configuration (credentials, base
 * URL, certificate) holds it, and pauses the worker, without ever failing
 * it. */
#ifndef KC_OUTBOUND_WORKER_H
#define KC_OUTBOUND_WORKER_H

#include "kc_config.h"
#include "kc_db.h"

#include <stddef.h>

/* Times in a row the carrier may be asked in vain what became of an
 * action of unknown outcome (a failed or cut-short list, too long a
 * list); then it is left unresolved (outbound.unresolved) for an
 * operator: kcctl outbound settle. Our own configuration errors (401,
 * 403) do not count. */
#define KC_OUTBOUND_RECONCILE_TRIES 10

struct kc_outbound_stats {
	long long claimed;    /* leased to this worker */
	long long deferred;   /* over a business's cap: back to the queue */
	long long accepted;   /* the carrier took it */
	long long blocked;    /* a check failed at send time */
	long long retrying;   /* a carrier error: tried again later */
	long long failed;     /* refused for good, or out of retries */
	long long held;       /* our configuration is wrong: held */
	long long unknown;    /* perhaps sent: settled with the carrier later */
	long long reconciled; /* the carrier had it already: not sent again */
	long long rescheduled; /* outside calling hours: until they open */
};

struct kc_outbounder;

/* only_business: 0 for every business, else that one alone. -1 with err
 * when the carrier cannot be used (not configured, its token does not
 * open) or public_base_url, which the carrier's callbacks need, is not
 * set. */
int kc_outbounder_new(struct kc_db *db, const struct kc_config *cfg,
		      long long only_business, struct kc_outbounder **out,
		      char *err, size_t errlen);
void kc_outbounder_free(struct kc_outbounder *o);

/* One turn: claims into the free slots (unless claim_more is 0), lets the
 * requests run up to 20 ms, and records every outcome that came back.
 * -1 on a database failure: while the database is unreachable
 * (kc_db_unavailable) the outcomes are kept for a later turn; otherwise
 * what was claimed comes back when its lease ends. */
int kc_outbounder_step(struct kc_outbounder *o, struct kc_outbound_stats *st,
		       int claim_more, int *claimed, int *finished);
/* Actions claimed and not yet recorded; of those, the ones waiting only
 * for the database. */
size_t kc_outbounder_in_flight(const struct kc_outbounder *o);
size_t kc_outbounder_unrecorded(const struct kc_outbounder *o);
/* *due is 1 when an action (of the worker's business, if it has one) is
 * due now. */
int kc_outbounder_any_due(struct kc_outbounder *o, int *due);

/* in with every phone-number-like run of digits (seven or more) written
 * as "***", into out (cap bytes, always terminated): for logging the
 * carrier's error texts. */
void kc_outbound_redact(const char *in, char *out, size_t cap);

/* How many of want go now when used of cap are taken this minute. */
long long kc_outbound_allowance(long long cap, long long used, long long want);

#endif
