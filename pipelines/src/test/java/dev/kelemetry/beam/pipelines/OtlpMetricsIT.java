package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import dev.kelemetry.beam.io.otlp.OtlpOptions;
import dev.kelemetry.beam.io.otlp.WriteOtlpMetrics;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.MetricRow.Bucket;
import dev.kelemetry.beam.schemas.MetricRow.Distribution;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.testing.otlp.OtlpReceiver;
import dev.kelemetry.beam.testing.otlp.OtlpReceiver.ReceivedMetricPoint;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.Before;
import org.junit.ClassRule;
import org.junit.Test;

/**
 * Metric rows exported as OTLP metrics to a receiver built from the official opentelemetry-proto definitions (gRPC and
 * HTTP/protobuf, a child JVM on loopback): every row arrives as its points, decoded there and compared with the row
 * field by field; a receiver that refuses everything costs dead letters holding the rows, never a failed run; one
 * that comes back in time loses nothing.
 */
public class OtlpMetricsIT {
  @ClassRule public static final OtlpReceiver OTLP = new OtlpReceiver();

  /** What the pipelines' dead-letter outputs held, per run (the DirectRunner runs in this JVM). */
  private static final Map<String, ConcurrentLinkedQueue<DeadLetterRow>> DEAD_LETTERS = new ConcurrentHashMap<>();

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final double ACCURACY = 0.01;

  @Before
  public void forgetEarlierRequests() throws Exception {
    OTLP.reset();
  }

  /**
   * Three one-minute windows of requests from two clusters and two verbs, latencies sketched with DDSketch as the
   * metrics aggregation does; some rows with timeout ratios and bytes, one without a latency, one with no cluster.
   */
  static List<MetricRow> rows() {
    Random random = new Random(42);
    List<MetricRow> rows = new ArrayList<>();
    for (int window = 0; window < 3; window++) {
      String start = T0.plusSeconds(60L * window).toString();
      String end = T0.plusSeconds(60L * (window + 1)).toString();
      for (String cluster : List.of("prod", "staging")) {
        for (String verb : List.of("get", "list")) {
          int n = 5 + random.nextInt(200);
          Distribution latency = distribution(random, n, verb.equals("list") ? 200 : 20);
          Distribution timeout = verb.equals("list") ? distribution(random, n, 0.05) : null;
          Long bytes = cluster.equals("prod") ? (long) random.nextInt(1_000_000) : null;
          rows.add(new MetricRow("requests", start, end, new TreeMap<>(Map.of("cluster", cluster, "verb", verb)), n,
              random.nextInt(n), latency, timeout, bytes));
        }
      }
      rows.add(new MetricRow("reaction.pod_scheduling", start, end, new TreeMap<>(Map.of("cluster", "", "node", "")),
          3 + window, 0, window == 1 ? null : distribution(random, 3 + window, 1500), null, null));
    }
    return rows;
  }

  private static Distribution distribution(Random random, int samples, double scale) {
    DDSketch sketch = DDSketches.unboundedDense(ACCURACY);
    double sum = 0;
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int i = 0; i < samples; i++) {
      double v = scale * Math.exp(random.nextGaussian());
      sketch.accept(v);
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    List<Bucket> buckets = sketch.getPositiveValueStore().getAscendingStream()
        .map(b -> new Bucket(sketch.getIndexMapping().value(b.getIndex()), (long) b.getCount())).toList();
    return new Distribution(samples, sum, min, max, sketch.getValueAtQuantile(0.5), sketch.getValueAtQuantile(0.9),
        sketch.getValueAtQuantile(0.99), ACCURACY, buckets);
  }

  private record Run(PipelineResult.State state, List<DeadLetterRow> deadLetters, long exported, long retries,
      long failed) {}

  /** A DirectRunner pipeline: the rows, WriteOtlpMetrics, its dead letters kept for the test. */
  private static Run export(List<MetricRow> rows, OtlpOptions otlp) {
    String id = UUID.randomUUID().toString();
    DEAD_LETTERS.put(id, new ConcurrentLinkedQueue<>());
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    p.apply("Rows", Create.of(rows).withCoder(JsonCoder.of(MetricRow.class)))
        .apply("WriteOtlpMetrics", WriteOtlpMetrics.to(otlp))
        .apply("KeepDeadLetters", ParDo.of(new KeepFn(id)));
    PipelineResult result = p.run();
    PipelineResult.State state = result.waitUntilFinish();
    // the counters as a run's summary reads them: committed, which the DirectRunner has complete when the run ends
    RunSummary summary = RunSummary.of(result, 0);
    return new Run(state, List.copyOf(DEAD_LETTERS.remove(id)), summary.get(WriteOtlpMetrics.EXPORTED),
        summary.get(WriteOtlpMetrics.RETRIES), summary.get(WriteOtlpMetrics.FAILED));
  }

