-- Fair delivery: one business's broken or slow receiver never delays
-- another's webhooks (README, Delivery). Each endpoint has a queue the
-- worker claims from in turn, limits of its own, and a circuit breaker.
--
-- Settings (API) and breaker state (written by the worker) of an endpoint.
-- breaker_state is 'closed' or 'open'; an open breaker whose breaker_until
-- has passed is half-open: the next claim sends it one probe. The state
-- is never written by a claim (a claim locks queue rows only, see below).
ALTER TABLE webhook_endpoints
  -- deliveries per second, NULL for no limit
  ADD COLUMN rate_limit INT UNSIGNED NULL,
  ADD COLUMN max_in_flight SMALLINT UNSIGNED NOT NULL DEFAULT 10,
  ADD COLUMN breaker_state VARCHAR(16) NOT NULL DEFAULT 'closed',
  -- consecutive timeouts, transport errors, 5xx and 429 without Retry-After
  ADD COLUMN breaker_failures INT UNSIGNED NOT NULL DEFAULT 0,
  -- consecutive opens without a success between them: the cool-down grows
  ADD COLUMN breaker_opens INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN breaker_opened_at DATETIME(6) NULL,
  -- while open: the time of the next probe
  ADD COLUMN breaker_until DATETIME(6) NULL;

-- The claim of one endpoint's due deliveries, the earliest it owes, and its
-- deliveries in flight (their next_attempt_at is the lease's end).
ALTER TABLE deliveries
  ADD KEY ix_deliveries_endpoint_next (endpoint_id, next_attempt_at),
  ADD KEY ix_deliveries_endpoint_status_next (endpoint_id, status,
    next_attempt_at);

-- One row per endpoint, created with it. due_at is when the worker should
-- look at the endpoint next (NULL: nothing owed); the worker writes it
-- only while it holds the row's exclusive lock. The rate limit's token
-- bucket and a receiver's Retry-After pause live here too. Kept apart from
-- webhook_endpoints, whose rows ingest's foreign keys lock (shared) and the
-- worker's health updates lock (exclusive). No foreign keys here, for the
-- same reason: a key check would lock the endpoint row. Endpoints are never
-- deleted, only marked.
CREATE TABLE delivery_queues (
  endpoint_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  business_id BIGINT UNSIGNED NOT NULL,
  due_at DATETIME(6) NULL,
  tokens DOUBLE NOT NULL DEFAULT 0,
  -- NULL: a full bucket
  tokens_at DATETIME(6) NULL,
  paused_until DATETIME(6) NULL,
  -- The endpoint's deliveries with status in_flight: raised by the claims
  -- that lease them, lowered as their outcomes are recorded, so a claim
  -- need not count them (a count walks the index entries every recently
  -- finished delivery left behind until InnoDB purges them).
  in_flight INT NOT NULL DEFAULT 0,
  KEY ix_delivery_queues_due (due_at),
  KEY ix_delivery_queues_business_due (business_id, due_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- "This endpoint is owed something new": written by whatever makes a
-- delivery owed when the endpoint's queue says nothing is due, and
-- consumed by the worker. Insert-only for the writers, so concurrent
-- ingests never wait on one another here.
CREATE TABLE delivery_wakeups (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  endpoint_id BIGINT UNSIGNED NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  KEY ix_delivery_wakeups_business (business_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every existing endpoint gets its queue, due at the earliest delivery it
-- owes (in flight ones included: their lease's end brings them back), and
-- its count of deliveries in flight. IGNORE: an endpoint created meanwhile
-- by the new binary has its queue already (kcctl maintain repairs what this
-- snapshot misses).
INSERT IGNORE INTO delivery_queues (endpoint_id, business_id, due_at, in_flight)
SELECT w.id, w.business_id,
  (SELECT MIN(d.next_attempt_at) FROM deliveries d WHERE d.endpoint_id = w.id),
  (SELECT COUNT(*) FROM deliveries d WHERE d.endpoint_id = w.id
     AND d.status = 'in_flight')
FROM webhook_endpoints w;
