package dev.kelemetry.beam.io;

import java.io.Serializable;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The event-time watermark of one stream of messages (a Kafka partition, a Pub/Sub subscription), in plain Java so the
 * rule is the same whichever source keeps it:
 *
 * <ul>
 *   <li>It keeps the <em>newest</em> event time seen. An event time ahead of the wall clock counts as the wall clock,
 *       so one message from a skewed clock cannot push the watermark past every other record.
 *   <li>watermark = newest - {@code delay}; when the source knows it has nothing left to read (caught up, so idle),
 *       it may advance to (the time it found that out - {@code delay}). It never goes backwards and is never below
 *       {@link BoundedWindow#TIMESTAMP_MIN_VALUE}.
 *   <li>A source stamps each record with {@link #current()} <em>before</em> it {@link #observe}s that record, so a
 *       record is never behind the watermark the source has announced; the parser then calls a record late exactly
 *       when its own event time is before that stamp.
 *   <li>Resumed from a previous watermark (a restored checkpoint), it starts from it: newest = previous + delay, so a
 *       restored job neither moves the watermark back nor calls late what the old job called on time.
 * </ul>
 */
final class EventTimeWatermark implements Serializable {
  private final long delayMillis;
  /** Newest event time seen (millis), or null when none yet. */
  private Long newestMillis;
  /** The highest watermark handed out (millis). */
  private long watermarkMillis;

  private EventTimeWatermark(long delayMillis, Long newestMillis, long watermarkMillis) {
    this.delayMillis = delayMillis;
    this.newestMillis = newestMillis;
    this.watermarkMillis = watermarkMillis;
  }

  /** A stream with no history: the watermark is at the beginning of time until a record or idleness moves it. */
  static EventTimeWatermark start(Duration delay) {
    return new EventTimeWatermark(delay.getMillis(), null, BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis());
  }

  /** A stream resumed from the watermark it had reached. */
  static EventTimeWatermark resume(Duration delay, Instant previous) {
    long at = atLeastMin(previous.getMillis());
    Long newest = at > BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis() ? at + delay.getMillis() : null;
    return new EventTimeWatermark(delay.getMillis(), newest, at);
  }

  /**
   * Counts a record whose newest event time is {@code eventMicros} (epoch microseconds, as the parser gives it; null:
   * it has none), read at {@code nowMillis}.
   */
  void observe(Long eventMicros, long nowMillis) {
    if (eventMicros == null) {
      return;
    }
    long millis = Math.min(Math.floorDiv(eventMicros, 1000L), nowMillis);
    if (newestMillis == null || millis > newestMillis) {
      newestMillis = millis;
    }
  }

  /** The watermark by the records seen so far. */
  Instant current() {
    if (newestMillis != null) {
      watermarkMillis = Math.max(watermarkMillis, atLeastMin(newestMillis - delayMillis));
    }
    return new Instant(watermarkMillis);
  }

  /** The watermark when the source found, at {@code checkedAtMillis}, that it had nothing left to read. */
  Instant idleAt(long checkedAtMillis) {
    current();
    watermarkMillis = Math.max(watermarkMillis, atLeastMin(checkedAtMillis - delayMillis));
    return new Instant(watermarkMillis);
  }

  private static long atLeastMin(long millis) {
    return Math.max(millis, BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis());
  }
}
