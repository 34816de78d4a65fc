-- Which objects are written most: per object, its audited writes (create, update, patch, delete) from the spans, how many failed, and who wrote it.
-- @param limit INT64 20 how many objects to show
-- @param cluster STRING '' only this cluster; '' for every cluster
-- Span attributes are JSON with dotted keys: the path quotes the key, '$."k8s.audit.verb"', on both engines.
SELECT
  cluster, resource, namespace, object_name,
  COUNT(*) AS writes,
  COUNTIF(status = 'error') AS failed,
  STRING_AGG(DISTINCT JSON_VALUE(attributes, '$."k8s.audit.user"'), ', ' ORDER BY JSON_VALUE(attributes, '$."k8s.audit.user"')) AS writers,
  MIN(start_time) AS first_write,
  MAX(start_time) AS last_write
FROM spans
WHERE kind = 'audit'
  AND JSON_VALUE(attributes, '$."k8s.audit.verb"') IN ('create', 'update', 'patch', 'delete', 'deletecollection')
  AND (@cluster = '' OR cluster = @cluster)
GROUP BY cluster, resource, namespace, object_name
ORDER BY writes DESC, cluster, resource, namespace, object_name
LIMIT @limit
