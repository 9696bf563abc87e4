-- The sign-in throttle, repaired (review of issue 12). Failures were
-- counted per account whatever the address, so anyone could lock an owner
-- out by typing wrong passwords for the owner's email. Now they count per
-- account and address together ('pair', keyed by both) and per address;
-- account_hash names the account of a pair row, so that a password reset
-- can clear every row of the account. Re-runnable.
ALTER TABLE signin_throttle
  MODIFY scope VARCHAR(8) NOT NULL
    CHECK (scope IN ('account', 'address', 'pair')),
  ADD COLUMN IF NOT EXISTS account_hash CHAR(64) NULL,
  ADD KEY IF NOT EXISTS ix_signin_throttle_account (account_hash);
