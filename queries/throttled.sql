-- Which requests are throttled (HTTP 429) and for whom: per user, verb and resource, the throttled requests, their share of that user's requests of that kind, and when they happened.
-- @param limit INT64 20 how many rows to show, the most throttled first
-- @param cluster STRING '' only this cluster; '' for every cluster
-- Reads the `requests` metric (its `code` dimension), so the share has the user's other requests to compare with.
SELECT
  user, verb, resource, throttled, requests,
  ROUND(100 * throttled / requests, 2) AS percent_throttled,
  first_throttled, last_throttled
FROM (
  SELECT
    JSON_VALUE(dimensions, '$.user') AS user,
    JSON_VALUE(dimensions, '$.verb') AS verb,
    JSON_VALUE(dimensions, '$.resource') AS resource,
    SUM(IF(JSON_VALUE(dimensions, '$.code') = '429', count, 0)) AS throttled,
    SUM(count) AS requests,
    MIN(IF(JSON_VALUE(dimensions, '$.code') = '429', window_start, NULL)) AS first_throttled,
    MAX(IF(JSON_VALUE(dimensions, '$.code') = '429', window_end, NULL)) AS last_throttled
  FROM metrics
  WHERE metric = 'requests'
    AND (@cluster = '' OR JSON_VALUE(dimensions, '$.cluster') = @cluster)
  GROUP BY user, verb, resource
)
WHERE throttled > 0
ORDER BY throttled DESC, user, verb, resource
LIMIT @limit
