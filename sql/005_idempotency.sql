-- Idempotency-Key: the first answer to a POST, kept for 24 hours, so a
-- retry (the voice runtime retries) gets it again instead of a duplicate.
-- status 0 marks a request still in progress.
CREATE TABLE idempotency_keys (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  business_id BIGINT UNSIGNED NOT NULL,
  idem_key VARCHAR(255) NOT NULL,
  fingerprint CHAR(64) NOT NULL,
  status SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  response LONGTEXT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_idempotency (business_id, idem_key),
  KEY ix_idempotency_created (created_at),
  CONSTRAINT fk_idempotency_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
