package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.io.ReadAuditFiles;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import dev.kelemetry.beam.transforms.parse.RecordParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The graph after the source, fed as a stream (TestStream on the DirectRunner) the way the Kafka source feeds it: each
 * raw record stamped with the watermark at the moment it arrived, the watermark trailing the newest request time by
 * 10 s. Named after LeaderBoardTest's cases: records out of order but on time give the backfill's span rows, ids
 * included; each window's rows come once, in the pane that fires when the watermark passes the window; a record that
 * arrives after the watermark passed it is a dead letter and changes nothing else.
 */
public class StreamParityTest {
  private static final long DELAY_MILLIS = 10_000;

  @ClassRule public static final TemporaryFolder tmp = new TemporaryFolder();

  private static Path log;
  private static TracingConfig config;
  private static List<String> batch;
  private static List<String> batchMetrics;
  private static List<String> batchLinks;

  @BeforeClass
  public static void backfillTheRollout() throws Exception {
    log = tmp.getRoot().toPath().resolve("audit.log");
    Kelemetry.generate("deployment-rollout", 1, 3, Instant.parse("2026-02-01T08:10:00Z"), log);
    config = TracingConfig.defaults(List.of(new InputSpec(log.toString(), "")), tmp.newFolder().toString())
        .withCluster("parity");
    Kelemetry.Backfills.run(config, "direct", false);
    batch = SpanFiles.read(Path.of(config.output())).stream().map(Rows::toJson).sorted().toList();
    assertThat(batch.size(), greaterThan(100));
    batchMetrics = SpanFiles.readRows(Path.of(config.output(), "metrics"), MetricRow.class).stream().map(Rows::toJson)
        .sorted().toList();
    assertThat(batchMetrics.stream().anyMatch(m -> m.contains("\"reaction.")), equalTo(true));
    batchLinks = SpanFiles.readRows(Path.of(config.output(), "links"), LinkRow.class).stream().map(Rows::toJson)
        .sorted().toList();
    assertThat(batchLinks.size(), greaterThan(10));
  }

  /**
   * The log's lines shuffled within groups of 20 (a few hundred ms of traffic), each stamped with the watermark when
   * its group arrives; after each group the watermark moves to 10 s behind the newest request time seen. Lines at
   * {@code lateLines} are held back and arrive at the end, when the watermark has passed them.
   */
  private static TestStream<RawRecord> arrivals(List<String> lines, Set<Integer> lateLines) {
    TestStream.Builder<RawRecord> stream = TestStream.create(RecordCoders.raw());
    Random random = new Random(11);
    long maxSeen = Long.MIN_VALUE;
    org.joda.time.Instant watermark = BoundedWindow.TIMESTAMP_MIN_VALUE;
    for (int from = 0; from < lines.size(); from += 20) {
      List<Integer> group = new ArrayList<>();
      for (int i = from; i < Math.min(lines.size(), from + 20); i++) {
        if (!lateLines.contains(i)) {
          group.add(i);
        }
      }
      Collections.shuffle(group, random);
      for (int i : group) {
        maxSeen = Math.max(maxSeen, receivedMillis(lines.get(i)));
        stream = stream.addElements(TimestampedValue.of(new RawRecord(log.toString(), i + 1, lines.get(i), ""), watermark));
      }
      watermark = new org.joda.time.Instant(maxSeen - DELAY_MILLIS);
      stream = stream.advanceWatermarkTo(watermark);
    }
    for (int i : lateLines) {
      stream = stream.addElements(TimestampedValue.of(new RawRecord(log.toString(), i + 1, lines.get(i), ""), watermark));
    }
    return stream.advanceWatermarkToInfinity();
  }

  private static TracingPipeline.Outputs streamed(Pipeline pipeline, TestStream<RawRecord> arrivals) {
    return streamed(pipeline, arrivals, config);
  }

  private static TracingPipeline.Outputs streamed(Pipeline pipeline, TestStream<RawRecord> arrivals, TracingConfig c) {
    PCollectionTuple raw = PCollectionTuple
        .of(ReadAuditFiles.RECORDS, pipeline.apply("Stream", arrivals))
        .and(ReadAuditFiles.DEAD_LETTERS, pipeline.apply("NoReadErrors", Create.empty(JsonCoder.of(DeadLetterRow.class))));
    return TracingPipeline.traceRecords(raw, c);
  }

