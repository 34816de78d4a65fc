package dev.kelemetry.beam.pipelines.serve;

import dev.kelemetry.beam.schemas.SpanRow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A search, in Kelemetry's terms: the cluster (Jaeger's "operation"), tags naming the object ({@code resource},
 * {@code namespace}, {@code name}, {@code uid}; any other tag must equal an attribute of the object span, e.g.
 * {@code kelemetry.link.pod-node}) and a time range in epoch microseconds.
 *
 * @param cluster null for every cluster
 */
record ObjectQuery(String cluster, Map<String, String> tags, long startMicros, long endMicros) {

  boolean matches(SpanRow objectSpan) {
    if (cluster != null && !cluster.equals(objectSpan.cluster())) {
      return false;
    }
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      String actual = switch (tag.getKey()) {
        case "resource" -> objectSpan.resource();
        case "namespace" -> objectSpan.namespace();
        case "name" -> objectSpan.objectName();
        case "uid" -> objectSpan.uid();
        case "cluster" -> objectSpan.cluster();
        default -> objectSpan.attributes() == null ? null : Objects.toString(objectSpan.attributes().get(tag.getKey()), null);
      };
      if (!tag.getValue().equals(actual == null ? "" : actual)) {
        return false;
      }
    }
    return SpanStore.micros(objectSpan.startTime()) <= endMicros && SpanStore.micros(objectSpan.endTime()) >= startMicros;
  }

  /**
   * One merged trace per object found, the most recently active first, at most {@code limit}: the windows in range
   * in which the object has a span are merged, from the first to the last.
   */
  List<TraceIds.Merged> search(SpanStore store, DisplayMode mode, int limit) {
    Map<ObjectKey, long[]> found = new HashMap<>(); // first window, last window, last end
    store.objectSpans().forEach((key, spans) -> {
      for (SpanRow span : spans) {
        if (matches(span)) {
          long window = SpanStore.micros(span.windowStart());
          long end = SpanStore.micros(span.endTime());
          long[] range = found.computeIfAbsent(key, k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE});
          range[0] = Math.min(range[0], window);
          range[1] = Math.max(range[1], window);
          range[2] = Math.max(range[2], end);
        }
      }
    });
    List<Map.Entry<ObjectKey, long[]>> ordered = new ArrayList<>(found.entrySet());
    // newest first, as Jaeger lists; the object's name breaks ties so the answer does not depend on hashing order
    ordered.sort(Comparator.comparingLong((Map.Entry<ObjectKey, long[]> e) -> -e.getValue()[2])
        .thenComparing(e -> e.getKey().toString()));
    return ordered.stream().limit(limit)
        .map(e -> new TraceIds.Merged(mode, e.getKey().hash(), e.getValue()[0], e.getValue()[1]))
        .toList();
  }
}
