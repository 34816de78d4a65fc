package dev.kelemetry.beam.transforms;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.beam.sdk.state.OrderedListState;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;

/**
 * What {@code @RequiresTimeSortedInput} does, done by the DoFn itself: a key's elements wait in an
 * {@link OrderedListState} and are handed on in event-time order once the watermark has passed them. Dataflow's
 * streaming engine rejects {@code @RequiresTimeSortedInput} but keeps ordered list state and event-time timers, so a
 * DoFn that must see its elements in time order uses this there.
 *
 * <p>One event-time timer per key stands at the earliest buffered time (kept in {@code next}, since a timer cannot be
 * read back). Its output timestamp is that time, so it also holds the step's output watermark there: nothing
 * downstream closes a window before the buffered elements in it are processed. When it fires, the elements at that
 * time are released and the timer moves to the next buffered time; a runner fires it again at once if the watermark
 * is already past it. This is how Beam's own runners sort for {@code @RequiresTimeSortedInput} (one flush per
 * distinct time), only in user state.
 *
 * <p>An element older than what a key has already released cannot be put back in order: {@link #add} refuses it and
 * the caller says so (a dead letter, a counter). Upstream, a stream's records behind the watermark are dead letters
 * already (ParseRecords), so this happens only if a step between them drops its watermark hold.
 */
final class TimeSortedBuffer {
  private TimeSortedBuffer() {}

  /**
   * Buffers {@code value} at {@code time}, moving the release timer earlier if needed. Returns false, buffering
   * nothing, if the key has already released a later time.
   */
  static <T> boolean add(T value, Instant time, OrderedListState<T> buffer, ValueState<Long> next,
      ValueState<Long> released, Timer release) {
    Long releasedUpTo = released.read();
    if (releasedUpTo != null && time.getMillis() < releasedUpTo) {
      return false;
    }
    buffer.add(TimestampedValue.of(value, time));
    Long at = next.read();
    if (at == null || time.getMillis() < at) {
      release.withOutputTimestamp(time).set(time);
      next.write(time.getMillis());
    }
    return true;
  }

  /**
   * Called when the release timer fires at {@code firedAt} (the earliest buffered time): hands every element
   * buffered at or before it to {@code process}, in order, and sets the timer to the next buffered time.
   */
  static <T> void release(Instant firedAt, OrderedListState<T> buffer, ValueState<Long> next,
      ValueState<Long> released, Timer release, BiConsumer<T, Instant> process) {
    Instant upTo = firedAt.plus(org.joda.time.Duration.millis(1)); // readRange's end is exclusive
    List<TimestampedValue<T>> due = new ArrayList<>();
    buffer.readRange(BoundedWindow.TIMESTAMP_MIN_VALUE, upTo).forEach(due::add);
    buffer.clearRange(BoundedWindow.TIMESTAMP_MIN_VALUE, upTo);
    released.write(firedAt.getMillis());
    for (TimestampedValue<T> v : due) {
      process.accept(v.getValue(), v.getTimestamp());
    }
    Iterator<TimestampedValue<T>> rest = buffer.readRange(upTo, BoundedWindow.TIMESTAMP_MAX_VALUE).iterator();
    if (rest.hasNext()) {
      Instant at = rest.next().getTimestamp();
      release.withOutputTimestamp(at).set(at);
      next.write(at.getMillis());
    } else {
      next.clear();
    }
  }
}
