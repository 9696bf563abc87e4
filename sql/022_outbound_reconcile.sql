-- Bounded reconciliation (second review of issue 11, item 4): how many
-- times in a row the carrier could not be asked, or could not say, what
-- became of an action of unknown outcome. After a few the action is left
-- unresolved for an operator (kcctl outbound settle) instead of being
-- asked about forever. Re-runnable.
ALTER TABLE outbound_actions
  ADD COLUMN IF NOT EXISTS reconcile_tries INT UNSIGNED NOT NULL DEFAULT 0;
