package dev.kelemetry.beam.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesAndMessageIdCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;

/**
 * {@link ReadPubsubRecords} fed by a TestStream of Pub/Sub messages on the streaming DirectRunner, the way PubsubIO
 * feeds it: each message stamped with its publish time, PubsubIO's watermark following publish times. A message's
 * data here is just its event time in epoch millis, so the expected stamps follow from the rule by arithmetic.
 */
public class ReadPubsubRecordsTest {
  private static final String SUBSCRIPTION = "projects/gke-prod-123/subscriptions/k8s-audit";
  private static final Instant T = Instant.parse("2024-01-01T01:00:30Z");
  private static final Duration DELAY = Duration.standardMinutes(1);

  private static Pipeline streaming() {
    StreamingOptions options = PipelineOptionsFactory.as(StreamingOptions.class);
    options.setStreaming(true);
    options.setRunner(org.apache.beam.runners.direct.DirectRunner.class);
    return Pipeline.create(options);
  }

  /** A message whose data is {@code eventTime} in millis, published (and stamped by PubsubIO) {@code lag} later. */
  private static TimestampedValue<PubsubMessage> published(String id, Instant eventTime, Duration lag) {
    byte[] data = Long.toString(eventTime.getMillis()).getBytes(StandardCharsets.UTF_8);
    return TimestampedValue.of(new PubsubMessage(data, Map.of(), id), eventTime.plus(lag));
  }

  private static ReadPubsubRecords read(TestStream<PubsubMessage> messages) {
    return ReadPubsubRecords.from(SUBSCRIPTION).withMessages(messages)
        .withEventTime(text -> Long.parseLong(text) * 1000, DELAY);
  }

  private static TestStream.Builder<PubsubMessage> stream() {
    return TestStream.create(PubsubMessageWithAttributesAndMessageIdCoder.of());
  }

  /** Each record as {@code "<line> stamped <timestamp>"}. */
  private static PCollection<String> stamps(PCollection<RawRecord> records) {
    return records.apply(ParDo.of(new DoFn<RawRecord, String>() {
      @ProcessElement
      public void process(@Element RawRecord r, @Timestamp Instant at, OutputReceiver<String> out) {
        out.output(r.line() + " stamped " + at);
      }
    }));
  }

  @Test
  public void eachRecordIsStampedWithTheSubscriptionsEventTimeWatermarkBeforeItCounted() {
    Duration lag = Duration.standardSeconds(20); // the log sink's latency: publish time is after the event
    TestStream<PubsubMessage> messages = stream()
        .addElements(published("1", T, lag), published("2", T.plus(10_000), lag))
        .advanceWatermarkTo(T.plus(10_000).plus(lag))
        .addElements(published("3", T.minus(Duration.standardMinutes(5)), lag))
        .advanceWatermarkToInfinity();
    Pipeline p = streaming();
    PCollectionTuple out = p.apply(read(messages));
    PAssert.that(stamps(out.get(ReadAuditFiles.RECORDS))).containsInAnyOrder(
        "1 stamped " + BoundedWindow.TIMESTAMP_MIN_VALUE,
        "2 stamped " + T.minus(DELAY),
        // older than the watermark: its stamp is the watermark, so ParseRecords calls it late
        "3 stamped " + T.plus(10_000).minus(DELAY));
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)).empty();
    p.run().waitUntilFinish();
  }

  @Test
  public void theWatermarkIsHeldAtTheSubscriptionsSoARecordOnTimeByItIsNotDroppedDownstream() {
    // PubsubIO's watermark follows publish times, here hours after the events (a sink catching up after an outage).
    // Record 2 comes after PubsubIO's watermark passed the end of its window, but it is on time by the subscription's
    // event-time watermark (its event is after record 1's less the delay): held there, the window is still open.
    Duration lag = Duration.standardHours(2);
    TestStream<PubsubMessage> messages = stream()
        .addElements(published("1", T, lag))
        .advanceWatermarkTo(T.plus(lag).plus(Duration.standardHours(1)))
        .addElements(published("2", T.plus(1000), lag))
        .advanceWatermarkToInfinity();
    Pipeline p = streaming();
    PCollection<RawRecord> records = p.apply(read(messages)).get(ReadAuditFiles.RECORDS);
    PCollection<KV<String, Long>> perWindow = records
        .apply(ParDo.of(new AtEventTime()))
        .apply(Window.into(FixedWindows.of(Duration.standardMinutes(30))))
        .apply(ParDo.of(new AsWord()))
        .apply(Count.perElement());
    IntervalWindow window = new IntervalWindow(Instant.parse("2024-01-01T01:00:00Z"), Duration.standardMinutes(30));
    PAssert.that(perWindow).inOnTimePane(window).containsInAnyOrder(KV.of("record", 2L));
    p.run().waitUntilFinish();
  }

  /** Re-stamps a record with its event time, as ParseRecords does. */
  static final class AtEventTime extends DoFn<RawRecord, RawRecord> {
    @ProcessElement
    public void process(@Element RawRecord r, OutputReceiver<RawRecord> out) {
      out.outputWithTimestamp(r, new Instant(Long.parseLong(r.text())));
    }

    @Override
    public Duration getAllowedTimestampSkew() {
      return Duration.millis(Long.MAX_VALUE);
    }
  }

  static final class AsWord extends DoFn<RawRecord, String> {
    @ProcessElement
    public void process(OutputReceiver<String> out) {
      out.output("record");
    }
  }

  @Test
  public void anEmptyMessageIsADeadLetterNamingTheSubscriptionAndMessageId() {
    TestStream<PubsubMessage> messages = stream()
        .addElements(TimestampedValue.of(new PubsubMessage(new byte[0], Map.of(), "42"), T))
        .advanceWatermarkToInfinity();
    Pipeline p = streaming();
    PCollectionTuple out = p.apply(read(messages));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).empty();
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)).satisfies(rows -> {
      DeadLetterRow row = rows.iterator().next();
      assertThat(row.source(), equalTo("pubsub://" + SUBSCRIPTION));
      assertThat(row.line(), equalTo(42L));
      assertThat(row.reason(), equalTo("empty message"));
      return null;
    });
    p.run().waitUntilFinish();
  }

  @Test
  public void theSubscriptionIsIdleOnlyAfterAQuietSpellSinceTheLastMessageOrTheWorkersStart() {
    Duration idle = Duration.standardMinutes(1);
    long start = T.getMillis();
    long minute = idle.getMillis();
    // a new job: no message yet, but it has not waited a minute either
    assertThat(ReadPubsubRecords.StampEventTimeFn.idle(start + minute - 1, null, start, idle), equalTo(false));
    assertThat(ReadPubsubRecords.StampEventTimeFn.idle(start + minute, null, start, idle), equalTo(true));
    // a restored job: its last read is from before it was down; the quiet spell counts from its start
    assertThat(ReadPubsubRecords.StampEventTimeFn.idle(start + 1000, start - 10 * minute, start, idle), equalTo(false));
    // a running job: from its last message
    assertThat(ReadPubsubRecords.StampEventTimeFn.idle(start + 2 * minute, start + minute + 1, start, idle),
        equalTo(false));
    assertThat(ReadPubsubRecords.StampEventTimeFn.idle(start + 2 * minute, start + minute, start, idle), equalTo(true));
  }

  @Test
  public void aSubscriptionIsNamedInFull() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReadPubsubRecords.from("audit"));
    assertThat(e.getMessage(), containsString("projects/<project>/subscriptions/<name>"));
  }
}
