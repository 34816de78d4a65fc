package dev.kelemetry.beam.transforms;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import java.time.Instant;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Keeps the records whose event time is in {@code [since, until)}: a backfill of part of a log, as the BigQuery
 * reader's time range does for log-sink tables. What it drops was parsed (it is in {@code records_parsed}) and is
 * counted as {@code records_outside_time_range}. An object's state from before {@code since} is not known, so its
 * first diff in the range is missing, as for any log that starts late.
 */
public final class KeepTimeRange extends PTransform<PCollection<ControlPlaneRecord>, PCollection<ControlPlaneRecord>> {
  private final long sinceMicros;
  private final long untilMicros;

  private KeepTimeRange(long sinceMicros, long untilMicros) {
    this.sinceMicros = sinceMicros;
    this.untilMicros = untilMicros;
  }

  /** Either bound may be null: open on that side. */
  public static KeepTimeRange between(Instant since, Instant until) {
    if (since != null && until != null && !since.isBefore(until)) {
      throw new IllegalArgumentException("since (" + since + ") must be before until (" + until + ")");
    }
    return new KeepTimeRange(since == null ? Long.MIN_VALUE : micros(since), until == null ? Long.MAX_VALUE : micros(until));
  }

  private static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
  }

  @Override
  public PCollection<ControlPlaneRecord> expand(PCollection<ControlPlaneRecord> records) {
    return records.apply("KeepRecordsInRange", ParDo.of(new DoFn<ControlPlaneRecord, ControlPlaneRecord>() {
      private final Counter outside = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_OUTSIDE_TIME_RANGE);

      @ProcessElement
      public void process(@Element ControlPlaneRecord r, OutputReceiver<ControlPlaneRecord> out) {
        long t = r.requestReceivedMicros();
        if (t >= sinceMicros && t < untilMicros) {
          out.output(r);
        } else {
          outside.inc();
        }
      }
    })).setCoder(records.getCoder());
  }
}
