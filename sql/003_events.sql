-- Events and the deliveries they owe (transactional outbox): a state
-- change, its event and one pending delivery per matching endpoint are
-- committed together. payload is the envelope exactly as it is signed and
-- sent, so a retry or a replay sends the same bytes.
CREATE TABLE events (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  type VARCHAR(64) NOT NULL,
  payload LONGTEXT NOT NULL CHECK (JSON_VALID(payload)),
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_events_public (public_id),
  KEY ix_events_business (business_id, id),
  KEY ix_events_business_type (business_id, type, id),
  CONSTRAINT fk_events_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE deliveries (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  event_id BIGINT UNSIGNED NOT NULL,
  endpoint_id BIGINT UNSIGNED NOT NULL,
  -- pending, in_flight, delivered, failed (will retry), dead
  status VARCHAR(16) NOT NULL DEFAULT 'pending',
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6) NOT NULL,
  lease_until DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_deliveries_public (public_id),
  KEY ix_deliveries_due (status, next_attempt_at),
  KEY ix_deliveries_business (business_id, id),
  KEY ix_deliveries_event (event_id),
  KEY ix_deliveries_endpoint (endpoint_id, id),
  CONSTRAINT fk_deliveries_business FOREIGN KEY (business_id)
    REFERENCES businesses (id),
  CONSTRAINT fk_deliveries_event FOREIGN KEY (event_id) REFERENCES events (id),
  CONSTRAINT fk_deliveries_endpoint FOREIGN KEY (endpoint_id)
    REFERENCES webhook_endpoints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
