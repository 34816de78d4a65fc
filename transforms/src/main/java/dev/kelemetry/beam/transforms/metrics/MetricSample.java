package dev.kelemetry.beam.transforms.metrics;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.SortedMap;

/**
 * One observation of one metric, before aggregation: an audit request, or one reaction of a controller (say a Pod
 * created, then bound). Its element time is {@code timeMicros}, which decides its metric window. Metrics of every
 * kind become rows through the same aggregation, so they all have the same fields.
 *
 * @param metric the definition's name
 * @param dimensions the definition's dimensions and this observation's values ("" when absent)
 * @param timeMicros the event time, epoch microseconds
 * @param error whether the observation failed (response code >= 400, a panic)
 * @param latencyMs the latency in milliseconds, or null when it has none (a watch, or the definition measures none)
 * @param timeoutRatio the latency divided by the request's own timeout, or null
 * @param bytes the body bytes the record carried, or null
 */
public record MetricSample(
    @JsonProperty("metric") String metric,
    @JsonProperty("dimensions") SortedMap<String, String> dimensions,
    @JsonProperty("time_micros") long timeMicros,
    @JsonProperty("error") boolean error,
    @JsonProperty("latency_ms") Double latencyMs,
    @JsonProperty("timeout_ratio") Double timeoutRatio,
    @JsonProperty("bytes") Long bytes)
    implements Serializable {

  /** A sample with only a latency, as reaction-time metrics have. */
  public static MetricSample latency(String metric, SortedMap<String, String> dimensions, long timeMicros, double latencyMs) {
    return new MetricSample(metric, dimensions, timeMicros, false, latencyMs, null, null);
  }
}
