package dev.kelemetry.beam.transforms;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress lines for long runs: each step counts what it handled and, at most every 10 seconds per step and worker
 * process, logs the running total. Counts are per process (a worker), unlike the Beam counters of the summary, which
 * are exact but only read at the end on some runners.
 */
public final class ProgressLog {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressLog.class);
  private static final long EVERY_NANOS = 10_000_000_000L;
  private static final ConcurrentHashMap<String, ProgressLog> STEPS = new ConcurrentHashMap<>();

  private final String what;
  private final AtomicLong count = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime());

  private ProgressLog(String what) {
    this.what = what;
  }

  /** The progress of one step, e.g. {@code of("records parsed")}. */
  public static ProgressLog of(String what) {
    return STEPS.computeIfAbsent(what, ProgressLog::new);
  }

  public void add(long n) {
    long total = count.addAndGet(n);
    long last = lastLog.get();
    long now = System.nanoTime();
    if (now - last > EVERY_NANOS && lastLog.compareAndSet(last, now)) {
      LOG.info("{}: {}", what, String.format("%,d", total));
    }
  }
}
