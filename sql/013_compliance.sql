-- Compliance: consent to be called or texted, the business's own
-- Do-Not-Call list (with SMS opt-outs), the national DNC registry, the
-- business's calling hours and SMS help text, and the audit log's filters.
-- Nothing here is ever erased by the API: a revoked consent and a removed
-- DNC entry keep their row, with the time it ended.

CREATE TABLE consents (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  phone VARCHAR(16) NOT NULL,
  channel VARCHAR(8) NOT NULL CHECK (channel IN ('voice', 'sms')),
  kind VARCHAR(8) NOT NULL CHECK (kind IN ('express', 'written')),
  source VARCHAR(200) NOT NULL,
  evidence TEXT NULL,
  captured_at DATETIME(6) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  revoked_at DATETIME(6) NULL,
  UNIQUE KEY uq_consents_public (public_id),
  KEY ix_consents_business (business_id, id),
  -- The check reads a number's live consents for a channel; the list
  -- filters by phone (and channel) or by channel alone.
  KEY ix_consents_phone (business_id, phone, channel, id),
  KEY ix_consents_channel (business_id, channel, id),
  CONSTRAINT fk_consents_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dnc_entries (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  phone VARCHAR(16) NOT NULL,
  voice TINYINT(1) NOT NULL,
  sms TINYINT(1) NOT NULL,
  reason VARCHAR(24) NOT NULL CHECK (reason IN ('customer_request',
    'complaint', 'legal', 'stop_keyword')),
  -- The inbound message that said STOP, for an opt-out by keyword.
  message_sid VARCHAR(64) NULL,
  created_at DATETIME(6) NOT NULL,
  removed_at DATETIME(6) NULL,
  -- phone while this is a live opt-out (reason stop_keyword), else NULL:
  -- the unique key keeps one live opt-out per number, so two STOPs at
  -- once record one.
  optout_phone VARCHAR(16) NULL,
  CHECK (voice = 1 OR sms = 1),
  UNIQUE KEY uq_dnc_entries_public (public_id),
  UNIQUE KEY uq_dnc_entries_optout (business_id, optout_phone),
  KEY ix_dnc_entries_business (business_id, id),
  KEY ix_dnc_entries_phone (business_id, phone, id),
  CONSTRAINT fk_dnc_entries_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The national registry, as `kcctl dnc import` loads it: each import is a
-- version of its own, filled while the current one still answers, then
-- made current in one update (a reader sees the old list or the new one,
-- never a mix), then the old rows are deleted.
CREATE TABLE dnc_registry (
  version INT UNSIGNED NOT NULL,
  number BIGINT UNSIGNED NOT NULL, -- ten digits, 2015550123
  PRIMARY KEY (version, number)
) ENGINE=InnoDB;

CREATE TABLE dnc_registry_imports (
  id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, -- the version it loads
  -- loading, current, replaced, failed
  state VARCHAR(16) NOT NULL,
  file_name VARCHAR(255) NOT NULL,
  file_sha256 CHAR(64) NOT NULL,
  numbers BIGINT UNSIGNED NOT NULL,
  actor VARCHAR(64) NOT NULL,
  started_at DATETIME(6) NOT NULL,
  current_at DATETIME(6) NULL
) ENGINE=InnoDB;

CREATE TABLE dnc_registry_current (
  id TINYINT UNSIGNED PRIMARY KEY CHECK (id = 1),
  version INT UNSIGNED NULL
) ENGINE=InnoDB;
INSERT INTO dnc_registry_current (id, version) VALUES (1, NULL);

-- Calling hours in minutes after local midnight: never wider than
-- 08:00-21:00, which is what the law allows.
ALTER TABLE businesses
  ADD COLUMN sms_help_text VARCHAR(320) NULL,
  ADD COLUMN calling_hours_start SMALLINT UNSIGNED NOT NULL DEFAULT 480,
  ADD COLUMN calling_hours_end SMALLINT UNSIGNED NOT NULL DEFAULT 1260,
  ADD CONSTRAINT ck_businesses_calling_hours CHECK (
    calling_hours_start >= 480 AND calling_hours_end <= 1260 AND
    calling_hours_start < calling_hours_end);

-- GET /v1/audit-log?action=&target=&since=&until=: one index per filter.
ALTER TABLE audit_log
  ADD KEY ix_audit_log_action (business_id, action, id),
  ADD KEY ix_audit_log_target (business_id, target_id, id),
  ADD KEY ix_audit_log_time (business_id, created_at);
