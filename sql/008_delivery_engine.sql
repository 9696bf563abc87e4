-- The delivery engine: every try is a row, a delivery knows its last
-- outcome, an endpoint its health, and bulk replays are requests that
-- kcctl works through.
--
-- next_attempt_at is NULL once a delivery is finished (delivered or dead)
-- and, while it is in flight, holds the end of its lease: the sweeper's
-- one index range "next_attempt_at <= now" then finds due retries and
-- expired leases alike, and never walks finished rows.
ALTER TABLE deliveries
  MODIFY next_attempt_at DATETIME(6) NULL,
  ADD COLUMN lease_owner CHAR(24) NULL AFTER lease_until,
  ADD COLUMN last_attempt_at DATETIME(6) NULL,
  ADD COLUMN last_status_code SMALLINT UNSIGNED NULL,
  ADD COLUMN last_error VARCHAR(255) NULL,
  ADD COLUMN delivered_at DATETIME(6) NULL,
  -- A replay is a new delivery of the same event to the same endpoint.
  ADD COLUMN replay_of BIGINT UNSIGNED NULL,
  ADD COLUMN replay_id BIGINT UNSIGNED NULL,
  ADD COLUMN superseded_by BIGINT UNSIGNED NULL,
  DROP INDEX ix_deliveries_due,
  ADD KEY ix_deliveries_next (next_attempt_at),
  ADD KEY ix_deliveries_business_next (business_id, next_attempt_at),
  ADD KEY ix_deliveries_endpoint_created (endpoint_id, created_at),
  ADD KEY ix_deliveries_replay (replay_id, status);

CREATE TABLE delivery_attempts (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  delivery_id BIGINT UNSIGNED NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  endpoint_id BIGINT UNSIGNED NOT NULL,
  attempt_no INT UNSIGNED NOT NULL,
  started_at DATETIME(6) NOT NULL,
  duration_ms INT UNSIGNED NOT NULL,
  status_code SMALLINT UNSIGNED NULL,
  -- NULL on a 2xx; else why it failed (transport error or the status).
  error VARCHAR(255) NULL,
  ok TINYINT(1) NOT NULL,
  response_snippet TEXT NULL,
  KEY ix_attempts_delivery (delivery_id, id),
  KEY ix_attempts_endpoint (endpoint_id, started_at),
  KEY ix_attempts_started (started_at),
  CONSTRAINT fk_attempts_delivery FOREIGN KEY (delivery_id)
    REFERENCES deliveries (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE webhook_endpoints
  ADD COLUMN consecutive_failures INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN failing_since DATETIME(6) NULL,
  ADD COLUMN last_success_at DATETIME(6) NULL,
  ADD COLUMN last_failure_at DATETIME(6) NULL,
  ADD COLUMN dead_count INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN disabled_reason VARCHAR(255) NULL,
  ADD COLUMN disabled_at DATETIME(6) NULL;

CREATE TABLE replays (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  endpoint_id BIGINT UNSIGNED NOT NULL,
  -- dead, failed or all
  status_filter VARCHAR(16) NOT NULL,
  since DATETIME(6) NULL,
  until DATETIME(6) NULL,
  -- pending, running, completed
  state VARCHAR(16) NOT NULL DEFAULT 'pending',
  total INT UNSIGNED NULL,
  done INT UNSIGNED NOT NULL DEFAULT 0,
  -- The last source delivery handled, so an interrupted run resumes, and
  -- the newest one it may touch (so it never replays its own replays).
  cursor_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  upto_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  started_at DATETIME(6) NULL,
  completed_at DATETIME(6) NULL,
  UNIQUE KEY uq_replays_public (public_id),
  KEY ix_replays_state (state, id),
  KEY ix_replays_business (business_id, id),
  CONSTRAINT fk_replays_business FOREIGN KEY (business_id)
    REFERENCES businesses (id),
  CONSTRAINT fk_replays_endpoint FOREIGN KEY (endpoint_id)
    REFERENCES webhook_endpoints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
