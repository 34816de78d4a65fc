-- Which object hangs under which: each object's parents (and, with role '', its related links) from the links table, the linker that found the link, and the windows it was seen in.
-- @param object STRING '' only objects of this name; '' for all
-- @param role STRING 'parent' parent (the trace tree's edges), related, or '' for both
-- @param limit INT64 100 how many links to show
SELECT
  cluster, resource, namespace, object_name,
  role,
  target,
  linker,
  COUNT(*) AS windows,
  MIN(first_seen) AS first_seen,
  MAX(last_seen) AS last_seen
FROM links
WHERE (@object = '' OR object_name = @object)
  AND (@role = '' OR role = @role)
GROUP BY cluster, resource, namespace, object_name, role, target, linker
ORDER BY cluster, resource, namespace, object_name, role, target
LIMIT @limit
