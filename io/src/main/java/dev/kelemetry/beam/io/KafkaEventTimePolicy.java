package dev.kelemetry.beam.io;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The event-time watermark of one Kafka partition, and the timestamp of each record read from it.
 *
 * <ul>
 *   <li>The policy keeps the partition's <em>newest</em> event time seen: {@code latestEventMicros} applied to each
 *       message's text gives the newest event in that message (epoch microseconds), or null when it has none. Event
 *       times ahead of the wall clock count as the wall clock, so one message from a skewed clock cannot push the
 *       watermark past every other record.
 *   <li>watermark = newest - {@code delay}. When the reader last found the partition without backlog (caught up, so
 *       idle), the watermark may advance to (that check's time - {@code delay}). It never goes backwards, and is never
 *       below {@link BoundedWindow#TIMESTAMP_MIN_VALUE}.
 *   <li><b>A record's timestamp is the partition's watermark at the moment the record is read, before the record
 *       updates the newest event time.</b> So a record is never behind the watermark the source has announced, and a
 *       downstream step that re-stamps each parsed event with its own event time can call it late exactly when that
 *       event time is before the element's timestamp.
 *   <li>On resume from a checkpoint, KafkaIO hands the factory the partition's previous watermark: the policy starts
 *       from it (watermark = previous, newest = previous + delay), so a restored job neither moves the watermark back
 *       nor treats records the old job already called on time as late.
 * </ul>
 */
final class KafkaEventTimePolicy extends TimestampPolicy<byte[], byte[]> {
  private final SerializableFunction<String, Long> latestEventMicros;
  private final Duration delay;
  private final LongSupplier clockMillis;
  /** Newest event time seen (millis), or null when none yet. */
  private Long newestMillis;
  /** The highest watermark this policy has handed out. */
  private Instant watermark;

  KafkaEventTimePolicy(SerializableFunction<String, Long> latestEventMicros, Duration delay,
      Optional<Instant> previousWatermark, LongSupplier clockMillis) {
    this.latestEventMicros = latestEventMicros;
    this.delay = delay;
    this.clockMillis = clockMillis;
    this.watermark = previousWatermark.map(KafkaEventTimePolicy::atLeastMin).orElse(BoundedWindow.TIMESTAMP_MIN_VALUE);
    this.newestMillis = previousWatermark.isPresent() && watermark.isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE)
        ? watermark.getMillis() + delay.getMillis()
        : null;
  }

  @Override
  public Instant getTimestampForRecord(PartitionContext ctx, KafkaRecord<byte[], byte[]> record) {
    Instant timestamp = getWatermark(ctx); // before this record counts
    byte[] value = record.getKV().getValue();
    if (value != null && value.length > 0) {
      Long micros = eventMicros(value);
      if (micros != null) {
        long millis = Math.min(Math.floorDiv(micros, 1000L), clockMillis.getAsLong());
        if (newestMillis == null || millis > newestMillis) {
          newestMillis = millis;
        }
      }
    }
    return timestamp;
  }

  @Override
  public Instant getWatermark(PartitionContext ctx) {
    Instant candidate = watermark;
    if (newestMillis != null) {
      candidate = later(candidate, atLeastMin(new Instant(newestMillis).minus(delay)));
    }
    if (ctx != null && ctx.getMessageBacklog() == 0 && ctx.getBacklogCheckTime() != null) {
      candidate = later(candidate, atLeastMin(ctx.getBacklogCheckTime().minus(delay)));
    }
    watermark = candidate;
    return watermark;
  }

  private Long eventMicros(byte[] value) {
    try {
      return latestEventMicros.apply(new String(value, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      return null; // only the watermark is at stake here: the parser dead-letters a message it cannot read
    }
  }

  private static Instant later(Instant a, Instant b) {
    return b.isAfter(a) ? b : a;
  }

  private static Instant atLeastMin(Instant t) {
    return t.isBefore(BoundedWindow.TIMESTAMP_MIN_VALUE) ? BoundedWindow.TIMESTAMP_MIN_VALUE : t;
  }

  /** One policy per partition, resumed from the partition's previous watermark when KafkaIO has one. */
  static final class Factory implements TimestampPolicyFactory<byte[], byte[]> {
    private final SerializableFunction<String, Long> latestEventMicros;
    private final Duration delay;

    Factory(SerializableFunction<String, Long> latestEventMicros, Duration delay) {
      this.latestEventMicros = latestEventMicros;
      this.delay = delay;
    }

    @Override
    public TimestampPolicy<byte[], byte[]> createTimestampPolicy(TopicPartition partition,
        Optional<Instant> previousWatermark) {
      return new KafkaEventTimePolicy(latestEventMicros, delay, previousWatermark, System::currentTimeMillis);
    }
  }
}
