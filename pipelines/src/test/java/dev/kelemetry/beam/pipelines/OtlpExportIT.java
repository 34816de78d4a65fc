package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.io.otlp.OtlpOptions;
import dev.kelemetry.beam.pipelines.generate.WorkloadGenerator;
import dev.kelemetry.beam.io.otlp.WriteOtlpMetrics;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.testing.otlp.OtlpReceiver;
import dev.kelemetry.beam.testing.otlp.OtlpReceiver.ReceivedEvent;
import dev.kelemetry.beam.testing.otlp.OtlpReceiver.ReceivedSpan;
import dev.kelemetry.beam.transforms.Counters;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * OTLP export against a receiver built from the official opentelemetry-proto definitions (gRPC and HTTP/protobuf,
 * a child JVM on loopback): what arrives, decoded there, is exactly the span rows of the local output; a receiver
 * that refuses costs retries and, in the end, dead letters with the reason, never a failed run; a receiver that comes
 * back in time loses nothing.
 */
public class OtlpExportIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  @ClassRule public static final OtlpReceiver OTLP = new OtlpReceiver();

  private static Path log;

  @BeforeClass
  public static void generateARollout() throws Exception {
    log = TMP.newFile("rollout.log").toPath();
    try (BufferedWriter out = Files.newBufferedWriter(log)) {
      WorkloadGenerator.generate("deployment-rollout", 1, 3, Instant.parse("2026-01-01T00:00:00Z"), out);
    }
  }

  @Before
  public void forgetEarlierRequests() throws Exception {
    OTLP.reset();
  }

  private record Run(RunSummary summary, List<SpanRow> spans, List<DeadLetterRow> deadLetters, Path output) {}

  private static Run backfill(OtlpOptions otlp, String runner) throws Exception {
    Path out = TMP.newFolder().toPath();
    TracingConfig config = TracingConfig.defaults(List.of(new InputSpec(log.toString(), "")), out.toString())
        .withCluster("otlp").withOtlp(otlp);
    RunSummary summary = Kelemetry.Backfills.run(config, runner, false);
    return new Run(summary, SpanFiles.read(out), SpanFiles.readRows(out.resolve("dead_letters"), DeadLetterRow.class),
        out);
  }

  private static OtlpOptions quickRetries(OtlpOptions o, int attempts) {
    return o.withRetries(attempts, Duration.ofMillis(50), Duration.ofMillis(400)).withTimeout(Duration.ofSeconds(5));
  }

  @Test
  public void overGrpcTheReceiverGetsExactlyTheSpanRows() throws Exception {
    Run run = backfill(OtlpOptions.of(OTLP.grpcEndpoint(), OtlpOptions.GRPC), "flink");
    assertSameSpans(run.spans(), OTLP.spans());
    assertThat(run.summary().get(Counters.OTLP_EXPORTED), equalTo((long) run.spans().size()));
    assertThat(run.summary().get(Counters.OTLP_FAILED), equalTo(0L));
    // The run's metric rows went too: one count point per row, each with the row's count and dimensions.
    List<MetricRow> rows = SpanFiles.readRows(run.output().resolve("metrics"), MetricRow.class);
    List<String> sent = rows.stream()
        .map(r -> "kelemetry." + r.metric() + ".count " + r.windowStart() + " " + new java.util.TreeMap<>(r.dimensions())
            + " " + r.count())
        .sorted().toList();
    List<String> received = OTLP.metricPoints().stream().filter(p -> p.name().endsWith(".count"))
        .map(p -> p.name() + " " + dev.kelemetry.beam.schemas.Rows.timestamp(p.startNanos() / 1000) + " "
            + new java.util.TreeMap<>(p.attributes()) + " " + p.value())
        .sorted().toList();
    assertThat(rows.size(), greaterThan(10));
    assertThat(received, equalTo(sent));
  }

  @Test
  public void overHttpProtobufTheReceiverGetsExactlyTheSpanRows() throws Exception {
    Run run = backfill(OtlpOptions.of(OTLP.httpEndpoint(), OtlpOptions.HTTP_PROTOBUF), "direct");
    assertSameSpans(run.spans(), OTLP.spans());
    assertThat(run.summary().get(Counters.OTLP_EXPORTED), equalTo((long) run.spans().size()));
  }

  @Test
  public void aReceiverThatRefusesEverythingCostsDeadLettersNotTheRun() throws Exception {
    OTLP.refuse(true);
    Run run = backfill(quickRetries(OtlpOptions.of(OTLP.httpEndpoint(), OtlpOptions.HTTP_PROTOBUF), 3), "direct");
    assertThat(OTLP.spans(), hasSize(0));
    assertThat(OTLP.refusedRequests(), greaterThan(0L));
    List<DeadLetterRow> failed = run.deadLetters().stream().filter(d -> d.step().equals("WriteOtlp")).toList();
    assertThat(failed, hasSize(run.spans().size()));
    assertThat(failed.stream().map(DeadLetterRow::reason).toList(), everyItem(containsString("not exported after 3 attempts")));
    // every dead letter is a whole span row, so the spans can be sent again later
    assertThat(failed.stream().map(d -> Rows.fromJson(d.raw(), SpanRow.class).spanId()).sorted().toList(),
        equalTo(run.spans().stream().map(SpanRow::spanId).sorted().toList()));
    assertThat(run.summary().get(Counters.OTLP_FAILED), equalTo((long) run.spans().size()));
    // The metric rows go to the same refusing receiver: each request of either signal was tried 3 times.
    assertThat(run.summary().get(Counters.OTLP_RETRIES) + run.summary().get(WriteOtlpMetrics.RETRIES),
        equalTo(2 * OTLP.refusedRequests() / 3));
    assertThat(run.deadLetters().stream().filter(d -> d.step().equals("WriteOtlpMetrics")).count(),
        equalTo(run.summary().get(Counters.METRIC_ROWS)));
  }

  @Test
  public void aReceiverBackMidRunLosesNothing() throws Exception {
    OTLP.refuse(true);
    CompletableFuture<Run> running = CompletableFuture.supplyAsync(() -> {
      try {
        return backfill(OtlpOptions.of(OTLP.grpcEndpoint(), OtlpOptions.GRPC)
            .withRetries(30, Duration.ofMillis(100), Duration.ofMillis(500)), "direct");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat("the receiver refused some requests before it came back",
        OTLP.awaitRefused(3, running, Duration.ofMinutes(2)), greaterThan(2L));
    OTLP.refuse(false);
    Run run = running.get();
    assertSameSpans(run.spans(), OTLP.spans());
    assertThat(run.summary().get(Counters.OTLP_FAILED), equalTo(0L));
    assertThat(run.summary().get(Counters.OTLP_RETRIES), greaterThan(0L));
  }

  /** Same ids, parents, names, times, status, attributes and events, span by span; and one service per object kind. */
  private static void assertSameSpans(List<SpanRow> rows, List<ReceivedSpan> received) {
    assertThat(rows.size(), greaterThan(100));
    Map<String, ReceivedSpan> bySpanId = received.stream()
        .collect(Collectors.toMap(ReceivedSpan::spanId, Function.identity(), (a, b) -> {
          throw new AssertionError("span " + a.spanId() + " arrived twice");
        }));
    assertThat(bySpanId.keySet(), equalTo(rows.stream().map(SpanRow::spanId).collect(Collectors.toSet())));
    for (SpanRow row : rows) {
      ReceivedSpan got = bySpanId.get(row.spanId());
      String what = row.kind() + " span " + row.name();
      assertThat(what, got.traceId(), equalTo(row.traceId()));
      assertThat(what, got.parentSpanId(), equalTo(row.parentSpanId()));
      assertThat(what, got.name(), equalTo(row.name()));
      assertThat(what, got.startNanos(), equalTo(nanos(row.startTime())));
      assertThat(what, got.endNanos(), equalTo(nanos(row.endTime())));
      assertThat(what, got.status(), equalTo(switch (row.status()) {
        case SpanRow.STATUS_ERROR -> "STATUS_CODE_ERROR";
        case SpanRow.STATUS_OK -> "STATUS_CODE_OK";
        default -> "STATUS_CODE_UNSET";
      }));
      assertThat(what, new TreeMap<>(got.attributes()), equalTo(comparable(row.attributes())));
      List<String> wantEvents = new ArrayList<>();
      for (SpanEvent e : row.events()) {
        wantEvents.add(nanos(e.time()) + " " + e.name() + " " + comparable(e.attributes()));
      }
      List<String> gotEvents = new ArrayList<>();
      for (ReceivedEvent e : got.events()) {
        gotEvents.add(e.timeNanos() + " " + e.name() + " " + new TreeMap<>(e.attributes()));
      }
      assertThat(what, gotEvents, equalTo(wantEvents));
      String service = row.apiGroup().isEmpty() ? row.resource() : row.resource() + "." + row.apiGroup();
      assertThat(what, got.resource().get("service.name"), equalTo(service));
      assertThat(what, got.resource().get("k8s.cluster.name"), equalTo(row.cluster()));
    }
  }

  /** A row's attributes as OTLP carries them: whole numbers as int64, lists of text as arrays, the rest as JSON. */
  private static TreeMap<String, Object> comparable(Map<String, Object> attributes) {
    TreeMap<String, Object> out = new TreeMap<>();
    (attributes == null ? new LinkedHashMap<String, Object>() : attributes).forEach((k, v) -> {
      if (v instanceof Integer || v instanceof Long) {
        out.put(k, ((Number) v).longValue());
      } else if (v instanceof String || v instanceof Boolean || v instanceof Double) {
        out.put(k, v);
      } else if (v instanceof List<?> l && l.stream().allMatch(i -> i instanceof String)) {
        out.put(k, l);
      } else if (v != null) {
        out.put(k, Rows.toJson(v));
      }
    });
    return out;
  }

  private static long nanos(String rfc3339) {
    Instant t = Instant.parse(rfc3339);
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }
}
