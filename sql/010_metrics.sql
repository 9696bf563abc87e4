-- Delivery metrics for GET /metrics, kept by triggers so they are exact
-- and cluster-wide whichever program writes (the API, kcctl, or an
-- operator by hand), and so a scrape reads a few hundred rows instead of
-- counting a table of millions.
--
-- A counter is the SUM of its rows over shard. Each connection writes
-- only its own shard (CONNECTION_ID() % 32): a transaction holds its
-- counter rows until it commits, and sharding by connection keeps two
-- programs (two FastCGI processes, two delivery workers) off each other's
-- rows, and a worker's batch of hundreds of deliveries on one row per
-- counter rather than on every shard. A shard of a gauge may go negative
-- (one connection inserts a delivery, another claims it); the sum cannot.
--
--   deliveries               label: status; a gauge (+1 on insert, moved
--                            on a change of status, -1 on delete)
--   delivery_attempts        label: outcome; a counter
--   delivery_latency_bucket  label: the upper bound in seconds of the one
--                            bucket an observation falls in (not
--                            cumulative: the reader sums them up); the
--                            bounds are those of lib/delivery/
--                            kc_delivery_metrics.c, which must match
--   delivery_latency_sum_us  label '': created_at to delivered_at, summed
CREATE TABLE IF NOT EXISTS metric_counters (
  name VARCHAR(32) NOT NULL,
  label VARCHAR(32) NOT NULL,
  shard SMALLINT UNSIGNED NOT NULL,
  value BIGINT NOT NULL,
  PRIMARY KEY (name, label, shard)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Nothing may write deliveries between the count below and the triggers
-- taking over, or a change would be counted twice or not at all. The
-- count reads every delivery once (about a second per million rows),
-- while writers wait.
LOCK TABLES deliveries WRITE, delivery_attempts WRITE, metric_counters WRITE;

DROP TRIGGER IF EXISTS deliveries_metrics_insert;
CREATE TRIGGER deliveries_metrics_insert AFTER INSERT ON deliveries
FOR EACH ROW
  INSERT INTO metric_counters (name, label, shard, value)
  VALUES ('deliveries', NEW.status, CONNECTION_ID() % 32, 1)
  ON DUPLICATE KEY UPDATE value = value + VALUES(value);

DROP TRIGGER IF EXISTS deliveries_metrics_update;
CREATE TRIGGER deliveries_metrics_update AFTER UPDATE ON deliveries
FOR EACH ROW
BEGIN
  DECLARE us BIGINT;
  IF NEW.status <> OLD.status THEN
    IF NEW.status = 'delivered' THEN
      -- The two times may come from two machines' clocks.
      SET us = GREATEST(0, TIMESTAMPDIFF(MICROSECOND, NEW.created_at,
                 COALESCE(NEW.delivered_at, UTC_TIMESTAMP(6))));
      INSERT INTO metric_counters (name, label, shard, value) VALUES
        ('deliveries', OLD.status, CONNECTION_ID() % 32, -1),
        ('deliveries', NEW.status, CONNECTION_ID() % 32, 1),
        ('delivery_latency_bucket',
         CASE WHEN us <= 100000 THEN '0.1'
              WHEN us <= 250000 THEN '0.25'
              WHEN us <= 500000 THEN '0.5'
              WHEN us <= 1000000 THEN '1'
              WHEN us <= 2500000 THEN '2.5'
              WHEN us <= 5000000 THEN '5'
              WHEN us <= 10000000 THEN '10'
              WHEN us <= 30000000 THEN '30'
              WHEN us <= 60000000 THEN '60'
              WHEN us <= 300000000 THEN '300'
              WHEN us <= 3600000000 THEN '3600'
              ELSE '+Inf' END,
         CONNECTION_ID() % 32, 1),
        ('delivery_latency_sum_us', '', CONNECTION_ID() % 32, us)
      ON DUPLICATE KEY UPDATE value = value + VALUES(value);
    ELSE
      INSERT INTO metric_counters (name, label, shard, value) VALUES
        ('deliveries', OLD.status, CONNECTION_ID() % 32, -1),
        ('deliveries', NEW.status, CONNECTION_ID() % 32, 1)
      ON DUPLICATE KEY UPDATE value = value + VALUES(value);
    END IF;
  END IF;
END;

-- kcctl maintain's retention.
DROP TRIGGER IF EXISTS deliveries_metrics_delete;
CREATE TRIGGER deliveries_metrics_delete AFTER DELETE ON deliveries
FOR EACH ROW
  INSERT INTO metric_counters (name, label, shard, value)
  VALUES ('deliveries', OLD.status, CONNECTION_ID() % 32, -1)
  ON DUPLICATE KEY UPDATE value = value + VALUES(value);

-- The outcome of a try, from what lib/delivery/kc_send.c records: a 2xx,
-- a timeout (its error starts 'timeout:', even when headers came first),
-- an HTTP status, an address refused by the SSRF policy, or any other
-- failure before an answer (DNS, connect, TLS, reset, cannot sign).
DROP TRIGGER IF EXISTS delivery_attempts_metrics_insert;
CREATE TRIGGER delivery_attempts_metrics_insert AFTER INSERT
ON delivery_attempts
FOR EACH ROW
  INSERT INTO metric_counters (name, label, shard, value)
  VALUES ('delivery_attempts',
          CASE WHEN NEW.ok THEN 'ok'
               WHEN NEW.error LIKE 'timeout:%' THEN 'timeout'
               WHEN NEW.status_code BETWEEN 500 AND 599 THEN 'http_5xx'
               WHEN NEW.status_code BETWEEN 400 AND 499 THEN 'http_4xx'
               WHEN NEW.status_code BETWEEN 300 AND 399 THEN 'http_3xx'
               WHEN NEW.error LIKE 'address not allowed%' THEN 'blocked'
               ELSE 'transport' END,
          CONNECTION_ID() % 32, 1)
  ON DUPLICATE KEY UPDATE value = value + VALUES(value);

-- What is there already. Counters (attempts, latency) start from here. A
-- run that failed half-way (a missing privilege) may have left rows.
DELETE FROM metric_counters;
INSERT INTO metric_counters (name, label, shard, value)
SELECT 'deliveries', status, 0, COUNT(*) FROM deliveries GROUP BY status;

UNLOCK TABLES;
