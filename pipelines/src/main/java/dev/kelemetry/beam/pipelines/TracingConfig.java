package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.io.ObjectStorage;
import dev.kelemetry.beam.io.bigquery.BigQueryTarget;
import dev.kelemetry.beam.io.otlp.OtlpOptions;
import dev.kelemetry.beam.transforms.metrics.MetricDefinitions;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.joda.time.Duration;

/**
 * Everything a run needs, parsed and checked once by the command line and handed to the graph as typed values.
 *
 * @param cluster the cluster of records whose input names none
 * @param window trace window: one trace per root object per window (epoch-aligned)
 * @param maxOwnerDepth owner hops above an object before its chain stops
 * @param stateTtl how long object state and owner links live after an object's last request (event time)
 * @param redactPaths extra {@code [resource:]path} to redact, beyond Secret values
 * @param clusterFromPath a regex whose first group in a file's path is its cluster (inputs without {@code @CLUSTER}), or null
 * @param objectStorage where {@code s3://} and {@code gs://} inputs are read from
 * @param plugins custom sources and the linkers switched off
 * @param otlp where spans are also exported over OTLP, or null
 * @param bigQuery the dataset that also gets the spans and dead letters tables, or null
 * @param metrics the metrics to compute ({@link MetricDefinitions#none()}: none)
 * @param metricsWindow the event-time window of request metrics (reaction times use the trace window)
 * @param sortingInState whether the steps that need their input in event-time order sort it in their own state
 *     instead of asking the runner ({@code @RequiresTimeSortedInput}): for Dataflow streaming, which rejects that
 * @param since only records at or after this event time are traced and measured, or null (the Flex Template's
 *     backfill range; the command line's --since applies to BigQuery tables, in the read)
 * @param until only records before this event time, or null
 */
public record TracingConfig(
    List<InputSpec> inputs,
    String output,
    String cluster,
    Duration window,
    int maxOwnerDepth,
    Duration stateTtl,
    List<String> redactPaths,
    Pattern clusterFromPath,
    ObjectStorage objectStorage,
    PluginConfig plugins,
    OtlpOptions otlp,
    BigQueryTarget bigQuery,
    MetricDefinitions metrics,
    Duration metricsWindow,
    boolean sortingInState,
    java.time.Instant since,
    java.time.Instant until) {

  public TracingConfig {
    inputs = List.copyOf(inputs);
    redactPaths = List.copyOf(redactPaths);
    objectStorage = objectStorage == null ? ObjectStorage.defaults() : objectStorage;
    plugins = plugins == null ? PluginConfig.NONE : plugins;
    if (window.getMillis() <= 0 || Duration.standardDays(1).getMillis() % window.getMillis() != 0) {
      throw new IllegalArgumentException("--window must divide a day evenly (e.g. 5m, 30m, 1h), got " + window);
    }
    metrics = metrics == null ? MetricDefinitions.none() : metrics;
    if (since != null && until != null && !since.isBefore(until)) {
      throw new IllegalArgumentException("since (" + since + ") must be before until (" + until + ")");
    }
    metricsWindow = metricsWindow == null ? Duration.standardMinutes(1) : metricsWindow;
    if (metricsWindow.getMillis() <= 0 || Duration.standardDays(1).getMillis() % metricsWindow.getMillis() != 0) {
      throw new IllegalArgumentException("--metrics-window must divide a day evenly (e.g. 10s, 1m, 5m), got "
          + metricsWindow);
    }
  }

  public static TracingConfig defaults(List<InputSpec> inputs, String output) {
    return new TracingConfig(inputs, output, "default", Duration.standardMinutes(30), 10, Duration.standardHours(24),
        List.of(), null, ObjectStorage.defaults(), PluginConfig.NONE, null, null, MetricDefinitions.defaults(),
        Duration.standardMinutes(1), false, null, null);
  }

  public TracingConfig withCluster(String c) {
    return with(b -> b.cluster = c);
  }

  public TracingConfig withWindow(Duration w) {
    return with(b -> b.window = w);
  }

  public TracingConfig withMaxOwnerDepth(int d) {
    return with(b -> b.maxOwnerDepth = d);
  }

  public TracingConfig withStateTtl(Duration ttl) {
    return with(b -> b.stateTtl = ttl);
  }

  public TracingConfig withRedactPaths(List<String> paths) {
    return with(b -> b.redactPaths = paths);
  }

  public TracingConfig withClusterFromPath(Pattern pattern) {
    return with(b -> b.clusterFromPath = pattern);
  }

  public TracingConfig withObjectStorage(ObjectStorage storage) {
    return with(b -> b.objectStorage = storage);
  }

  public TracingConfig withPlugins(PluginConfig p) {
    return with(b -> b.plugins = p);
  }

  public TracingConfig withOtlp(OtlpOptions o) {
    return with(b -> b.otlp = o);
  }

  public TracingConfig withBigQuery(BigQueryTarget t) {
    return with(b -> b.bigQuery = t);
  }

  public TracingConfig withMetrics(MetricDefinitions m) {
    return with(b -> b.metrics = m);
  }

  public TracingConfig withMetricsWindow(Duration w) {
    return with(b -> b.metricsWindow = w);
  }

  public TracingConfig withSortingInState(boolean sorting) {
    return with(b -> b.sortingInState = sorting);
  }

  public TracingConfig withTimeRange(java.time.Instant from, java.time.Instant to) {
    return with(b -> {
      b.since = from;
      b.until = to;
    });
  }

  /** A copy with some fields changed: one place that lists every field, so a new field is one line per method. */
  private TracingConfig with(Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return new TracingConfig(f.inputs, f.output, f.cluster, f.window, f.maxOwnerDepth, f.stateTtl, f.redactPaths,
        f.clusterFromPath, f.objectStorage, f.plugins, f.otlp, f.bigQuery, f.metrics, f.metricsWindow,
        f.sortingInState, f.since, f.until);
  }

  private static final class Fields {
    List<InputSpec> inputs;
    String output;
    String cluster;
    Duration window;
    int maxOwnerDepth;
    Duration stateTtl;
    List<String> redactPaths;
    Pattern clusterFromPath;
    ObjectStorage objectStorage;
    PluginConfig plugins;
    OtlpOptions otlp;
    BigQueryTarget bigQuery;
    MetricDefinitions metrics;
    Duration metricsWindow;
    boolean sortingInState;
    java.time.Instant since;
    java.time.Instant until;

    Fields(TracingConfig c) {
      inputs = c.inputs;
      output = c.output;
      cluster = c.cluster;
      window = c.window;
      maxOwnerDepth = c.maxOwnerDepth;
      stateTtl = c.stateTtl;
      redactPaths = c.redactPaths;
      clusterFromPath = c.clusterFromPath;
      objectStorage = c.objectStorage;
      plugins = c.plugins;
      otlp = c.otlp;
      bigQuery = c.bigQuery;
      metrics = c.metrics;
      metricsWindow = c.metricsWindow;
      sortingInState = c.sortingInState;
      since = c.since;
      until = c.until;
    }
  }
}
