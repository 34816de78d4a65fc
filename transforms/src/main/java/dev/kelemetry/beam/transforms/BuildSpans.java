package dev.kelemetry.beam.transforms;

import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.spans.AuditSpans;
import dev.kelemetry.beam.transforms.spans.SpanIds;
import java.util.Iterator;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Duration;

/**
 * Puts every audit span into its trace (the trace of its object's root in that window) and joins them with the object
 * spans: the finished span rows. An audit span whose object got no placement (which the tracker and the resolver
 * should never allow) becomes the child of its object as its own root, and is counted.
 */
public final class BuildSpans extends PTransform<PCollectionTuple, PCollection<SpanRow>> {
  private static final TupleTag<SpanRow> DRAFTS = new TupleTag<>() {};
  private static final TupleTag<String> TRACES = new TupleTag<>() {};

  private final Duration window;

  private BuildSpans(Duration window) {
    this.window = window;
  }

  public static BuildSpans inWindowsOf(Duration window) {
    return new BuildSpans(window);
  }

  /** What this transform reads: the tracker's audit spans and the resolver's placements and object spans. */
  public static PCollectionTuple inputs(PCollectionTuple tracked, PCollectionTuple resolved) {
    return PCollectionTuple.of(TrackObjects.SPAN_DRAFTS, tracked.get(TrackObjects.SPAN_DRAFTS))
        .and(ResolveOwners.PLACEMENTS, resolved.get(ResolveOwners.PLACEMENTS))
        .and(ResolveOwners.OBJECT_SPANS, resolved.get(ResolveOwners.OBJECT_SPANS));
  }

  @Override
  public PCollection<SpanRow> expand(PCollectionTuple input) {
    PCollection<SpanRow> audit = KeyedPCollectionTuple
        .of(DRAFTS, input.get(TrackObjects.SPAN_DRAFTS).apply("WindowAuditSpans", Window.into(FixedWindows.of(window))))
        .and(TRACES, input.get(ResolveOwners.PLACEMENTS).apply("WindowPlacements", Window.into(FixedWindows.of(window))))
        .apply("JoinPlacements", CoGroupByKey.create())
        .apply("SetTraceIds", ParDo.of(new SetTraceIds()))
        .setCoder(JsonCoder.of(SpanRow.class))
        .apply("AuditSpansAcrossWindows", Window.into(new GlobalWindows()));
    return PCollectionList.of(audit).and(input.get(ResolveOwners.OBJECT_SPANS))
        .apply("AllSpans", Flatten.pCollections());
  }

  static final class SetTraceIds extends DoFn<KV<String, CoGbkResult>, SpanRow> {
    private static final ProgressLog PROGRESS = ProgressLog.of("spans built");
    private final Counter unplaced = Metrics.counter(Counters.NAMESPACE, Counters.SPANS_WITHOUT_PLACEMENT);

    @ProcessElement
    public void process(@Element KV<String, CoGbkResult> joined, OutputReceiver<SpanRow> out) {
      Iterator<String> traceIds = joined.getValue().getAll(TRACES).iterator();
      String traceId = traceIds.hasNext() ? traceIds.next() : null;
      for (SpanRow draft : joined.getValue().getAll(DRAFTS)) {
        String id = traceId;
        if (id == null) {
          unplaced.inc();
          String[] key = joined.getKey().split("\u0001", -1);
          id = SpanIds.traceId(key[0], key[1], Long.parseLong(key[2]));
        }
        Metrics.counter(Counters.NAMESPACE, Counters.SPANS_PREFIX + draft.kind()).inc();
        PROGRESS.add(1);
        out.output(AuditSpans.inTrace(draft, id));
      }
    }
  }
}
