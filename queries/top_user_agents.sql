-- Which clients hammer the API server: the user agents with the most requests over the whole range, and their share of all requests.
-- @param limit INT64 20 how many user agents to show
-- @param cluster STRING '' only this cluster; '' for every cluster
-- Reads the `requests_by_user_agent` metric, whose `user_agent_product` is the program part of the agent
-- (kubectl, kube-controller-manager, kubelet): versions and build strings do not split one client into many.
SELECT
  JSON_VALUE(dimensions, '$.user_agent_product') AS user_agent,
  SUM(count) AS requests,
  SUM(error_count) AS errors,
  ROUND(100 * SUM(count) / SUM(SUM(count)) OVER (), 2) AS percent_of_all
FROM metrics
WHERE metric = 'requests_by_user_agent'
  AND (@cluster = '' OR JSON_VALUE(dimensions, '$.cluster') = @cluster)
GROUP BY user_agent
ORDER BY requests DESC, user_agent
LIMIT @limit
