-- Calls reported by the voice runtime: started, then ended with outcome,
-- summary and a speaker-tagged transcript (JSON array, at most 256 KiB).
CREATE TABLE calls (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  agent_public_id VARCHAR(48) NOT NULL,
  direction VARCHAR(16) NOT NULL,
  from_number VARCHAR(16) NOT NULL,
  to_number VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'in_progress',
  started_at DATETIME(6) NOT NULL,
  ended_at DATETIME(6) NULL,
  duration_seconds INT UNSIGNED NULL,
  outcome VARCHAR(32) NULL,
  summary TEXT NULL,
  transcript LONGTEXT NULL CHECK (transcript IS NULL OR JSON_VALID(transcript)),
  recording_url VARCHAR(2048) NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_calls_public (public_id),
  KEY ix_calls_business (business_id, id),
  CONSTRAINT fk_calls_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
