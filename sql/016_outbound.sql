-- Outbound calls and SMS: each request is an action, checked (consent,
-- DNC, opt-out, calling hours) when it is queued and again when kcctl
-- outbound sends it through the carrier, then moved along by the
-- carrier's signed status callbacks. A blocked action is kept, with the
-- check that blocked it; nothing here is ever erased by the API.
CREATE TABLE outbound_actions (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  kind VARCHAR(8) NOT NULL CHECK (kind IN ('call', 'message')),
  purpose VARCHAR(16) NOT NULL CHECK (purpose IN ('informational',
    'marketing')),
  -- As given: a number that is not valid is stored, blocked, with the
  -- check that says so.
  to_number VARCHAR(32) NOT NULL,
  from_number VARCHAR(32) NOT NULL,
  agent_public_id VARCHAR(48) NULL,
  lead_public_id VARCHAR(48) NULL,
  -- The recipient's own time zone, when the caller knew it.
  timezone VARCHAR(64) NULL,
  body TEXT NULL,
  context LONGTEXT NULL CHECK (context IS NULL OR JSON_VALID(context)),
  -- blocked, queued, sending, accepted, sent, delivered, failed
  -- (messages); blocked, queued, sending, accepted, ringing, in_progress,
  -- completed, failed (calls)
  status VARCHAR(16) NOT NULL,
  blocked_code VARCHAR(32) NULL,
  blocked_detail VARCHAR(320) NULL,
  blocked_stage VARCHAR(8) NULL CHECK (blocked_stage IN ('queue', 'send')),
  -- Every check run when it was queued, and when it was sent.
  checks LONGTEXT NOT NULL CHECK (JSON_VALID(checks)),
  send_checks LONGTEXT NULL CHECK (send_checks IS NULL OR
    JSON_VALID(send_checks)),
  carrier_sid VARCHAR(64) NULL,
  carrier_status VARCHAR(32) NULL,
  error_code INT UNSIGNED NULL,
  error_message VARCHAR(512) NULL,
  -- Tries that met a carrier error, and holds for our own configuration
  -- (which never fail an action: they only delay it).
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  holds INT UNSIGNED NOT NULL DEFAULT 0,
  -- While queued: when it may go (now, after a retry's wait, or when the
  -- business's per-minute cap has room again); while sending: the end of
  -- the worker's lease. NULL otherwise, so the claim's index range holds
  -- only work.
  next_attempt_at DATETIME(6) NULL,
  lease_owner CHAR(24) NULL,
  duration_seconds INT UNSIGNED NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  sent_at DATETIME(6) NULL,
  answered_at DATETIME(6) NULL,
  ended_at DATETIME(6) NULL,
  UNIQUE KEY uq_outbound_public (public_id),
  UNIQUE KEY uq_outbound_carrier_sid (carrier_sid),
  KEY ix_outbound_next (next_attempt_at),
  KEY ix_outbound_business_next (business_id, next_attempt_at),
  -- The lists: newest first, one index per filter shape.
  KEY ix_outbound_created (business_id, kind, created_at, id),
  KEY ix_outbound_status_created (business_id, kind, status, created_at, id),
  KEY ix_outbound_to_created (business_id, kind, to_number, created_at, id),
  KEY ix_outbound_to_status_created (business_id, kind, to_number, status,
    created_at, id),
  CONSTRAINT fk_outbound_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every carrier callback taken, once per carrier SID and status: a
-- callback delivered again (Twilio retries, or anyone replays one) finds
-- its row and changes nothing.
CREATE TABLE carrier_callbacks (
  carrier_sid VARCHAR(64) NOT NULL,
  status VARCHAR(32) NOT NULL,
  business_id BIGINT UNSIGNED NULL,
  received_at DATETIME(6) NOT NULL,
  PRIMARY KEY (carrier_sid, status),
  KEY ix_carrier_callbacks_received (received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The per-business caps (outbound_calls_per_minute and
-- outbound_messages_per_minute): what each business has sent in the
-- current minute, one row per business and kind.
CREATE TABLE outbound_rates (
  business_id BIGINT UNSIGNED NOT NULL,
  kind VARCHAR(8) NOT NULL,
  window_start DATETIME NOT NULL,
  used INT UNSIGNED NOT NULL,
  PRIMARY KEY (business_id, kind)
) ENGINE=InnoDB;
