package dev.kelemetry.beam.io.otlp;

import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.MetricRow.Distribution;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.data.SummaryData;
import io.opentelemetry.sdk.metrics.data.SummaryPointData;
import io.opentelemetry.sdk.metrics.data.ValueAtQuantile;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A metric row as the OpenTelemetry SDK's metric exporters take it: one OTLP metric per measure of the row, each with
 * one point for the row's window and dimensions (docs/otlp.md, "Metrics", is the user's view of this mapping).
 *
 * <ul>
 *   <li>{@code kelemetry.<metric>.count} and {@code .error_count}: delta, monotonic integer Sums;
 *   <li>{@code kelemetry.<metric>.latency} (unit {@code ms}) and {@code .timeout_ratio} (unit {@code 1}), when the row
 *       has them: Summaries with the exact count and sum, and quantiles 0 (the exact min), 0.5, 0.9, 0.99 (the
 *       sketch's) and 1 (the exact max);
 *   <li>{@code kelemetry.<metric>.bytes} (unit {@code By}), when the row has it: a delta, monotonic integer Sum.
 * </ul>
 *
 * <p>Every point starts at {@code window_start} and is stamped {@code window_end}: a row is what happened in its
 * window and nothing before, which is what delta temporality says. The dimensions are the point's attributes, all of
 * them, {@code cluster} too: backends that keep only point attributes on a series (Prometheus) would otherwise merge
 * the clusters. The resource is {@code service.name=kelemetry}, and, as for spans, {@code service.namespace} and
 * {@code k8s.cluster.name} are the {@code cluster} dimension when the row has a non-empty one.
 *
 * <p>Not an exponential histogram: a DDSketch's bins are on a log scale of base {@code (1+a)/(1-a)} for its relative
 * accuracy {@code a}, OTLP's on base {@code 2^(2^-scale)}; the two grids do not line up, so moving bins across would
 * put samples in buckets they were never in. The bins stay in the metrics table.
 */
final class MetricRowData {
  static final String PREFIX = "kelemetry.";
  static final String COUNT_UNIT = "{sample}";

  private MetricRowData() {}

  static List<MetricData> of(MetricRow row) {
    Resource resource = resource(row);
    Attributes attributes = attributes(row.dimensions());
    long start = SpanRowData.nanos(row.windowStart());
    long end = SpanRowData.nanos(row.windowEnd());
    String name = PREFIX + row.metric();
    List<MetricData> metrics = new ArrayList<>();
    metrics.add(sum(resource, name + ".count", "samples in the window with these dimensions", COUNT_UNIT,
        LongPointData.create(start, end, attributes, row.count())));
    metrics.add(sum(resource, name + ".error_count", "of count, the failed ones (response code >= 400 or a panic)",
        COUNT_UNIT, LongPointData.create(start, end, attributes, row.errorCount())));
    if (row.latencyMs() != null) {
      metrics.add(summary(resource, name + ".latency", "latency in milliseconds (quantiles from a DDSketch)", "ms",
          point(start, end, attributes, row.latencyMs())));
    }
    if (row.timeoutRatio() != null) {
      metrics.add(summary(resource, name + ".timeout_ratio", "latency divided by the request's own timeout", "1",
          point(start, end, attributes, row.timeoutRatio())));
    }
    if (row.bytes() != null) {
      metrics.add(sum(resource, name + ".bytes", "request and response body bytes the audit level recorded", "By",
          LongPointData.create(start, end, attributes, row.bytes())));
    }
    return metrics;
  }

  static Resource resource(MetricRow row) {
    AttributesBuilder b = Attributes.builder().put("service.name", "kelemetry");
    String cluster = row.dimensions() == null ? null : row.dimensions().get("cluster");
    if (cluster != null && !cluster.isEmpty()) {
      b.put("service.namespace", cluster).put("k8s.cluster.name", cluster);
    }
    return Resource.create(b.build());
  }

  /** Dimension values are text, an absent one the empty string: kept as such, so every series has the same keys. */
  static Attributes attributes(Map<String, String> dimensions) {
    AttributesBuilder b = Attributes.builder();
    if (dimensions != null) {
      dimensions.forEach(b::put);
    }
    return b.build();
  }

  /** The row's exact min and max are OTLP's quantiles 0 and 1, as the Summary's definition has them. */
  static SummaryPointData point(long start, long end, Attributes attributes, Distribution d) {
    return SummaryPointData.create(start, end, attributes, d.count(), d.sum(), List.of(
        ValueAtQuantile.create(0.0, d.min()),
        ValueAtQuantile.create(0.5, d.p50()),
        ValueAtQuantile.create(0.9, d.p90()),
        ValueAtQuantile.create(0.99, d.p99()),
        ValueAtQuantile.create(1.0, d.max())));
  }

  private static MetricData sum(Resource resource, String name, String description, String unit, LongPointData point) {
    return new Metric(resource, name, description, unit, MetricDataType.LONG_SUM,
        SumData.createLongSumData(true, AggregationTemporality.DELTA, List.of(point)));
  }

  private static MetricData summary(Resource resource, String name, String description, String unit,
      SummaryPointData point) {
    return new Metric(resource, name, description, unit, MetricDataType.SUMMARY, SummaryData.create(List.of(point)));
  }

  /**
   * The one piece built here rather than by the SDK: the points and data above come from the public factories of
   * {@code io.opentelemetry.sdk.metrics.data}, but a MetricData has only {@code ImmutableMetricData}, in the SDK's
   * {@code internal} package, which promises no compatibility from one release to the next. The interface's default
   * methods ({@code getLongSumData()}, ...) read {@code data} by {@code type}, as the exporter's marshalers do.
   */
  private record Metric(Resource resource, String name, String description, String unit, MetricDataType type,
      Data<?> data) implements MetricData {
    @Override
    public Resource getResource() {
      return resource;
    }

    @Override
    public InstrumentationScopeInfo getInstrumentationScopeInfo() {
      return SpanRowData.SCOPE;
    }

    @Override
    public String getName() {
      return name;
    }

    @Override
    public String getDescription() {
      return description;
    }

    @Override
    public String getUnit() {
      return unit;
    }

    @Override
    public MetricDataType getType() {
      return type;
    }

    @Override
    public Data<?> getData() {
      return data;
    }
  }
}
