package dev.kelemetry.beam.io;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The event-time watermark of one Kafka partition, and the timestamp of each record read from it: the rule of
 * {@link EventTimeWatermark}, fed by KafkaIO.
 *
 * <ul>
 *   <li>{@code latestEventMicros} applied to each message's text gives the newest event in that message (epoch
 *       microseconds), or null when it has none.
 *   <li><b>A record's timestamp is the partition's watermark at the moment the record is read, before the record
 *       updates the newest event time.</b>
 *   <li>When the reader last found the partition without backlog (caught up, so idle), the watermark may advance to
 *       (that check's time - {@code delay}).
 *   <li>On resume from a checkpoint, KafkaIO hands the factory the partition's previous watermark: the policy starts
 *       from it.
 * </ul>
 */
final class KafkaEventTimePolicy extends TimestampPolicy<byte[], byte[]> {
  private final SerializableFunction<String, Long> latestEventMicros;
  private final LongSupplier clockMillis;
  private final EventTimeWatermark watermark;

  KafkaEventTimePolicy(SerializableFunction<String, Long> latestEventMicros, Duration delay,
      Optional<Instant> previousWatermark, LongSupplier clockMillis) {
    this.latestEventMicros = latestEventMicros;
    this.clockMillis = clockMillis;
    this.watermark = previousWatermark.map(p -> EventTimeWatermark.resume(delay, p))
        .orElseGet(() -> EventTimeWatermark.start(delay));
  }

  @Override
  public Instant getTimestampForRecord(PartitionContext ctx, KafkaRecord<byte[], byte[]> record) {
    Instant timestamp = getWatermark(ctx); // before this record counts
    byte[] value = record.getKV().getValue();
    if (value != null && value.length > 0) {
      watermark.observe(eventMicros(value), clockMillis.getAsLong());
    }
    return timestamp;
  }

  @Override
  public Instant getWatermark(PartitionContext ctx) {
    if (ctx != null && ctx.getMessageBacklog() == 0 && ctx.getBacklogCheckTime() != null) {
      return watermark.idleAt(ctx.getBacklogCheckTime().getMillis());
    }
    return watermark.current();
  }

  private Long eventMicros(byte[] value) {
    try {
      return latestEventMicros.apply(new String(value, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      return null; // only the watermark is at stake here: the parser dead-letters a message it cannot read
    }
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