  private static Pipeline streamingPipeline() {
    StreamingOptions options = PipelineOptionsFactory.as(StreamingOptions.class);
    options.setStreaming(true);
    options.setRunner(org.apache.beam.runners.direct.DirectRunner.class);
    return Pipeline.create(options);
  }

  @Test
  public void onTimeRecordsOutOfOrderGiveTheBackfillsSpans() throws Exception {
    Pipeline pipeline = streamingPipeline();
    TracingPipeline.Outputs out = streamed(pipeline, arrivals(Files.readAllLines(log), Set.of()));
    List<String> expected = batch; // a local: the check is serialized, the test instance is not
    PAssert.that(out.spans()).satisfies(rows -> {
      List<String> streamed = StreamSupport.stream(rows.spliterator(), false).map(Rows::toJson).sorted().toList();
      // Name what differs (ids, kind, name) before comparing whole rows, so a failure is readable.
      assertThat(summaries(streamed, expected), equalTo(List.of()));
      assertThat(streamed, equalTo(expected));
      return null;
    });
    PAssert.that(out.deadLetters()).empty();
    List<String> expectedMetrics = batchMetrics;
    PAssert.that(out.metrics()).satisfies(rows -> {
      List<String> streamed = StreamSupport.stream(rows.spliterator(), false).map(Rows::toJson).sorted().toList();
      assertThat("only streamed", streamed.stream().filter(m -> !expectedMetrics.contains(m)).toList(), equalTo(List.of()));
      assertThat("only in the backfill", expectedMetrics.stream().filter(m -> !streamed.contains(m)).toList(),
          equalTo(List.of()));
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void eachWindowsRowsComeOnceInThePaneThatFiresWhenTheWatermarkPassesIt() throws Exception {
    Pipeline pipeline = streamingPipeline();
    TracingPipeline.Outputs out = streamed(pipeline, arrivals(Files.readAllLines(log), Set.of()));
    PCollection<String> byWindow = TracingPipeline.inOutputWindows(out.spans(), config.window())
        .apply(MapElements.into(TypeDescriptors.strings()).via((SpanRow row) -> Rows.toJson(row)));
    IntervalWindow window = new IntervalWindow(org.joda.time.Instant.parse("2026-02-01T08:00:00Z"), config.window());
    PAssert.that(byWindow).inOnTimePane(window).containsInAnyOrder(batch);
    PAssert.that(byWindow).inFinalPane(window).containsInAnyOrder(batch);
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void aRecordBehindTheWatermarkIsADeadLetterAndChangesNothingElse() throws Exception {
    List<String> lines = Files.readAllLines(log);
    // a read in the middle of the rollout, all its stages: its span goes, nothing else changes
    String lateAuditId = null;
    for (int i = lines.size() / 2; i < lines.size() && lateAuditId == null; i++) {
      if (lines.get(i).contains("\"verb\":\"get\"")) {
        lateAuditId = Rows.fromJson(lines.get(i), com.fasterxml.jackson.databind.JsonNode.class).path("auditID").asText();
      }
    }
    Set<Integer> late = new java.util.TreeSet<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("\"auditID\":\"" + lateAuditId + "\"")) {
        late.add(i);
      }
    }
    String spanOfLate = "\"k8s.audit.id\":\"" + lateAuditId + "\"";
    List<String> expected = batch.stream().filter(row -> !row.contains(spanOfLate)).toList();
    assertThat(expected.size(), equalTo(batch.size() - 1));

    Pipeline pipeline = streamingPipeline();
    TracingPipeline.Outputs out = streamed(pipeline, arrivals(lines, late));
    List<Long> lateLines = late.stream().map(i -> i + 1L).toList();
    PAssert.that(out.spans()).satisfies(rows -> {
      List<String> streamed = StreamSupport.stream(rows.spliterator(), false).map(Rows::toJson).sorted().toList();
      assertThat(summaries(streamed, expected), equalTo(List.of()));
      return null;
    });
    PAssert.that(out.deadLetters()).satisfies(rows -> {
      List<DeadLetterRow> dead = StreamSupport.stream(rows.spliterator(), false).toList();
      assertThat(dead.stream().map(DeadLetterRow::line).sorted().toList(), equalTo(lateLines));
      assertThat(dead.stream().allMatch(d -> d.reason().contains("behind the watermark")), equalTo(true));
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  /**
   * The graph Dataflow streaming runs (tracking and owner resolution sorting in their own state, not
   * {@code @RequiresTimeSortedInput}) on the same arrivals, a late record among them: every output, spans, links,
   * metrics and dead letters, equals the default graph's (itself the backfill's, by the tests above).
   */
  @Test
  public void sortingInStateGivesTheSameRowsLinksMetricsAndDeadLetters() throws Exception {
    List<String> lines = Files.readAllLines(log);
    int lateLine = -1;
    for (int i = lines.size() / 2; i < lines.size() && lateLine < 0; i++) {
      if (lines.get(i).contains("\"verb\":\"patch\"") && lines.get(i).contains("\"stage\":\"ResponseComplete\"")) {
        lateLine = i;
      }
    }
    assertThat(lateLine, greaterThan(0));
    Set<Integer> late = Set.of(lateLine);
    List<List<String>> expected = new ArrayList<>();
    for (boolean sorting : List.of(false, true)) {
      Pipeline pipeline = streamingPipeline();
      TracingPipeline.Outputs out = streamed(pipeline, arrivals(lines, late), config.withSortingInState(sorting));
      COLLECTED.clear();
      out.spans().apply("CollectSpans", ParDo.of(new Collect<>("span")));
      out.links().apply("CollectLinks", ParDo.of(new Collect<>("link")));
      out.metrics().apply("CollectMetrics", ParDo.of(new Collect<>("metric")));
      out.deadLetters().apply("CollectDeadLetters", ParDo.of(new Collect<>("dead")));
      pipeline.run().waitUntilFinish();
      List<String> rows = new ArrayList<>(COLLECTED);
      Collections.sort(rows);
      expected.add(rows);
    }
    List<String> byDefault = expected.get(0);
    List<String> bySorting = expected.get(1);
    assertThat(byDefault.stream().filter(r -> r.startsWith("dead ") && r.contains("behind the watermark")).count(),
        equalTo(1L));
    assertThat(byDefault.stream().filter(r -> r.startsWith("link ")).count(), greaterThan(10L));
    assertThat(bySorting.size(), equalTo(byDefault.size()));
    assertThat(bySorting, equalTo(byDefault));
  }

  /** What a DirectRunner pipeline in this JVM gave, row by row: the DoFn below adds to it. */
  private static final List<String> COLLECTED = Collections.synchronizedList(new ArrayList<>());

  /** Adds each row to {@link #COLLECTED} as "kind timestamp json", so the element timestamps are compared too. */
  private static final class Collect<T> extends org.apache.beam.sdk.transforms.DoFn<T, Void> {
    private final String kind;

    Collect(String kind) {
      this.kind = kind;
    }

    @ProcessElement
    public void process(@Element T row, @Timestamp org.joda.time.Instant timestamp) {
      COLLECTED.add(kind + " " + timestamp + " " + Rows.toJson(row));
    }
  }

  /** Rows only in one of the two lists, as "only in stream|batch: kind name span trace parent". */
  private static List<String> summaries(List<String> streamed, List<String> batch) {
    List<String> out = new ArrayList<>();
    java.util.Set<String> s = new java.util.TreeSet<>(streamed);
    java.util.Set<String> b = new java.util.TreeSet<>(batch);
    for (String row : streamed) {
      if (!b.contains(row)) {
        out.add("only in stream: " + brief(row));
      }
    }
    for (String row : batch) {
      if (!s.contains(row)) {
        out.add("only in batch: " + brief(row));
      }
    }
    // then the first differing rows whole, to see what differs inside them
    streamed.stream().filter(r -> !b.contains(r)).limit(1).forEach(r -> out.add("stream row: " + r));
    batch.stream().filter(r -> !s.contains(r)).limit(1).forEach(r -> out.add("batch row: " + r));
    return out.subList(0, Math.min(12, out.size()));
  }

  private static String brief(String json) {
    SpanRow r = Rows.fromJson(json, SpanRow.class);
    return r.kind() + " " + r.name() + " " + r.objectName() + " span=" + r.spanId() + " trace=" + r.traceId()
        + " parent=" + r.parentSpanId() + " events=" + r.events().size();
  }

  private static long receivedMillis(String line) {
    String field = "\"requestReceivedTimestamp\":\"";
    int at = line.indexOf(field) + field.length();
    return RecordParser.micros(line.substring(at, line.indexOf('"', at))) / 1000;
  }
}
