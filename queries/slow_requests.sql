-- Which requests are slow: latency p50, p90 and p99 per verb and resource over the whole range, merged from every window's sketch bins (never an average of percentiles).
-- @param limit INT64 20 how many verb and resource pairs to show, the slowest p99 first
-- @param min_requests INT64 1 leave out pairs with fewer timed requests than this
-- @param cluster STRING '' only this cluster; '' for every cluster
-- Quantile q is the value of the first bin (in value order) whose running count exceeds q * (samples - 1): DDSketch's
-- own rule, so the answer is what one sketch of all the samples would say, within its relative accuracy of the truth.
WITH bins AS (
  SELECT
    JSON_VALUE(dimensions, '$.verb') AS verb,
    JSON_VALUE(dimensions, '$.resource') AS resource,
    bucket.value AS value,
    SUM(bucket.count) AS n
  FROM metrics, UNNEST(latency_ms.buckets) AS bucket
  WHERE metric = 'requests'
    AND (@cluster = '' OR JSON_VALUE(dimensions, '$.cluster') = @cluster)
  GROUP BY verb, resource, value
),
running AS (
  SELECT
    verb, resource, value,
    SUM(n) OVER (PARTITION BY verb, resource ORDER BY value ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS below,
    SUM(n) OVER (PARTITION BY verb, resource) AS samples
  FROM bins
)
SELECT
  verb,
  resource,
  MAX(samples) AS requests,
  MIN(IF(below > 0.50 * (samples - 1), value, NULL)) AS p50_ms,
  MIN(IF(below > 0.90 * (samples - 1), value, NULL)) AS p90_ms,
  MIN(IF(below > 0.99 * (samples - 1), value, NULL)) AS p99_ms
FROM running
GROUP BY verb, resource
HAVING MAX(samples) >= @min_requests
ORDER BY p99_ms DESC, verb, resource
LIMIT @limit
