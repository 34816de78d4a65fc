package dev.kelemetry.beam.transforms.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.ObjectRef;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import dev.kelemetry.beam.transforms.metrics.MetricDefinition.Measure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * Counts and quantiles of request metrics against the same figures computed here by a plain loop over the records:
 * exact counts, errors, sums, min and max; quantiles within DDSketch's 1% of the sample at their rank. The same
 * records as a stream (out of order, across watermark steps) give the same rows.
 */
public class ComputeMetricsTest {
  @Rule public final transient TestPipeline batch = TestPipeline.create();
  @Rule public final transient TestPipeline stream = TestPipeline.create();

  private static final long T0 = 1_767_225_600_000_000L; // 2026-01-01T00:00:00Z
  private static final Duration MINUTE = Duration.standardMinutes(1);
  private static final MetricDefinition BY_VERB_USER_CODE = new MetricDefinition("requests",
      List.of("verb", "user", "code"), Map.of(), Map.of(), Set.of(Measure.LATENCY, Measure.TIMEOUT_RATIO, Measure.BYTES), 60);
  private static final MetricDefinition THROTTLED = new MetricDefinition("throttled", List.of("user"),
      Map.of("code", Set.of("429")), Map.of(), Set.of(), 60);

  @Test
  public void batchRowsMatchAPlainLoopOverTheRecords() {
    List<ControlPlaneRecord> records = records(new Random(7), 900);
    PCollection<MetricRow> rows = batch.apply(Create.of(records).withCoder(RecordCoders.audit()))
        .apply(org.apache.beam.sdk.transforms.WithTimestamps.of(
            (ControlPlaneRecord r) -> new Instant(r.requestReceivedMicros() / 1000)))
        .apply(ComputeMetrics.of(List.of(BY_VERB_USER_CODE, THROTTLED), MINUTE));
    PAssert.that(rows).satisfies(actual -> {
      checkAgainstLoop(records, actual);
      return null;
    });
    batch.run();
  }

  @Test
  public void aStreamOfTheSameRecordsGivesTheSameRows() {
    List<ControlPlaneRecord> records = records(new Random(11), 400);
    List<ControlPlaneRecord> shuffled = new ArrayList<>(records);
    Collections.shuffle(shuffled, new Random(3));
    TestStream.Builder<ControlPlaneRecord> arrivals = TestStream.create(RecordCoders.audit());
    // Each record arrives before the watermark passes it (on time), in any order within a minute and a half.
    shuffled.sort(java.util.Comparator.comparingLong(r -> r.requestReceivedMicros() / 90_000_000L));
    long watermark = T0 / 1000;
    for (ControlPlaneRecord r : shuffled) {
      long at = r.requestReceivedMicros() / 1000;
      if (at - 90_000 > watermark) {
        watermark = at - 90_000;
        arrivals = arrivals.advanceWatermarkTo(new Instant(watermark));
      }
      arrivals = arrivals.addElements(TimestampedValue.of(r, new Instant(at)));
    }
    PCollection<MetricRow> streamed = stream.apply(arrivals.advanceWatermarkToInfinity())
        .apply(ComputeMetrics.of(List.of(BY_VERB_USER_CODE, THROTTLED), MINUTE));
    PAssert.that(streamed).satisfies(actual -> {
      checkAgainstLoop(records, actual);
      return null;
    });
    stream.run();
  }

