-- Request rate over time: requests per second in each metric window, per verb (with --chart, a line per verb).
-- @param cluster STRING '' only this cluster; '' for every cluster
-- @param user STRING '' only this user's requests; '' for everyone's
SELECT
  window_start,
  JSON_VALUE(dimensions, '$.verb') AS verb,
  ROUND(SUM(count) / MIN(UNIX_SECONDS(window_end) - UNIX_SECONDS(window_start)), 3) AS requests_per_second
FROM metrics
WHERE metric = 'requests'
  AND (@cluster = '' OR JSON_VALUE(dimensions, '$.cluster') = @cluster)
  AND (@user = '' OR JSON_VALUE(dimensions, '$.user') = @user)
GROUP BY window_start, verb
ORDER BY window_start, verb
