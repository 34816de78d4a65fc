package dev.kelemetry.beam.transforms;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
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
 * One record per API request, object version and Event occurrence. The stages of a request (RequestReceived,
 * ResponseStarted, ResponseComplete, Panic) and exact repeats share an auditID; the last stage carries the most, so it
 * stays (ResponseComplete, or the last stage seen for requests that never complete, like long watches). An object
 * version seen by two watches or a re-list, and an Event seen in the audit log and by a watch, share their
 * {@link ControlPlaneRecord#id()} and event time in the same way.
 *
 * <p>All stages of a request carry the same requestReceivedTimestamp, which is the element time, so a window of any
 * size holds all of them. The output keeps that time (EARLIEST) and returns to the global window, where the object
 * tracker keeps its state across windows.
 */
public final class Deduplicate extends PTransform<PCollection<ControlPlaneRecord>, PCollection<ControlPlaneRecord>> {
  private final Duration window;
  private final boolean counted;

  private Deduplicate(Duration window, boolean counted) {
    this.window = window;
    this.counted = counted;
  }

  public static Deduplicate byAuditIdWithin(Duration window) {
    return new Deduplicate(window, true);
  }

  /** Without adding to the requests/states/events counters: for a second look at records already counted. */
  public Deduplicate uncounted() {
    return new Deduplicate(window, false);
  }

  @Override
  public PCollection<ControlPlaneRecord> expand(PCollection<ControlPlaneRecord> records) {
    return records
        .apply("KeyByAuditId", ParDo.of(new KeyByAuditId()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), records.getCoder()))
        .apply("WindowByRequestTime", Window.<KV<String, ControlPlaneRecord>>into(FixedWindows.of(window))
            .withTimestampCombiner(TimestampCombiner.EARLIEST))
        .apply("KeepLastStage", Combine.perKey(new KeepLastStage()))
        .apply("CountRequests", ParDo.of(new CountRequests(counted)))
        .setCoder(records.getCoder())
        .apply("BackToGlobalWindow", Window.into(new GlobalWindows()));
  }

  /** The record to keep of two for one auditID; deterministic whatever the arrival order. */
  static ControlPlaneRecord later(ControlPlaneRecord a, ControlPlaneRecord b) {
    int byStage = Integer.compare(ControlPlaneRecord.stageRank(a.stage()), ControlPlaneRecord.stageRank(b.stage()));
    if (byStage != 0) {
      return byStage > 0 ? a : b;
    }
    int byTime = Long.compare(a.stageMicros(), b.stageMicros());
    if (byTime != 0) {
      return byTime > 0 ? a : b;
    }
    return a.source().compareTo(b.source()) <= 0 ? a : b;
  }

  static final class KeepLastStage extends Combine.BinaryCombineFn<ControlPlaneRecord> {
    @Override
    public ControlPlaneRecord apply(ControlPlaneRecord a, ControlPlaneRecord b) {
      return later(a, b);
    }
  }

  static final class KeyByAuditId extends DoFn<ControlPlaneRecord, KV<String, ControlPlaneRecord>> {
    @ProcessElement
    public void process(@Element ControlPlaneRecord r, OutputReceiver<KV<String, ControlPlaneRecord>> out) {
      out.output(KV.of(r.cluster() + "\u0001" + r.origin() + "\u0001" + r.id(), r));
    }
  }

  static final class CountRequests extends DoFn<KV<String, ControlPlaneRecord>, ControlPlaneRecord> {
    private final Counter requests = Metrics.counter(Counters.NAMESPACE, Counters.REQUESTS);
    private final Counter states = Metrics.counter(Counters.NAMESPACE, Counters.STATES);
    private final Counter events = Metrics.counter(Counters.NAMESPACE, Counters.EVENTS);
    private final boolean counted;

    CountRequests(boolean counted) {
      this.counted = counted;
    }

    @ProcessElement
    public void process(@Element KV<String, ControlPlaneRecord> kv, OutputReceiver<ControlPlaneRecord> out) {
      out.output(kv.getValue());
      if (!counted) {
        return;
      }
      switch (kv.getValue().origin()) {
        case ControlPlaneRecord.STATE -> states.inc();
        case ControlPlaneRecord.EVENT -> events.inc();
        default -> requests.inc();
      }
    }
  }
}
