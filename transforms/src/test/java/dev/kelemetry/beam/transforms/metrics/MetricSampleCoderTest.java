package dev.kelemetry.beam.transforms.metrics;

import java.util.TreeMap;
import org.apache.beam.sdk.testing.CoderProperties;
import org.junit.Test;

public class MetricSampleCoderTest {

  @Test
  public void samplesWithAndWithoutMeasuresComeBackEqual() throws Exception {
    TreeMap<String, String> dims = new TreeMap<>();
    dims.put("user", "system:serviceaccount:kube-system:replicaset-controller");
    dims.put("code", "");
    CoderProperties.coderDecodeEncodeEqual(MetricSampleCoder.INSTANCE,
        new MetricSample("requests", dims, 1_767_225_600_123_456L, true, 12.345, 0.2, 1024L));
    CoderProperties.coderDecodeEncodeEqual(MetricSampleCoder.INSTANCE,
        new MetricSample("throttled", new TreeMap<>(), 0L, false, null, null, null));
    CoderProperties.coderDeterministic(MetricSampleCoder.INSTANCE,
        MetricSample.latency("reaction.pod_scheduling", dims, 5L, 20.5),
        MetricSample.latency("reaction.pod_scheduling", new TreeMap<>(dims), 5L, 20.5));
  }

  @Test
  public void theSeriesKeyTellsApartValuesThatWouldJoinAlike() {
    TreeMap<String, String> a = new TreeMap<>();
    a.put("user", "a:b");
    a.put("verb", "c");
    TreeMap<String, String> b = new TreeMap<>();
    b.put("user", "a");
    b.put("verb", "b:c");
    org.junit.Assert.assertNotEquals(
        AggregateMetrics.seriesKey(MetricSample.latency("m", a, 0, 1)),
        AggregateMetrics.seriesKey(MetricSample.latency("m", b, 0, 1)));
  }
}