  private static final class KeepFn extends DoFn<DeadLetterRow, Void> {
    private final String id;

    KeepFn(String id) {
      this.id = id;
    }

    @ProcessElement
    public void process(@Element DeadLetterRow row) {
      DEAD_LETTERS.get(id).add(row);
    }
  }

  /** Small batches, so the rows take several requests per bundle. */
  private static OtlpOptions options(String endpoint, String protocol) {
    return OtlpOptions.of(endpoint, protocol).withBatchSize(4);
  }

  @Test
  public void overGrpcEveryRowArrivesAsItsPoints() throws Exception {
    List<MetricRow> rows = rows();
    Run run = export(rows, options(OTLP.grpcEndpoint(), OtlpOptions.GRPC));
    assertThat(run.state(), equalTo(PipelineResult.State.DONE));
    assertSamePoints(rows, OTLP.metricPoints());
    assertThat(run.deadLetters(), hasSize(0));
    assertThat(run.exported(), equalTo((long) rows.size()));
    assertThat(run.failed(), equalTo(0L));
    assertThat(run.retries(), equalTo(0L));
  }

  @Test
  public void overHttpProtobufEveryRowArrivesAsItsPoints() throws Exception {
    List<MetricRow> rows = rows();
    Run run = export(rows, options(OTLP.httpEndpoint(), OtlpOptions.HTTP_PROTOBUF));
    assertSamePoints(rows, OTLP.metricPoints());
    assertThat(OTLP.acceptedRequests(), equalTo(0L)); // metrics went to /v1/metrics, not to the traces endpoint
    assertThat(run.exported(), equalTo((long) rows.size()));
    assertThat(run.failed(), equalTo(0L));
  }

  @Test
  public void aReceiverThatRefusesEverythingOverHttpCostsDeadLettersNotTheRun() throws Exception {
    assertAllDeadLettered(options(OTLP.httpEndpoint(), OtlpOptions.HTTP_PROTOBUF), "HTTP 503 Service Unavailable",
        OTLP.httpEndpoint() + "/v1/metrics");
  }

  @Test
  public void aReceiverThatRefusesEverythingOverGrpcCostsDeadLettersNotTheRun() throws Exception {
    assertAllDeadLettered(options(OTLP.grpcEndpoint(), OtlpOptions.GRPC), "gRPC UNAVAILABLE: receiver set to refuse",
        OTLP.grpcEndpoint());
  }

  private static void assertAllDeadLettered(OtlpOptions otlp, String status, String endpoint) throws Exception {
    OTLP.refuse(true);
    List<MetricRow> rows = rows();
    Run run = export(rows, otlp.withRetries(3, Duration.ofMillis(50), Duration.ofMillis(400))
        .withTimeout(Duration.ofSeconds(5)));
    assertThat(run.state(), equalTo(PipelineResult.State.DONE));
    assertThat(OTLP.metricPoints(), hasSize(0));
    assertThat(run.deadLetters(), hasSize(rows.size()));
    assertThat(run.deadLetters().stream().map(DeadLetterRow::step).toList(), everyItem(equalTo("WriteOtlpMetrics")));
    assertThat(run.deadLetters().stream().map(DeadLetterRow::source).toList(), everyItem(equalTo("otlp:" + endpoint)));
    assertThat(run.deadLetters().stream().map(DeadLetterRow::reason).toList(),
        everyItem(equalTo("not exported after 3 attempts: " + status)));
    // every dead letter is a whole row, so the rows can be sent again later
    assertThat(run.deadLetters().stream().map(d -> Rows.fromJson(d.raw(), MetricRow.class))
        .collect(Collectors.toSet()), equalTo(Set.copyOf(rows)));
    assertThat(run.failed(), equalTo((long) rows.size()));
    assertThat(run.exported(), equalTo(0L));
    // every batch was tried 3 times: 3 refusals and 2 retries each
    assertThat(OTLP.refusedRequests() % 3, equalTo(0L));
    assertThat(run.retries(), equalTo(2 * OTLP.refusedRequests() / 3));
  }

  @Test
  public void aReceiverBackMidRunLosesNothing() throws Exception {
    OTLP.refuse(true);
    List<MetricRow> rows = rows();
    CompletableFuture<Run> running = CompletableFuture.supplyAsync(() -> export(rows,
        options(OTLP.grpcEndpoint(), OtlpOptions.GRPC).withRetries(30, Duration.ofMillis(100), Duration.ofMillis(500))));
    assertThat("the receiver refused some requests before it came back",
        OTLP.awaitRefused(3, running, Duration.ofMinutes(2)), greaterThan(2L));
    OTLP.refuse(false);
    Run run = running.get();
    assertSamePoints(rows, OTLP.metricPoints());
    assertThat(run.deadLetters(), hasSize(0));
    assertThat(run.failed(), equalTo(0L));
    assertThat(run.retries(), greaterThan(0L));
  }

