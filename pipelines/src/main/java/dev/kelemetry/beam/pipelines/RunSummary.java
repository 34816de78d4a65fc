package dev.kelemetry.beam.pipelines;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.io.otlp.WriteOtlpMetrics;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.track.ObjectTracker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * The counters of a finished run, as {@code summary.json} and as the lines printed at the end. Records read always
 * equal parsed + dead-lettered + filtered; the summary says so, or says by how much it does not.
 */
public record RunSummary(Map<String, Long> counters, double seconds) {

  public static RunSummary of(PipelineResult result, double seconds) {
    MetricQueryResults metrics = result.metrics().queryMetrics(
        MetricsFilter.builder().addNameFilter(MetricNameFilter.inNamespace(Counters.NAMESPACE)).build());
    Map<String, Long> counters = new TreeMap<>();
    for (MetricResult<Long> c : metrics.getCounters()) {
      Long value = committedOrAttempted(c);
      counters.merge(c.getName().getName(), value == null ? 0L : value, Long::sum);
    }
    return new RunSummary(counters, seconds);
  }

  private static Long committedOrAttempted(MetricResult<Long> c) {
    try {
      return c.getCommitted();
    } catch (UnsupportedOperationException e) {
      return c.getAttempted();
    }
  }

  public long get(String name) {
    return counters.getOrDefault(name, 0L);
  }

  public boolean accountsForEveryRecord() {
    return get(Counters.RECORDS_READ)
        == get(Counters.RECORDS_PARSED) + get(Counters.RECORDS_DEAD_LETTERED) + get(Counters.RECORDS_FILTERED);
  }

  public ObjectNode toJson(TracingConfig config, String runner) {
    ObjectNode root = Rows.JSON.createObjectNode();
    root.putArray("inputs").addAll(config.inputs().stream().map(i -> Rows.JSON.getNodeFactory().textNode(i.glob())).toList());
    root.put("output", config.output());
    root.put("runner", runner);
    root.put("cluster", config.cluster());
    root.put("window_seconds", config.window().getStandardSeconds());
    ObjectNode records = root.putObject("records");
    records.put("read", get(Counters.RECORDS_READ));
    records.put("parsed", get(Counters.RECORDS_PARSED));
    records.put("dead_lettered", get(Counters.RECORDS_DEAD_LETTERED));
    records.put("filtered", get(Counters.RECORDS_FILTERED));
    records.put("late", get(Counters.RECORDS_LATE));
    ObjectNode filtered = records.putObject("filtered_by_reason");
    counters.forEach((k, v) -> {
      if (k.startsWith(Counters.FILTERED_PREFIX)) {
        filtered.put(k.substring(Counters.FILTERED_PREFIX.length()), v);
      }
    });
    records.put("accounted_for", accountsForEveryRecord());
    root.put("input_items", get(Counters.INPUT_ITEMS));
    root.put("requests", get(Counters.REQUESTS));
    root.put("object_states", get(Counters.STATES));
    root.put("kubernetes_events", get(Counters.EVENTS));
    root.put("states_already_known", get(ObjectTracker.STATE_UNCHANGED));
    root.put("states_older_than_known", get(ObjectTracker.STATE_STALE));
    root.put("requests_without_object", get(Counters.REQUESTS_WITHOUT_OBJECT));
    root.put("requests_dead_lettered", get(Counters.REQUESTS_DEAD_LETTERED));
    root.put("objects", get(Counters.OBJECTS));
    root.put("traces", get(Counters.TRACES));
    ObjectNode spans = root.putObject("spans");
    spans.put(SpanRow.KIND_OBJECT, get(Counters.SPANS_PREFIX + SpanRow.KIND_OBJECT));
    spans.put(SpanRow.KIND_AUDIT, get(Counters.SPANS_PREFIX + SpanRow.KIND_AUDIT));
    spans.put(SpanRow.KIND_EVENT, get(Counters.SPANS_PREFIX + SpanRow.KIND_EVENT));
    spans.put(SpanRow.KIND_STATE, get(Counters.SPANS_PREFIX + SpanRow.KIND_STATE));
    root.put("owners_known_only_from_references", get(Counters.PLACEHOLDER_OWNERS));
    root.put("spans_without_placement", get(Counters.SPANS_WITHOUT_PLACEMENT));
    ObjectNode metrics = root.putObject("metrics");
    metrics.put("window_seconds", config.metricsWindow().getStandardSeconds());
    metrics.put("requests", get(Counters.METRIC_REQUESTS));
    metrics.put("samples", get(Counters.METRIC_SAMPLES));
    metrics.put("rows", get(Counters.METRIC_ROWS));
    if (config.otlp() != null) {
      ObjectNode otlp = root.putObject("otlp");
      otlp.put("endpoint", config.otlp().endpoint());
      otlp.put("spans_exported", get(Counters.OTLP_EXPORTED));
      otlp.put("retries", get(Counters.OTLP_RETRIES));
      otlp.put("spans_failed", get(Counters.OTLP_FAILED));
      otlp.put("metric_rows_exported", get(WriteOtlpMetrics.EXPORTED));
      otlp.put("metric_retries", get(WriteOtlpMetrics.RETRIES));
      otlp.put("metric_rows_failed", get(WriteOtlpMetrics.FAILED));
    }
    root.put("seconds", Math.round(seconds * 10) / 10.0);
    root.put("records_per_second", seconds > 0 ? Math.round(get(Counters.RECORDS_READ) / seconds) : 0);
    return root;
  }

  public void write(Path file, TracingConfig config, String runner) throws IOException {
    Files.writeString(file, Rows.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(config, runner)) + "\n");
  }

  /** A few lines for the terminal. */
  public String describe() {
    String otlp = get(Counters.OTLP_EXPORTED) + get(Counters.OTLP_FAILED) == 0 ? "" : String.format(
        "OTLP: %,d spans exported, %,d failed (dead letters), %,d retries; %,d metric rows exported, %,d failed%n",
        get(Counters.OTLP_EXPORTED), get(Counters.OTLP_FAILED), get(Counters.OTLP_RETRIES),
        get(WriteOtlpMetrics.EXPORTED), get(WriteOtlpMetrics.FAILED));
    return otlp + String.format(
        "records: %,d read = %,d parsed + %,d dead-lettered + %,d filtered%s%n"
            + "requests: %,d   object states: %,d   Kubernetes Events: %,d   objects: %,d   traces: %,d%n"
            + "spans: %,d object + %,d audit + %,d event + %,d state%n"
            + "metrics: %,d samples of %,d requests -> %,d rows%n"
            + "time: %.1f s (%,d records/s)",
        get(Counters.RECORDS_READ), get(Counters.RECORDS_PARSED), get(Counters.RECORDS_DEAD_LETTERED),
        get(Counters.RECORDS_FILTERED), accountsForEveryRecord() ? "" : "  (DOES NOT ADD UP)",
        get(Counters.REQUESTS), get(Counters.STATES), get(Counters.EVENTS), get(Counters.OBJECTS), get(Counters.TRACES),
        get(Counters.SPANS_PREFIX + SpanRow.KIND_OBJECT), get(Counters.SPANS_PREFIX + SpanRow.KIND_AUDIT),
        get(Counters.SPANS_PREFIX + SpanRow.KIND_EVENT), get(Counters.SPANS_PREFIX + SpanRow.KIND_STATE),
        get(Counters.METRIC_SAMPLES), get(Counters.METRIC_REQUESTS), get(Counters.METRIC_ROWS),
        seconds, seconds > 0 ? Math.round(get(Counters.RECORDS_READ) / seconds) : 0);
  }
}
