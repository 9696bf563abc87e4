-- The audit log's filters (the API's and the dashboard's alike) read the
-- indexes of 015, which end in (created_at, id) as every list now does;
-- those of 013 are no longer read by any statement.
ALTER TABLE audit_log
  DROP KEY ix_audit_log_action,
  DROP KEY ix_audit_log_target,
  DROP KEY ix_audit_log_time;
