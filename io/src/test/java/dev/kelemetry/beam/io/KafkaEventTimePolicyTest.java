package dev.kelemetry.beam.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;

/** The per-partition event-time policy on its own: no broker, no pipeline. */
public class KafkaEventTimePolicyTest {
  private static final Instant T = Instant.parse("2026-11-25T12:00:00Z");
  private static final Instant NOW = Instant.parse("2026-11-25T13:00:00Z");
  private static final Duration DELAY = Duration.standardMinutes(1);
  /** A message is just its event time in epoch millis, or "-" for none. */
  private static final SerializableFunction<String, Long> MICROS =
      text -> text.equals("-") ? null : Long.parseLong(text) * 1000;

  private long offset;

  private KafkaEventTimePolicy policy(Optional<Instant> previous) {
    return new KafkaEventTimePolicy(MICROS, DELAY, previous, NOW::getMillis);
  }

  private KafkaRecord<byte[], byte[]> message(String text) {
    byte[] value = text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    return new KafkaRecord<>("audit", 0, offset++, 0L, KafkaTimestampType.CREATE_TIME, new RecordHeaders(), null, value);
  }

  private KafkaRecord<byte[], byte[]> at(Instant eventTime) {
    return message(Long.toString(eventTime.getMillis()));
  }

  private static TimestampPolicy.PartitionContext backlog(long messages, Instant checkedAt) {
    return new TimestampPolicy.PartitionContext() {
      @Override public long getMessageBacklog() { return messages; }
      @Override public Instant getBacklogCheckTime() { return checkedAt; }
    };
  }

  private static final TimestampPolicy.PartitionContext BUSY = backlog(100, NOW);

  @Test
  public void aRecordIsStampedWithTheWatermarkBeforeItCounts() {
    KafkaEventTimePolicy p = policy(Optional.empty());
    assertThat(p.getTimestampForRecord(BUSY, at(T)), equalTo(BoundedWindow.TIMESTAMP_MIN_VALUE));
    assertThat(p.getWatermark(BUSY), equalTo(T.minus(DELAY)));
    assertThat(p.getTimestampForRecord(BUSY, at(T.plus(10_000))), equalTo(T.minus(DELAY)));
    assertThat(p.getWatermark(BUSY), equalTo(T.plus(10_000).minus(DELAY)));
  }

  @Test
  public void anOlderEventNeitherMovesTheWatermarkBackNorGetsAnOlderStamp() {
    KafkaEventTimePolicy p = policy(Optional.empty());
    p.getTimestampForRecord(BUSY, at(T));
    assertThat(p.getTimestampForRecord(BUSY, at(T.minus(600_000))), equalTo(T.minus(DELAY)));
    assertThat(p.getWatermark(BUSY), equalTo(T.minus(DELAY)));
  }

  @Test
  public void aMessageWithoutEventTimeOrThatTheFunctionCannotReadLeavesTheWatermark() {
    KafkaEventTimePolicy p = policy(Optional.empty());
    p.getTimestampForRecord(BUSY, at(T));
    assertThat(p.getTimestampForRecord(BUSY, message("-")), equalTo(T.minus(DELAY)));
    assertThat(p.getTimestampForRecord(BUSY, message("not a number")), equalTo(T.minus(DELAY)));
    assertThat(p.getTimestampForRecord(BUSY, message(null)), equalTo(T.minus(DELAY)));
    assertThat(p.getWatermark(BUSY), equalTo(T.minus(DELAY)));
  }

  @Test
  public void aCaughtUpPartitionAdvancesToItsBacklogCheckTimeLessTheDelayAndNeverBack() {
    KafkaEventTimePolicy p = policy(Optional.empty());
    p.getTimestampForRecord(BUSY, at(T));
    Instant checked = T.plus(Duration.standardMinutes(5));
    assertThat(p.getWatermark(backlog(0, checked)), equalTo(checked.minus(DELAY)));
    // New messages arrive with older event times: their stamp is the advanced watermark, which stays.
    assertThat(p.getTimestampForRecord(BUSY, at(T.plus(1000))), equalTo(checked.minus(DELAY)));
    assertThat(p.getWatermark(BUSY), equalTo(checked.minus(DELAY)));
  }

  @Test
  public void aPartitionThatNeverHadMessagesAdvancesOnceCaughtUp() {
    KafkaEventTimePolicy p = policy(Optional.empty());
    assertThat(p.getWatermark(BUSY), equalTo(BoundedWindow.TIMESTAMP_MIN_VALUE));
    assertThat(p.getWatermark(backlog(-1, NOW)), equalTo(BoundedWindow.TIMESTAMP_MIN_VALUE)); // backlog unknown
    assertThat(p.getWatermark(backlog(0, NOW)), equalTo(NOW.minus(DELAY)));
  }

  @Test
  public void aRestoredPolicyResumesFromThePreviousWatermark() {
    Instant previous = T.minus(DELAY);
    KafkaEventTimePolicy p = policy(Optional.of(previous));
    assertThat(p.getWatermark(BUSY), equalTo(previous));
    assertThat(p.getTimestampForRecord(BUSY, at(T.minus(600_000))), equalTo(previous));
    assertThat(p.getWatermark(BUSY), equalTo(previous));
    assertThat(p.getTimestampForRecord(BUSY, at(T.plus(1000))), equalTo(previous));
    assertThat(p.getWatermark(BUSY), equalTo(T.plus(1000).minus(DELAY)));
  }

  @Test
  public void anEventAheadOfTheClockCountsAsTheClock() {
    KafkaEventTimePolicy p = policy(Optional.empty());
    p.getTimestampForRecord(BUSY, at(NOW.plus(Duration.standardDays(365))));
    assertThat(p.getWatermark(BUSY), equalTo(NOW.minus(DELAY)));
  }

  @Test
  public void theWatermarkNeverGoesBelowTheBeginningOfTime() {
    KafkaEventTimePolicy p = policy(Optional.of(new Instant(Long.MIN_VALUE / 1000)));
    assertThat(p.getWatermark(BUSY), equalTo(BoundedWindow.TIMESTAMP_MIN_VALUE));
    p.getTimestampForRecord(BUSY, at(BoundedWindow.TIMESTAMP_MIN_VALUE.plus(1)));
    assertThat(p.getWatermark(BUSY), equalTo(BoundedWindow.TIMESTAMP_MIN_VALUE));
  }
}
