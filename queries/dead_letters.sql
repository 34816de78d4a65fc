-- What could not be used, and why: dead letters by the step that gave up and its reason, with how many inputs they came from and one place to look.
-- @param limit INT64 50 how many step and reason pairs to show, the most frequent first
SELECT
  step,
  reason,
  COUNT(*) AS records,
  COUNT(DISTINCT source) AS sources,
  MIN(CONCAT(source, ':', CAST(line AS STRING))) AS example
FROM dead_letters
GROUP BY step, reason
ORDER BY records DESC, step, reason
LIMIT @limit
