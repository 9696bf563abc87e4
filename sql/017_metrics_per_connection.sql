-- Each connection keeps counter rows of its own: shard CONNECTION_ID() + 1
-- (no two live connections share one), and shard 0 holds what connections
-- that have ended counted, folded in by kcctl maintain. With shards by
-- CONNECTION_ID() % 32 two connections could share rows, and one moving a
-- delivery from failed to in_flight (its rows: failed, then in_flight)
-- deadlocked with one moving another from in_flight to failed. The rows
-- already there stay: a connection that lands on one adds to it, and the
-- sums stay right.
ALTER TABLE metric_counters MODIFY shard BIGINT UNSIGNED NOT NULL;

LOCK TABLES deliveries WRITE, delivery_attempts WRITE, metric_counters WRITE;

DROP TRIGGER IF EXISTS deliveries_metrics_insert;
CREATE TRIGGER deliveries_metrics_insert AFTER INSERT ON deliveries
FOR EACH ROW
  INSERT INTO metric_counters (name, label, shard, value)
  VALUES ('deliveries', NEW.status, CONNECTION_ID() + 1, 1)
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
        ('deliveries', OLD.status, CONNECTION_ID() + 1, -1),
        ('deliveries', NEW.status, CONNECTION_ID() + 1, 1),
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
         CONNECTION_ID() + 1, 1),
        ('delivery_latency_sum_us', '', CONNECTION_ID() + 1, us)
      ON DUPLICATE KEY UPDATE value = value + VALUES(value);
    ELSE
      INSERT INTO metric_counters (name, label, shard, value) VALUES
        ('deliveries', OLD.status, CONNECTION_ID() + 1, -1),
        ('deliveries', NEW.status, CONNECTION_ID() + 1, 1)
      ON DUPLICATE KEY UPDATE value = value + VALUES(value);
    END IF;
  END IF;
END;

DROP TRIGGER IF EXISTS deliveries_metrics_delete;
CREATE TRIGGER deliveries_metrics_delete AFTER DELETE ON deliveries
FOR EACH ROW
  INSERT INTO metric_counters (name, label, shard, value)
  VALUES ('deliveries', OLD.status, CONNECTION_ID() + 1, -1)
  ON DUPLICATE KEY UPDATE value = value + VALUES(value);

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
          CONNECTION_ID() + 1, 1)
  ON DUPLICATE KEY UPDATE value = value + VALUES(value);

UNLOCK TABLES;
