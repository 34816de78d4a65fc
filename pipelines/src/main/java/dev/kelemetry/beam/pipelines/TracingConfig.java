package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.io.ObjectStorage;
import java.util.List;
import java.util.regex.Pattern;
import org.joda.time.Duration;

/**
 * Everything a backfill needs, parsed and checked once by the command line and handed to the graph as typed values.
 *
 * @param cluster the cluster of records whose input names none
 * @param window trace window: one trace per root object per window (epoch-aligned)
 * @param maxOwnerDepth owner hops above an object before its chain stops
 * @param stateTtl how long object state and owner links live after an object's last request (event time)
 * @param redactPaths extra {@code [resource:]path} to redact, beyond Secret values
 * @param clusterFromPath a regex whose first group in a file's path is its cluster (inputs without {@code @CLUSTER}), or null
 * @param objectStorage where {@code s3://} and {@code gs://} inputs are read from
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
    ObjectStorage objectStorage) {

  public TracingConfig {
    inputs = List.copyOf(inputs);
    redactPaths = List.copyOf(redactPaths);
    if (window.getMillis() <= 0 || Duration.standardDays(1).getMillis() % window.getMillis() != 0) {
      throw new IllegalArgumentException("--window must divide a day evenly (e.g. 5m, 30m, 1h), got " + window);
    }
  }

  public static TracingConfig defaults(List<InputSpec> inputs, String output) {
    return new TracingConfig(inputs, output, "default", Duration.standardMinutes(30), 10, Duration.standardHours(24), List.of(), null,
        ObjectStorage.defaults());
  }

  public TracingConfig withCluster(String c) {
    return new TracingConfig(inputs, output, c, window, maxOwnerDepth, stateTtl, redactPaths, clusterFromPath, objectStorage);
  }

  public TracingConfig withWindow(Duration w) {
    return new TracingConfig(inputs, output, cluster, w, maxOwnerDepth, stateTtl, redactPaths, clusterFromPath, objectStorage);
  }

  public TracingConfig withMaxOwnerDepth(int d) {
    return new TracingConfig(inputs, output, cluster, window, d, stateTtl, redactPaths, clusterFromPath, objectStorage);
  }

  public TracingConfig withStateTtl(Duration ttl) {
    return new TracingConfig(inputs, output, cluster, window, maxOwnerDepth, ttl, redactPaths, clusterFromPath, objectStorage);
  }

  public TracingConfig withRedactPaths(List<String> paths) {
    return new TracingConfig(inputs, output, cluster, window, maxOwnerDepth, stateTtl, paths, clusterFromPath, objectStorage);
  }

  public TracingConfig withClusterFromPath(Pattern pattern) {
    return new TracingConfig(inputs, output, cluster, window, maxOwnerDepth, stateTtl, redactPaths, pattern, objectStorage);
  }

  public TracingConfig withObjectStorage(ObjectStorage storage) {
    return new TracingConfig(inputs, output, cluster, window, maxOwnerDepth, stateTtl, redactPaths, clusterFromPath, storage);
  }
}
