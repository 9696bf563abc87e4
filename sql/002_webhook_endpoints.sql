-- Webhook endpoints: where a business wants its events delivered. The
-- signing secret is sealed (AES-256-GCM under the config's master_key,
-- the endpoint id as associated data) because it must be read back to
-- sign; during a rotation the previous secret signs beside the new one
-- until previous_secret_expires_at.
CREATE TABLE webhook_endpoints (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  url VARCHAR(2048) NOT NULL,
  description VARCHAR(500) NOT NULL DEFAULT '',
  event_types LONGTEXT NOT NULL CHECK (JSON_VALID(event_types)),
  enabled TINYINT(1) NOT NULL DEFAULT 1,
  secret_sealed VARCHAR(255) NOT NULL,
  previous_secret_sealed VARCHAR(255) NULL,
  previous_secret_expires_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  deleted_at DATETIME(6) NULL,
  UNIQUE KEY uq_webhook_endpoints_public (public_id),
  KEY ix_webhook_endpoints_business (business_id, id),
  CONSTRAINT fk_webhook_endpoints_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