  /** A point's identity: its metric, its window's start and its attributes. */
  private static String key(String name, long startNanos, Map<String, Object> attributes) {
    return name + " " + startNanos + " " + new TreeMap<>(attributes);
  }

  /**
   * Each row's count and error count as delta monotonic sums, its distributions as summaries (exact count and sum,
   * quantiles 0 and 1 the exact min and max), its bytes as a sum; each once, from window start to window end, with the
   * row's dimensions as attributes and its cluster on the resource.
   */
  private static void assertSamePoints(List<MetricRow> rows, List<ReceivedMetricPoint> received) {
    Map<String, ReceivedMetricPoint> byKey = received.stream().collect(Collectors.toMap(
        p -> key(p.name(), p.startNanos(), p.attributes()), Function.identity(), (a, b) -> {
          throw new AssertionError(a.name() + " " + a.attributes() + " arrived twice");
        }));
    int expected = 0;
    for (MetricRow row : rows) {
      Map<String, Object> attributes = new LinkedHashMap<>(row.dimensions());
      long start = nanos(row.windowStart());
      String prefix = "kelemetry." + row.metric();
      Map<String, Long> sums = new LinkedHashMap<>();
      sums.put(prefix + ".count", row.count());
      sums.put(prefix + ".error_count", row.errorCount());
      if (row.bytes() != null) {
        sums.put(prefix + ".bytes", row.bytes());
      }
      for (var sum : sums.entrySet()) {
        ReceivedMetricPoint got = point(byKey, sum.getKey(), start, attributes, row);
        assertThat(got.name(), got.type(), equalTo("sum"));
        assertThat(got.name(), got.temporality(), equalTo("AGGREGATION_TEMPORALITY_DELTA"));
        assertThat(got.name(), got.monotonic(), equalTo(true));
        assertThat(got.name(), got.value(), equalTo(sum.getValue()));
        assertThat(got.name(), got.unit(), equalTo(sum.getKey().endsWith(".bytes") ? "By" : "{sample}"));
        expected++;
      }
      Map<String, Distribution> summaries = new LinkedHashMap<>();
      if (row.latencyMs() != null) {
        summaries.put(prefix + ".latency", row.latencyMs());
      }
      if (row.timeoutRatio() != null) {
        summaries.put(prefix + ".timeout_ratio", row.timeoutRatio());
      }
      for (var summary : summaries.entrySet()) {
        ReceivedMetricPoint got = point(byKey, summary.getKey(), start, attributes, row);
        Distribution d = summary.getValue();
        assertThat(got.name(), got.type(), equalTo("summary"));
        assertThat(got.name(), got.unit(), equalTo(summary.getKey().endsWith(".latency") ? "ms" : "1"));
        assertThat(got.name(), got.count(), equalTo(d.count()));
        assertThat(got.name(), got.sum(), equalTo(d.sum()));
        Map<Double, Double> quantiles = new LinkedHashMap<>();
        quantiles.put(0.0, d.min());
        quantiles.put(0.5, d.p50());
        quantiles.put(0.9, d.p90());
        quantiles.put(0.99, d.p99());
        quantiles.put(1.0, d.max());
        assertThat(got.name(), got.quantiles(), equalTo(quantiles));
        expected++;
      }
    }
    assertThat("no point that no row accounts for", received, hasSize(expected));
  }

  private static ReceivedMetricPoint point(Map<String, ReceivedMetricPoint> byKey, String name, long start,
      Map<String, Object> attributes, MetricRow row) {
    ReceivedMetricPoint got = byKey.get(key(name, start, attributes));
    assertThat(name + " " + attributes + " at " + row.windowStart() + " arrived", got != null, equalTo(true));
    assertThat(name, got.timeNanos(), equalTo(nanos(row.windowEnd())));
    String cluster = row.dimensions().getOrDefault("cluster", "");
    Map<String, Object> resource = new TreeMap<>(Map.of("service.name", "kelemetry"));
    if (!cluster.isEmpty()) {
      resource.put("service.namespace", cluster);
      resource.put("k8s.cluster.name", cluster);
    }
    assertThat(name, new TreeMap<>(got.resource()), equalTo(resource));
    return got;
  }

  private static long nanos(String rfc3339) {
    Instant t = Instant.parse(rfc3339);
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }
}
