package dev.kelemetry.beam.transforms;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import dev.kelemetry.beam.transforms.parse.RecordParser;
import dev.kelemetry.beam.transforms.parse.ParseOutcome;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;

/**
 * Every known input envelope to {@link ControlPlaneRecord}s, stamped with their event time; everything else to dead
 * letters. Counts each record read as parsed, dead-lettered or filtered (by reason), so the three add up to read.
 *
 * <p>Lateness: a streaming source stamps each raw record with its watermark at the moment it read it (see
 * {@code ReadKafkaRecords}). A record whose event time is before that stamp arrived after the watermark had passed
 * it: windows it belongs to may already be closed, so it would be dropped by the runner without a word. It becomes
 * a dead letter that says so instead. Files stamp nothing (the minimum time), so nothing from a backfill is late.
 */
public final class ParseRecords extends PTransform<PCollection<RawRecord>, PCollectionTuple> {
  public static final TupleTag<ControlPlaneRecord> RECORDS = new TupleTag<>() {};
  public static final TupleTag<DeadLetterRow> DEAD_LETTERS = new TupleTag<>() {};
  /**
   * Audit requests the graph does not trace (lists, watches, non-resource paths, Event writes), without bodies, for
   * request metrics: with the traced requests they are every request of the log. Not counted as records: each is
   * one of the records above, or a filtered one.
   */
  public static final TupleTag<ControlPlaneRecord> UNTRACED_REQUESTS = new TupleTag<>() {};

  private final String defaultCluster;

  private ParseRecords(String defaultCluster) {
    this.defaultCluster = defaultCluster;
  }

  /** @param defaultCluster the cluster of records whose input does not name one (from {@code --cluster}) */
  public static ParseRecords withDefaultCluster(String defaultCluster) {
    if (defaultCluster == null || defaultCluster.isBlank()) {
      throw new IllegalArgumentException("a cluster name is required");
    }
    return new ParseRecords(defaultCluster);
  }

  @Override
  public PCollectionTuple expand(PCollection<RawRecord> input) {
    PCollectionTuple out = input.apply("Parse", ParDo.of(new ParseFn(defaultCluster))
        .withOutputTags(RECORDS, TupleTagList.of(DEAD_LETTERS).and(UNTRACED_REQUESTS)));
    out.get(RECORDS).setCoder(RecordCoders.audit());
    out.get(UNTRACED_REQUESTS).setCoder(RecordCoders.audit());
    out.get(DEAD_LETTERS).setCoder(JsonCoder.of(DeadLetterRow.class));
    return out;
  }

  public static final String WITHHELD = "(raw text withheld: it may hold Secret values; find it by source and line)";

  /**
   * A record we could not parse may still be a Secret write whose values must never reach a sink, dead letters
   * included. Text that names Secrets is withheld; the row keeps the file and line to find it.
   */
  public static boolean mayHoldSecretValues(String raw) {
    return raw != null && (raw.contains("Secret") || raw.contains("secrets"));
  }

  static final class ParseFn extends DoFn<RawRecord, ControlPlaneRecord> {
    private static final ProgressLog PROGRESS = ProgressLog.of("records parsed");
    private final String defaultCluster;
    private final Counter read = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_READ);
    private final Counter parsed = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_PARSED);
    private final Counter deadLettered = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_DEAD_LETTERED);
    private final Counter filtered = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_FILTERED);
    private final Counter late = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_LATE);
    private final Counter lateRequests = Metrics.counter(Counters.NAMESPACE, Counters.METRIC_REQUESTS_LATE);

    ParseFn(String defaultCluster) {
      this.defaultCluster = defaultCluster;
    }

    @ProcessElement
    public void process(@Element RawRecord raw, @Timestamp Instant watermarkAtRead, MultiOutputReceiver out) {
      String cluster = raw.cluster() == null || raw.cluster().isEmpty() ? defaultCluster : raw.cluster();
      List<ParseOutcome> outcomes = new RecordParser(cluster, raw.source()).parse(raw.text(), raw.line());
      PROGRESS.add(outcomes.size());
      for (ParseOutcome outcome : outcomes) {
        read.inc();
        ControlPlaneRecord untraced = outcome instanceof ParseOutcome.Parsed p ? p.untracedRequest()
            : outcome instanceof ParseOutcome.Filtered f ? f.untracedRequest() : null;
        if (untraced != null && isLate(untraced, watermarkAtRead)) {
          lateRequests.inc(); // its windows may be closed: the runner would drop it without a word
        } else if (untraced != null) {
          out.get(UNTRACED_REQUESTS).outputWithTimestamp(untraced, new Instant(untraced.requestReceivedMicros() / 1000));
        }
        if (outcome instanceof ParseOutcome.Parsed p && isLate(p.record(), watermarkAtRead)) {
          deadLettered.inc();
          late.inc();
          out.get(DEAD_LETTERS).output(DeadLetterRow.of(raw.source(), p.line(), "ParseRecords", lateReason(p.record(),
              watermarkAtRead), mayHoldSecretValues(raw.text()) ? WITHHELD : raw.text()));
        } else if (outcome instanceof ParseOutcome.Parsed p) {
          parsed.inc();
          out.get(RECORDS).outputWithTimestamp(p.record(), new Instant(p.record().requestReceivedMicros() / 1000));
        } else if (outcome instanceof ParseOutcome.Failed f) {
          deadLettered.inc();
          out.get(DEAD_LETTERS).output(DeadLetterRow.of(raw.source(), f.line(), "ParseRecords", f.reason(),
              mayHoldSecretValues(f.raw()) ? WITHHELD : f.raw()));
        } else if (outcome instanceof ParseOutcome.Filtered f) {
          filtered.inc();
          Metrics.counter(Counters.NAMESPACE, Counters.FILTERED_PREFIX + f.reason()).inc();
        }
      }
    }

    static boolean isLate(ControlPlaneRecord r, Instant watermarkAtRead) {
      return r.requestReceivedMicros() / 1000 < watermarkAtRead.getMillis();
    }

    static String lateReason(ControlPlaneRecord r, Instant watermarkAtRead) {
      return "late: its event time " + Rows.timestamp(r.requestReceivedMicros()) + " was already behind the watermark ("
          + Rows.timestamp(watermarkAtRead.getMillis() * 1000) + ") when it was read; raise --watermark-delay or"
          + " --allowed-lateness to wait longer for records like it, or trace it with a backfill";
    }

    @Override
    public org.joda.time.Duration getAllowedTimestampSkew() {
      // Records are stamped with the time the API server received the request, which may be before the time the
      // source stamped the raw line with (e.g. a Kafka append time); event time comes from the audit log, not transport.
      return org.joda.time.Duration.millis(Long.MAX_VALUE);
    }
  }
}
