package dev.kelemetry.beam.transforms;

import dev.kelemetry.beam.schemas.AuditRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * One record per API request: the stages of a request (RequestReceived, ResponseStarted, ResponseComplete, Panic)
 * and exact repeats share an auditID; the last stage carries the most, so it stays (ResponseComplete, or the last
 * stage seen for requests that never complete, like long watches).
 *
 * <p>All stages of a request carry the same requestReceivedTimestamp, which is the element time, so a window of any
 * size holds all of them. The output keeps that time (EARLIEST) and returns to the global window, where the object
 * tracker keeps its state across windows.
 */
public final class Deduplicate extends PTransform<PCollection<AuditRecord>, PCollection<AuditRecord>> {
  private final Duration window;

  private Deduplicate(Duration window) {
    this.window = window;
  }

  public static Deduplicate byAuditIdWithin(Duration window) {
    return new Deduplicate(window);
  }

  @Override
  public PCollection<AuditRecord> expand(PCollection<AuditRecord> records) {
    return records
        .apply("KeyByAuditId", ParDo.of(new KeyByAuditId()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), records.getCoder()))
        .apply("WindowByRequestTime", Window.<KV<String, AuditRecord>>into(FixedWindows.of(window))
            .withTimestampCombiner(TimestampCombiner.EARLIEST))
        .apply("KeepLastStage", Combine.perKey(new KeepLastStage()))
        .apply("CountRequests", ParDo.of(new CountRequests()))
        .setCoder(records.getCoder())
        .apply("BackToGlobalWindow", Window.into(new GlobalWindows()));
  }

  /** The record to keep of two for one auditID; deterministic whatever the arrival order. */
  static AuditRecord later(AuditRecord a, AuditRecord b) {
    int byStage = Integer.compare(AuditRecord.stageRank(a.stage()), AuditRecord.stageRank(b.stage()));
    if (byStage != 0) {
      return byStage > 0 ? a : b;
    }
    int byTime = Long.compare(a.stageMicros(), b.stageMicros());
    if (byTime != 0) {
      return byTime > 0 ? a : b;
    }
    return a.source().compareTo(b.source()) <= 0 ? a : b;
  }

  static final class KeepLastStage extends Combine.BinaryCombineFn<AuditRecord> {
    @Override
    public AuditRecord apply(AuditRecord a, AuditRecord b) {
      return later(a, b);
    }
  }

  static final class KeyByAuditId extends DoFn<AuditRecord, KV<String, AuditRecord>> {
    @ProcessElement
    public void process(@Element AuditRecord r, OutputReceiver<KV<String, AuditRecord>> out) {
      out.output(KV.of(r.cluster() + "\u0001" + r.auditId(), r));
    }
  }

  static final class CountRequests extends DoFn<KV<String, AuditRecord>, AuditRecord> {
    private final Counter requests = Metrics.counter(Counters.NAMESPACE, Counters.REQUESTS);

    @ProcessElement
    public void process(@Element KV<String, AuditRecord> kv, OutputReceiver<AuditRecord> out) {
      requests.inc();
      out.output(kv.getValue());
    }
  }
}
