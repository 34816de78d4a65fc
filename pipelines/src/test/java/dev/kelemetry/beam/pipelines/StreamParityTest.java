package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.io.ReadAuditFiles;
import dev.kelemetry.beam.schemas.DeadLetterRow;
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
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The graph after the source, fed as a stream (TestStream on the DirectRunner: records out of order within a few
 * seconds, the watermark advancing behind them) writes the same span rows, ids included, as the backfill of the
 * same log. The Kafka source of [2/7] plugs into the same graph.
 */
public class StreamParityTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void aStreamOfTheRolloutGivesTheBackfillsSpans() throws Exception {
    Path log = tmp.getRoot().toPath().resolve("audit.log");
    Kelemetry.generate("deployment-rollout", 1, 3, Instant.parse("2026-02-01T08:10:00Z"), log);
    TracingConfig config = TracingConfig.defaults(List.of(new InputSpec(log.toString(), "")), tmp.newFolder().toString())
        .withCluster("parity");

    Kelemetry.Backfills.run(config, "direct", false);
    List<String> batch = SpanFiles.read(Path.of(config.output())).stream().map(Rows::toJson).sorted().toList();
    assertThat(batch.size(), greaterThan(100));

    // Arrival order: the log's order shuffled within groups of 20 lines (a few hundred ms of traffic); the watermark
    // follows 10 s behind the latest request time seen.
    List<String> lines = Files.readAllLines(log);
    TestStream.Builder<RawRecord> stream = TestStream.create(RecordCoders.raw());
    Random random = new Random(11);
    long maxSeen = Long.MIN_VALUE;
    for (int from = 0; from < lines.size(); from += 20) {
      List<Integer> group = new ArrayList<>();
      for (int i = from; i < Math.min(lines.size(), from + 20); i++) {
        group.add(i);
      }
      Collections.shuffle(group, random);
      List<TimestampedValue<RawRecord>> batchOfArrivals = new ArrayList<>();
      for (int i : group) {
        long received = receivedMillis(lines.get(i));
        maxSeen = Math.max(maxSeen, received);
        batchOfArrivals.add(TimestampedValue.of(new RawRecord(log.toString(), i + 1, lines.get(i), ""),
            new org.joda.time.Instant(received)));
      }
      stream = stream.addElements(batchOfArrivals.get(0), batchOfArrivals.subList(1, batchOfArrivals.size())
          .toArray(TimestampedValue[]::new))
          .advanceWatermarkTo(new org.joda.time.Instant(maxSeen - 10_000));
    }

    StreamingOptions options = PipelineOptionsFactory.as(StreamingOptions.class);
    options.setStreaming(true);
    options.setRunner(org.apache.beam.runners.direct.DirectRunner.class);
    Pipeline pipeline = Pipeline.create(options);
    PCollectionTuple raw = PCollectionTuple
        .of(ReadAuditFiles.RECORDS, pipeline.apply("Stream", stream.advanceWatermarkToInfinity()))
        .and(ReadAuditFiles.DEAD_LETTERS, pipeline.apply("NoReadErrors",
            Create.empty(JsonCoder.of(DeadLetterRow.class))));
    TracingPipeline.Outputs out = TracingPipeline.traceRecords(raw, config);
    PAssert.that(out.spans()).satisfies(rows -> {
      List<String> streamed = StreamSupport.stream(rows.spliterator(), false).map(Rows::toJson).sorted().toList();
      // Name what differs (ids, kind, name) before comparing whole rows, so a failure is readable.
      assertThat(summaries(streamed, batch), equalTo(List.of()));
      assertThat(streamed, equalTo(batch));
      return null;
    });
    pipeline.run().waitUntilFinish();
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
