package dev.kelemetry.beam.transforms.metrics;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One metric over audit requests, as a user defines it: which dimensions to group by, which requests count
 * ({@code filter}: every named dimension has one of the listed values; {@code exclude}: none of the named dimensions
 * has one of its listed values), and which measures beyond the count and error count to keep.
 *
 * @param defaultTimeoutSeconds the timeout of a request that names none (the API server's {@code --request-timeout},
 *     60 s unless changed), for {@code timeout_ratio}
 */
public record MetricDefinition(
    String name,
    List<String> dimensions,
    Map<String, Set<String>> filter,
    Map<String, Set<String>> exclude,
    Set<Measure> measures,
    double defaultTimeoutSeconds)
    implements Serializable {

  /** What a metric measures beyond its count and error count, which every metric has. */
  public enum Measure {
    LATENCY, TIMEOUT_RATIO, BYTES;

    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Whether a request with these dimension values is counted by this metric. */
  public boolean accepts(Map<String, String> values) {
    for (Map.Entry<String, Set<String>> f : filter.entrySet()) {
      if (!f.getValue().contains(values.get(f.getKey()))) {
        return false;
      }
    }
    for (Map.Entry<String, Set<String>> f : exclude.entrySet()) {
      if (f.getValue().contains(values.get(f.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
