-- Follow-ups the agent schedules for a lead: a callback, an appointment
-- or a task, open until completed.
CREATE TABLE followups (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  lead_public_id VARCHAR(48) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  due_at DATETIME(6) NOT NULL,
  notes TEXT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  completed_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_followups_public (public_id),
  KEY ix_followups_business (business_id, id),
  CONSTRAINT fk_followups_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
