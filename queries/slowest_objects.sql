-- Which objects have the slowest requests: per object, its audited requests (from the spans), the slowest one's duration and the mean, slowest first.
-- @param limit INT64 20 how many objects to show
-- @param cluster STRING '' only this cluster; '' for every cluster
-- A duration is end_time - start_time (requestReceivedTimestamp to stageTimestamp) in ms. The mean is of durations,
-- which is sound; a percentile of many objects would need the metrics' sketches (slow_requests.sql).
SELECT
  cluster, resource, namespace, object_name,
  COUNT(*) AS requests,
  ROUND(MAX(UNIX_MICROS(end_time) - UNIX_MICROS(start_time)) / 1000, 3) AS slowest_ms,
  ROUND(AVG(UNIX_MICROS(end_time) - UNIX_MICROS(start_time)) / 1000, 3) AS mean_ms
FROM spans
WHERE kind = 'audit'
  AND (@cluster = '' OR cluster = @cluster)
GROUP BY cluster, resource, namespace, object_name
ORDER BY slowest_ms DESC, cluster, resource, namespace, object_name
LIMIT @limit
