package dev.kelemetry.beam.transforms.metrics;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.transforms.metrics.MetricDefinition.Measure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The samples one audit request gives: one per metric definition that accepts it. The request must already be
 * deduplicated (one record per auditID, its last stage), which is what makes "each request counts once" hold.
 */
public final class RequestSamples {
  private RequestSamples() {}

  public static List<MetricSample> of(ControlPlaneRecord r, List<MetricDefinition> definitions) {
    List<MetricSample> samples = new ArrayList<>(definitions.size());
    if (!r.isAudit()) {
      return samples;
    }
    Map<String, String> values = RequestDimensions.of(r);
    Double latency = latencyMs(r);
    for (MetricDefinition d : definitions) {
      if (!d.accepts(values)) {
        continue;
      }
      TreeMap<String, String> dimensions = new TreeMap<>();
      d.dimensions().forEach(name -> dimensions.put(name, values.get(name)));
      Double ratio = null;
      if (latency != null && d.measures().contains(Measure.TIMEOUT_RATIO)) {
        double timeout = RequestTimeouts.seconds(r.requestUri());
        timeout = Double.isNaN(timeout) || timeout <= 0 ? d.defaultTimeoutSeconds() : timeout;
        ratio = latency / 1000.0 / timeout;
      }
      samples.add(new MetricSample(d.name(), dimensions, r.requestReceivedMicros(), r.failed(),
          d.measures().contains(Measure.LATENCY) ? latency : null, ratio,
          d.measures().contains(Measure.BYTES) ? bodyBytes(r) : null));
    }
    return samples;
  }

  /**
   * From receipt to the last stage, for requests that completed (ResponseComplete, Panic). Long-running requests
   * (watches, exec, logs) have none: their duration is the client's choice, not the server's speed. Nor has a record
   * without a stage time (old writers): the parser gives it its receipt time, and a 0 would pull quantiles down.
   */
  static Double latencyMs(ControlPlaneRecord r) {
    boolean completed = "ResponseComplete".equals(r.stage()) || "Panic".equals(r.stage());
    if (!completed || RequestDimensions.isLongRunning(r) || r.stageMicros() <= r.requestReceivedMicros()) {
      return null;
    }
    return (r.stageMicros() - r.requestReceivedMicros()) / 1000.0;
  }

  /** The request and response bodies' size as compact JSON, or null when the audit level recorded neither. */
  static Long bodyBytes(ControlPlaneRecord r) {
    if (r.requestObject() == null && r.responseObject() == null) {
      return null;
    }
    long bytes = 0;
    for (String body : new String[] {r.requestObject(), r.responseObject()}) {
      if (body != null) {
        bytes += body.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return bytes;
  }
}
