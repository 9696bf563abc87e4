-- The dashboard: its users (each of one business), their sessions, the
-- counts that throttle failed sign-ins, and the audit log's filters.

-- A user signs in with an email (kept lower-cased, so unique whatever the
-- case typed) and a password hashed with argon2id (the PHC string, which
-- names its own parameters).
CREATE TABLE users (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  public_id VARCHAR(48) NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  email VARCHAR(254) NOT NULL,
  role VARCHAR(16) NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
  password_hash VARCHAR(255) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  last_sign_in_at DATETIME(6) NULL,
  disabled_at DATETIME(6) NULL,
  UNIQUE KEY uq_users_public (public_id),
  UNIQUE KEY uq_users_email (email),
  KEY ix_users_business (business_id, id),
  CONSTRAINT fk_users_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A session is found by the SHA-256 of the random token in its cookie; the
-- token itself is stored nowhere. It ends at the first of: ended_at (sign
-- out, sign out everywhere, the user disabled or given a new password),
-- last_seen_at + session_idle, expires_at (sign-in + session_lifetime).
CREATE TABLE sessions (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  token_hash CHAR(64) NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  business_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  last_seen_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  ended_at DATETIME(6) NULL,
  client_addr VARCHAR(64) NULL,
  -- A secret made by the last request (a new API key or signing secret),
  -- for the page it redirects to, which shows it once and clears it:
  -- sealed under master_key, bound to this session.
  flash_sealed TEXT NULL,
  UNIQUE KEY uq_sessions_token (token_hash),
  KEY ix_sessions_user (user_id, ended_at),
  CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT fk_sessions_business FOREIGN KEY (business_id)
    REFERENCES businesses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Sign-in attempts per account (the SHA-256 of the email typed, known or
-- not, so an unknown email is throttled exactly like a known one) and per
-- client address, in a window that starts at the first attempt: one row
-- each, counted up atomically by every FastCGI process of every node.
CREATE TABLE signin_throttle (
  scope VARCHAR(8) NOT NULL CHECK (scope IN ('account', 'address')),
  key_hash CHAR(64) NOT NULL,
  window_start DATETIME(6) NOT NULL,
  attempts INT UNSIGNED NOT NULL,
  PRIMARY KEY (scope, key_hash),
  KEY ix_signin_throttle_window (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The dashboard's audit log filters (actor, action, target, time): one
-- index per filter, each ending in (created_at, id) as the other lists'.
ALTER TABLE audit_log
  ADD KEY ix_audit_log_created (business_id, created_at, id),
  ADD KEY ix_audit_log_actor_created (business_id, actor_id, created_at, id),
  ADD KEY ix_audit_log_action_created (business_id, action, created_at, id),
  ADD KEY ix_audit_log_target_created (business_id, target_id, created_at, id);
