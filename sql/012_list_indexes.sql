-- The lists (calls, events, deliveries, leads, follow-ups) are newest
-- first by creation, ties by id, and each filter shape reads one index
-- that ends in (created_at, id): the equality filters, then the time
-- window and the cursor as one range read backwards, stopped by LIMIT.
-- (The list statements in lib/core/kc_sql.c name these indexes.)
--
-- deliveries: every filter but status has an index already: the endpoint
-- (ix_deliveries_endpoint_created, which InnoDB extends with id) and the
-- event (ix_deliveries_event: a few rows, sorted).
ALTER TABLE deliveries
  ADD KEY ix_deliveries_created (business_id, created_at, id),
  ADD KEY ix_deliveries_status_created (business_id, status, created_at, id),
  ADD KEY ix_deliveries_endpoint_status (endpoint_id, status, created_at, id);

-- The (business_id, id) and (business_id, type, id) indexes served only
-- the lists; the new ones lead with business_id as well, for the foreign
-- keys.
ALTER TABLE events
  DROP INDEX ix_events_business,
  DROP INDEX ix_events_business_type,
  ADD KEY ix_events_created (business_id, created_at, id),
  ADD KEY ix_events_type_created (business_id, type, created_at, id);

ALTER TABLE calls
  DROP INDEX ix_calls_business,
  ADD KEY ix_calls_created (business_id, created_at, id),
  ADD KEY ix_calls_status_created (business_id, status, created_at, id);

ALTER TABLE leads
  DROP INDEX ix_leads_business,
  ADD KEY ix_leads_created (business_id, created_at, id);

ALTER TABLE followups
  DROP INDEX ix_followups_business,
  ADD KEY ix_followups_created (business_id, created_at, id),
  ADD KEY ix_followups_status_created (business_id, status, created_at, id);
