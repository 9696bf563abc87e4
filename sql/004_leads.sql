-- Leads the agent captures on calls. call_id refers to calls once the
-- call ingest lands; until then it is validated by the application.
CREATE TABLE leads (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  call_public_id VARCHAR(48) NULL,
  name VARCHAR(200) NOT NULL DEFAULT '',
  phone VARCHAR(16) NOT NULL,
  email VARCHAR(254) NULL,
  intent VARCHAR(32) NOT NULL,
  notes TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_leads_public (public_id),
  KEY ix_leads_business (business_id, id),
  CONSTRAINT fk_leads_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
