-- Fair delivery, repaired (review of issue 10). Re-runnable: every change
-- says IF NOT EXISTS.
--
-- hold_until: while an endpoint is held (a receiver's Retry-After, an open
-- circuit breaker), the time the hold ends, written by the claim that
-- decided it. A wake-up (a new delivery) or a recorded outcome makes the
-- queue due no sooner than this, so ingest does not undo the hold and
-- make every claim look at the held endpoint again.
ALTER TABLE delivery_queues
  ADD COLUMN IF NOT EXISTS hold_until DATETIME(6) NULL;

-- releases: the wake-up ends the hold (a replay asked for a probe now, the
-- endpoint's settings or URL changed): the queue is due now whatever it
-- held for, and the claim decides again.
ALTER TABLE delivery_wakeups
  ADD COLUMN IF NOT EXISTS releases TINYINT NOT NULL DEFAULT 0;

-- breaker_event: a circuit breaker's transition ('opened', 'recovered')
-- whose event is still to be sent, written with the batch that made it;
-- the event goes in a transaction of its own after that commit, which
-- clears it. A worker killed in between leaves it for the next worker's
-- start or kcctl maintain, so no transition goes untold.
ALTER TABLE webhook_endpoints
  ADD COLUMN IF NOT EXISTS breaker_event VARCHAR(16) NULL;
