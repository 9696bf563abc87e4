-- Foundation: businesses, their API keys, agents, phone numbers and the
-- audit log. Internal ids are auto-increment (cheap joins, cursor order);
-- the API only ever shows public_id.

CREATE TABLE businesses (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  name VARCHAR(200) NOT NULL,
  timezone VARCHAR(64) NOT NULL DEFAULT 'UTC',
  slug VARCHAR(64) NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_businesses_public (public_id),
  UNIQUE KEY uq_businesses_slug (slug)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE api_keys (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(200) NOT NULL,
  key_hash CHAR(64) NOT NULL,
  key_hint VARCHAR(24) NOT NULL,
  scopes VARCHAR(1000) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  last_used_at DATETIME(6) NULL,
  expires_at DATETIME(6) NULL,
  revoked_at DATETIME(6) NULL,
  rotated_to BIGINT UNSIGNED NULL,
  UNIQUE KEY uq_api_keys_public (public_id),
  UNIQUE KEY uq_api_keys_hash (key_hash),
  KEY ix_api_keys_business (business_id, id),
  CONSTRAINT fk_api_keys_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE agents (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(200) NOT NULL,
  prompt TEXT NOT NULL,
  voice VARCHAR(64) NOT NULL,
  greeting TEXT NOT NULL,
  language VARCHAR(16) NOT NULL,
  -- Equals business_id on the business's primary agent, NULL otherwise:
  -- the unique key allows exactly one primary agent per business.
  primary_of BIGINT UNSIGNED NULL,
  routing LONGTEXT NOT NULL CHECK (JSON_VALID(routing)),
  -- The agent's numbers as the API shows them, rebuilt from phone_numbers
  -- in the transaction of every change to them: MariaDB plans a join
  -- anew on every execution, and GET /v1/agent is the hottest read.
  phone_numbers_json LONGTEXT NOT NULL DEFAULT '[]'
    CHECK (JSON_VALID(phone_numbers_json)),
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_agents_public (public_id),
  UNIQUE KEY uq_agents_primary (primary_of),
  KEY ix_agents_business (business_id, id),
  CONSTRAINT fk_agents_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE phone_numbers (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  agent_id BIGINT UNSIGNED NULL,
  e164 VARCHAR(16) NOT NULL,
  label VARCHAR(100) NOT NULL DEFAULT '',
  capabilities VARCHAR(255) NOT NULL DEFAULT '["voice","sms"]'
    CHECK (JSON_VALID(capabilities)),
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_phone_numbers_public (public_id),
  UNIQUE KEY uq_phone_numbers_e164 (e164),
  KEY ix_phone_numbers_business (business_id, id),
  KEY ix_phone_numbers_agent (business_id, agent_id),
  CONSTRAINT fk_phone_numbers_business FOREIGN KEY (business_id)
    REFERENCES businesses (id),
  CONSTRAINT fk_phone_numbers_agent FOREIGN KEY (agent_id)
    REFERENCES agents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Written by the API, the dashboard and kcctl alike; the application's
-- database user may only INSERT and SELECT here.
CREATE TABLE audit_log (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  actor_type VARCHAR(16) NOT NULL,
  actor_id VARCHAR(64) NOT NULL,
  action VARCHAR(64) NOT NULL,
  target_type VARCHAR(32) NOT NULL,
  target_id VARCHAR(48) NOT NULL,
  before_json LONGTEXT NULL CHECK (before_json IS NULL OR JSON_VALID(before_json)),
  after_json LONGTEXT NULL CHECK (after_json IS NULL OR JSON_VALID(after_json)),
  request_id VARCHAR(48) NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_audit_log_public (public_id),
  KEY ix_audit_log_business (business_id, id),
  CONSTRAINT fk_audit_log_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