  /** The expected rows, by a loop: window -> metric -> dimensions -> the samples. */
  private static void checkAgainstLoop(List<ControlPlaneRecord> records, Iterable<MetricRow> actual) {
    Map<String, List<ControlPlaneRecord>> expected = new TreeMap<>();
    for (ControlPlaneRecord r : records) {
      long windowStart = r.requestReceivedMicros() - Math.floorMod(r.requestReceivedMicros(), 60_000_000L);
      String w = Rows.timestamp(windowStart);
      expected.computeIfAbsent(w + " requests " + new TreeMap<>(Map.of("verb", r.verb(), "user", r.user(),
          "code", String.valueOf(r.responseCode()))), k -> new ArrayList<>()).add(r);
      if (r.responseCode() == 429) {
        expected.computeIfAbsent(w + " throttled " + new TreeMap<>(Map.of("user", r.user())), k -> new ArrayList<>())
            .add(r);
      }
    }
    Set<String> seen = new HashSet<>();
    for (MetricRow row : actual) {
      String key = row.windowStart() + " " + row.metric() + " " + new TreeMap<>(row.dimensions());
      List<ControlPlaneRecord> mine = expected.get(key);
      assertThat("unexpected row " + key, mine != null, equalTo(true));
      assertThat("row twice: " + key, seen.add(key), equalTo(true));
      assertThat(key, row.count(), equalTo((long) mine.size()));
      assertThat(key, row.errorCount(), equalTo(mine.stream().filter(r -> r.responseCode() >= 400).count()));
      if (row.metric().equals("throttled")) {
        assertThat(row.latencyMs() == null && row.bytes() == null, equalTo(true));
        continue;
      }
      List<Double> latencies = new ArrayList<>();
      long bytes = 0;
      for (ControlPlaneRecord r : mine) {
        if (!r.verb().equals("watch")) {
          latencies.add((r.stageMicros() - r.requestReceivedMicros()) / 1000.0);
        }
        bytes += r.requestObject() == null ? 0 : r.requestObject().length();
      }
      assertThat(key, row.bytes(), equalTo(mine.stream().anyMatch(r -> r.requestObject() != null) ? bytes : null));
      if (latencies.isEmpty()) {
        assertThat(key, row.latencyMs() == null, equalTo(true));
        continue;
      }
      Collections.sort(latencies);
      MetricRow.Distribution d = row.latencyMs();
      assertThat(key, d.count(), equalTo((long) latencies.size()));
      assertThat(key, d.sum(), closeTo(latencies.stream().mapToDouble(x -> x).sum(), 1e-6));
      assertThat(key, d.min(), equalTo(latencies.get(0)));
      assertThat(key, d.max(), equalTo(latencies.get(latencies.size() - 1)));
      assertThat(key, d.buckets().stream().mapToLong(MetricRow.Bucket::count).sum(), equalTo(d.count()));
      for (double[] q : new double[][] {{0.5, d.p50()}, {0.9, d.p90()}, {0.99, d.p99()}}) {
        double exact = latencies.get((int) Math.floor(q[0] * (latencies.size() - 1)));
        assertThat(key + " p" + q[0], Math.abs(q[1] - exact), lessThanOrEqualTo(0.01 * exact + 1e-9));
      }
      // timeout ratio: the request's own ?timeout= (10 s here) or the 60 s default
      double maxRatio = 0;
      for (ControlPlaneRecord r : mine) {
        if (!r.verb().equals("watch")) {
          double timeout = r.requestUri().contains("timeout=10s") ? 10 : 60;
          maxRatio = Math.max(maxRatio, (r.stageMicros() - r.requestReceivedMicros()) / 1e6 / timeout);
        }
      }
      assertThat(key, row.timeoutRatio().max(), closeTo(maxRatio, 1e-12));
    }
    assertThat("rows missing", seen, equalTo(expected.keySet()));
  }

  /** Requests over three minutes: a few users and verbs, latencies spread over three orders of magnitude. */
  static List<ControlPlaneRecord> records(Random random, int n) {
    String[] verbs = {"get", "update", "watch"};
    String[] users = {"alice", "system:serviceaccount:kube-system:replicaset-controller", "system:kube-scheduler"};
    int[] codes = {200, 200, 200, 429, 500};
    List<ControlPlaneRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String verb = verbs[random.nextInt(verbs.length)];
      long received = T0 + (long) (random.nextDouble() * 180_000_000L);
      long latencyMicros = (long) Math.exp(random.nextGaussian() * 1.5 + 8); // ~3 ms median, long tail
      String uri = "/api/v1/namespaces/ns/pods/p" + i + (random.nextBoolean() ? "?timeout=10s" : "");
      out.add(new ControlPlaneRecord(ControlPlaneRecord.AUDIT, "c", "test:" + i, "audit-" + i, "ResponseComplete",
          "RequestResponse", verb, uri, users[random.nextInt(users.length)], "", "kubectl/v1.30", List.of("10.0.0.1"),
          new ObjectRef("", "v1", "pods", "", "ns", "p" + i, "", ""), codes[random.nextInt(codes.length)], null,
          received, received + latencyMicros, verb.equals("update") ? "{\"n\":" + i + "}" : null, null));
    }
    return out;
  }
}
