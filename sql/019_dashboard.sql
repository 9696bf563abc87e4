-- The dashboard's second part: a lead's page lists its follow-ups (as GET
-- /v1/follow-ups?lead= does), and kcctl maintain deletes dead sessions by
-- when they were last seen.
ALTER TABLE followups
  ADD KEY ix_followups_lead_created (business_id, lead_public_id, created_at, id);

ALTER TABLE sessions
  ADD KEY ix_sessions_last_seen (last_seen_at);
