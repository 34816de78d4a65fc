-- How fast do controllers react: per reaction metric (deployment to replicaset, replicaset to pods, pod scheduling, pod deletion) and controller, the reactions and their p50, p90 and p99 in ms, merged from every window's sketch bins.
-- @param cluster STRING '' only this cluster; '' for every cluster
-- Quantiles are read off the merged bins with DDSketch's rule, as in slow_requests.sql.
WITH bins AS (
  SELECT
    metric,
    JSON_VALUE(dimensions, '$.controller') AS controller,
    bucket.value AS value,
    SUM(bucket.count) AS n
  FROM metrics, UNNEST(latency_ms.buckets) AS bucket
  WHERE STARTS_WITH(metric, 'reaction.')
    AND (@cluster = '' OR JSON_VALUE(dimensions, '$.cluster') = @cluster)
  GROUP BY metric, controller, value
),
running AS (
  SELECT
    metric, controller, value,
    SUM(n) OVER (PARTITION BY metric, controller ORDER BY value ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS below,
    SUM(n) OVER (PARTITION BY metric, controller) AS samples
  FROM bins
)
SELECT
  metric,
  controller,
  MAX(samples) AS reactions,
  MIN(IF(below > 0.50 * (samples - 1), value, NULL)) AS p50_ms,
  MIN(IF(below > 0.90 * (samples - 1), value, NULL)) AS p90_ms,
  MIN(IF(below > 0.99 * (samples - 1), value, NULL)) AS p99_ms
FROM running
GROUP BY metric, controller
ORDER BY metric, controller
