package dev.kelemetry.beam.pipelines.serve;

import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.spans.SpanIds;

/**
 * An object as the query service shows it: cluster, group, resource, namespace and name, without the uid. Kelemetry's
 * display merges by name too, and it has to here: the rows keep a uid-less span for requests made before the object
 * existed (a 404 get of {@code deployments/demo}), and one search for that name must give one span, not two roots.
 */
record ObjectKey(String cluster, String apiGroup, String resource, String namespace, String name) {

  static ObjectKey of(SpanRow row) {
    return new ObjectKey(row.cluster(), nonNull(row.apiGroup()), row.resource(), nonNull(row.namespace()),
        nonNull(row.objectName()));
  }

  /** 12 hex digits: the part of a synthetic trace id that names the object (see {@link TraceIds}). */
  String hash() {
    return SpanIds.hash(6, "serve-object", cluster, apiGroup, resource, namespace, name);
  }

  /** 16 hex digits: the one span that stands for this object in a merged trace, whatever windows it spans. */
  String spanId() {
    return SpanIds.hash(8, "serve-span", cluster, apiGroup, resource, namespace, name);
  }

  /** 16 hex digits: the span that gathers this object's requests in the {@code grouped} display mode. */
  String groupSpanId() {
    return SpanIds.hash(8, "serve-group", cluster, apiGroup, resource, namespace, name);
  }

  /** {@code <resource>/<name>}, the object span's name in the rows. */
  String operationName() {
    return resource + "/" + name;
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }
}
