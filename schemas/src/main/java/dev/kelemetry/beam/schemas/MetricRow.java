package dev.kelemetry.beam.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.Serializable;
import java.util.List;
import java.util.SortedMap;

/**
 * One metric's aggregate for one event-time window and one combination of dimension values. The fields of the
 * {@code metrics} table (schemas/bigquery/metrics.json). Distributions are DDSketches written out with their bins, so
 * windows merge in SQL (sum the counts per bin value) without averaging percentiles.
 */
@JsonPropertyOrder({"metric", "window_start", "window_end", "dimensions", "count", "error_count", "latency_ms",
    "timeout_ratio", "bytes"})
public record MetricRow(
    @JsonProperty("metric") String metric,
    @JsonProperty("window_start") String windowStart,
    @JsonProperty("window_end") String windowEnd,
    @JsonProperty("dimensions") SortedMap<String, String> dimensions,
    @JsonProperty("count") long count,
    @JsonProperty("error_count") long errorCount,
    @JsonProperty("latency_ms") @JsonInclude(JsonInclude.Include.ALWAYS) Distribution latencyMs,
    @JsonProperty("timeout_ratio") @JsonInclude(JsonInclude.Include.ALWAYS) Distribution timeoutRatio,
    @JsonProperty("bytes") @JsonInclude(JsonInclude.Include.ALWAYS) Long bytes)
    implements Serializable {

  /**
   * A distribution of samples: exact count, sum, min and max; quantiles and bins from a sketch with a stated relative
   * accuracy. The fields of {@code latency_ms} and {@code timeout_ratio}.
   */
  @JsonPropertyOrder({"count", "sum", "min", "max", "p50", "p90", "p99", "relative_accuracy", "buckets"})
  public record Distribution(
      @JsonProperty("count") long count,
      @JsonProperty("sum") double sum,
      @JsonProperty("min") double min,
      @JsonProperty("max") double max,
      @JsonProperty("p50") double p50,
      @JsonProperty("p90") double p90,
      @JsonProperty("p99") double p99,
      @JsonProperty("relative_accuracy") double relativeAccuracy,
      @JsonProperty("buckets") List<Bucket> buckets)
      implements Serializable {}

  /** One bin of a sketch: its representative value and how many samples fell in it. */
  @JsonPropertyOrder({"value", "count"})
  public record Bucket(@JsonProperty("value") double value, @JsonProperty("count") long count) implements Serializable {}
}
