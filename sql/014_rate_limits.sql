-- A key's own rate limits, one per kind of request (README, "Rate
-- limits"): requests per hour (so that N/s, N/m and N/h are all exact, 0
-- for no limit) and the burst. NULL, both: the node's setting applies
-- (rate_limit_read, rate_limit_write, rate_limit_ingest). Read with the
-- key when it is authenticated, so limits cost no statement per request.
ALTER TABLE api_keys
  ADD COLUMN rl_read_per_hour BIGINT UNSIGNED NULL,
  ADD COLUMN rl_read_burst INT UNSIGNED NULL,
  ADD COLUMN rl_write_per_hour BIGINT UNSIGNED NULL,
  ADD COLUMN rl_write_burst INT UNSIGNED NULL,
  ADD COLUMN rl_ingest_per_hour BIGINT UNSIGNED NULL,
  ADD COLUMN rl_ingest_burst INT UNSIGNED NULL,
  ADD CONSTRAINT ck_api_keys_rl_read CHECK
    ((rl_read_per_hour IS NULL) = (rl_read_burst IS NULL)),
  ADD CONSTRAINT ck_api_keys_rl_write CHECK
    ((rl_write_per_hour IS NULL) = (rl_write_burst IS NULL)),
  ADD CONSTRAINT ck_api_keys_rl_ingest CHECK
    ((rl_ingest_per_hour IS NULL) = (rl_ingest_burst IS NULL));
