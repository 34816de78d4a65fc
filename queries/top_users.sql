-- Who hammers the API server: the users with the most requests over the whole range, their share of all requests, and how many of theirs failed.
-- @param limit INT64 20 how many users to show
-- @param cluster STRING '' only this cluster; '' for every cluster
-- Reads the `requests` metric (one row per window and cluster, verb, resource, subresource, namespace, user, code).
SELECT
  JSON_VALUE(dimensions, '$.user') AS user,
  SUM(count) AS requests,
  SUM(error_count) AS errors,
  ROUND(100 * SUM(count) / SUM(SUM(count)) OVER (), 2) AS percent_of_all
FROM metrics
WHERE metric = 'requests'
  AND (@cluster = '' OR JSON_VALUE(dimensions, '$.cluster') = @cluster)
GROUP BY user
ORDER BY requests DESC, user
LIMIT @limit
