-- Which controller (user) is failing: per user, the requests, the failed ones (code >= 400), the error rate, and how many failed on the server's side (5xx).
-- @param limit INT64 20 how many users to show, the most failures first
-- @param min_requests INT64 1 leave out users with fewer requests than this
-- @param cluster STRING '' only this cluster; '' for every cluster
SELECT
  JSON_VALUE(dimensions, '$.user') AS user,
  SUM(count) AS requests,
  SUM(error_count) AS errors,
  ROUND(100 * SUM(error_count) / SUM(count), 2) AS percent_failed,
  SUM(IF(STARTS_WITH(JSON_VALUE(dimensions, '$.code'), '5'), error_count, 0)) AS server_errors
FROM metrics
WHERE metric = 'requests'
  AND (@cluster = '' OR JSON_VALUE(dimensions, '$.cluster') = @cluster)
GROUP BY user
HAVING SUM(error_count) > 0 AND SUM(count) >= @min_requests
ORDER BY errors DESC, percent_failed DESC, user
LIMIT @limit
