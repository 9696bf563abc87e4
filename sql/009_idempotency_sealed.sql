-- Stored answers to Idempotency-Key requests are sealed with AES-256-GCM
-- under master_key, like webhook secrets: the answer to creating an
-- endpoint or rotating its secret holds the secret. kcctl migrate seals the
-- answers stored in plaintext before this version right after this file.
ALTER TABLE idempotency_keys
  ADD COLUMN sealed TINYINT(1) NOT NULL DEFAULT 0 AFTER status;

-- A key is now taken in the same transaction as the request's work, so a
-- key "in progress" is never committed. Rows of that state left by the
-- earlier version (a request that died half-way) would block their key
-- for 24 hours: a retry may run them again.
DELETE FROM idempotency_keys WHERE status = 0;
