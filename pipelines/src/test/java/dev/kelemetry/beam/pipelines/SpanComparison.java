package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Span rows as sorted JSON lines, for comparing two runs over the same logs whole, ids included. The one field that
 * may differ is {@code kelemetry.source}, which says where each record was read (a file or object and line, a topic
 * partition and offset).
 */
final class SpanComparison {
  private SpanComparison() {}

  /** Without {@code kelemetry.source}: runs that read the same records from different kinds of source. */
  static List<String> withoutSource(List<SpanRow> spans) {
    return withSource(spans, source -> null);
  }

  /**
   * With {@code kelemetry.source} rewritten by {@code source} (a null result drops it): runs that read the same files
   * from different places, e.g. a bucket and a local copy.
   */
  static List<String> withSource(List<SpanRow> spans, UnaryOperator<String> source) {
    return spans.stream().map(s -> {
      Map<String, Object> attributes = new TreeMap<>(s.attributes());
      attributes.computeIfPresent("kelemetry.source", (k, v) -> source.apply(String.valueOf(v)));
      return Rows.toJson(new SpanRow(s.traceId(), s.spanId(), s.parentSpanId(), s.kind(), s.name(), s.startTime(),
          s.endTime(), s.status(), s.cluster(), s.apiGroup(), s.resource(), s.namespace(), s.objectName(), s.uid(),
          s.windowStart(), attributes, s.events()));
    }).sorted().toList();
  }
}
