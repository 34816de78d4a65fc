package dev.kelemetry.beam.transforms;

import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.owners.ObjectSighting;
import dev.kelemetry.beam.transforms.owners.OwnerForest;
import dev.kelemetry.beam.transforms.track.ObjectTracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.OrderedListState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The owner tree of each cluster, window by window: which trace every active object belongs to ({@link #PLACEMENTS},
 * keyed like the audit spans) and the object spans of every object on the owner chains ({@link #OBJECT_SPANS}).
 *
 * <p>The sightings of each window are gathered into one element; a stateful step takes these in window order
 * ({@code @RequiresTimeSortedInput}, or {@link #sortingInState()}) and
 * remembers owner links from earlier windows (for {@code linkTtl}), so a Pod active in a window where its ReplicaSet
 * and Deployment were quiet still hangs under both. A window is resolved with the links known from it and earlier
 * windows only, so batch and stream agree. Per window the work is linear in its sightings, whatever the number of
 * windows in the run.
 *
 * <p>All clusters share one key, because a parent-link annotation may put an object under a parent in another
 * cluster: every tree of a window is resolved in one place. The input is small (one sighting per active object and
 * window, not one per record), so this step is not where a run spends its time; see docs/performance.md.
 */
public final class ResolveOwners extends PTransform<PCollection<KV<String, ObjectSighting>>, PCollectionTuple> {
  public static final TupleTag<SpanRow> OBJECT_SPANS = new TupleTag<>() {};
  public static final TupleTag<KV<String, String>> PLACEMENTS = new TupleTag<>() {};
  private static final String ALL_CLUSTERS = "all";

  private final Duration window;
  private final int maxDepth;
  private final Duration linkTtl;
  private final boolean sortingInState;

  private ResolveOwners(Duration window, int maxDepth, Duration linkTtl, boolean sortingInState) {
    this.window = window;
    this.maxDepth = maxDepth;
    this.linkTtl = linkTtl;
    this.sortingInState = sortingInState;
  }

  public static ResolveOwners inWindowsOf(Duration window) {
    return new ResolveOwners(window, 10, Duration.standardHours(24), false);
  }

  /** At most this many owner hops above an object; the object where the chain stops is its trace's root. */
  public ResolveOwners withMaxDepth(int depth) {
    if (depth < 0) {
      throw new IllegalArgumentException("owner depth must be 0 or more, got " + depth);
    }
    return new ResolveOwners(window, depth, linkTtl, sortingInState);
  }

  /** How long an object's owner link is remembered after the object was last active. */
  public ResolveOwners withLinkTtl(Duration ttl) {
    return new ResolveOwners(window, maxDepth, ttl, sortingInState);
  }

  /**
   * Puts the windows in order in the step's own state instead of asking the runner for
   * {@code @RequiresTimeSortedInput}, which Dataflow's streaming engine rejects; same rows ({@link TimeSortedBuffer}).
   */
  public ResolveOwners sortingInState() {
    return new ResolveOwners(window, maxDepth, linkTtl, true);
  }

  @Override
  public PCollectionTuple expand(PCollection<KV<String, ObjectSighting>> sightings) {
    ResolveStep step = new ResolveStep(window.getMillis() * 1000, maxDepth, linkTtl.getMillis() * 1000);
    PCollectionTuple out = sightings
        .apply("WindowSightings", Window.into(FixedWindows.of(window)))
        .apply("LatestPerObjectAndWindow", Combine.perKey(new Latest()))
        .apply("OneKeyForAllClusters", ParDo.of(new DoFn<KV<String, ObjectSighting>, KV<String, ObjectSighting>>() {
          @ProcessElement
          public void process(@Element KV<String, ObjectSighting> kv, OutputReceiver<KV<String, ObjectSighting>> o) {
            o.output(KV.of(ALL_CLUSTERS, kv.getValue()));
          }
        }))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), JsonCoder.of(ObjectSighting.class)))
        .apply("GatherWindow", GroupByKey.create())
        .apply("AcrossWindows", Window.into(new GlobalWindows()))
        .apply("ResolveWindowsInOrder", ParDo.of(sortingInState ? new SortingResolveFn(step) : new ResolveFn(step))
            .withOutputTags(PLACEMENTS, TupleTagList.of(OBJECT_SPANS)));
    out.get(OBJECT_SPANS).setCoder(JsonCoder.of(SpanRow.class));
    out.get(PLACEMENTS).setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
    return out;
  }

  static final class Latest extends Combine.BinaryCombineFn<ObjectSighting> {
    @Override
    public ObjectSighting apply(ObjectSighting a, ObjectSighting b) {
      return a.latest(b);
    }
  }

  /**
   * One window's sightings (of every cluster), resolved with the links of that window and earlier ones; windows come
   * in order, from {@link ResolveFn} or {@link SortingResolveFn}. Only the owner links cross windows, as state.
   */
  static final class ResolveStep implements java.io.Serializable {
    private final long windowMicros;
    private final int maxDepth;
    private final long linkTtlMicros;
    private final Counter traces = Metrics.counter(Counters.NAMESPACE, Counters.TRACES);
    private final Counter objectSpans = Metrics.counter(Counters.NAMESPACE, Counters.SPANS_PREFIX + SpanRow.KIND_OBJECT);
    private final Counter placeholders = Metrics.counter(Counters.NAMESPACE, Counters.PLACEHOLDER_OWNERS);

    ResolveStep(long windowMicros, int maxDepth, long linkTtlMicros) {
      this.windowMicros = windowMicros;
      this.maxDepth = maxDepth;
      this.linkTtlMicros = linkTtlMicros;
    }

    void resolve(Iterable<ObjectSighting> sightings, MapState<String, ObjectSighting> known,
        ValueState<Long> lastCleanup, DoFn.MultiOutputReceiver out) {
      List<ObjectSighting> active = new ArrayList<>();
      sightings.forEach(active::add);
      if (active.isEmpty()) {
        return;
      }
      long windowStart = active.get(0).windowStartMicros();
      resolveWindow(windowStart, active, known, out);
      Long cleaned = lastCleanup.read();
      if (cleaned == null || windowStart - cleaned >= linkTtlMicros / 4) {
        forgetOldLinks(windowStart, known); // a pass over all links, so only every quarter of the TTL
        lastCleanup.write(windowStart);
      }
    }

    private void resolveWindow(long windowStart, List<ObjectSighting> active, MapState<String, ObjectSighting> known,
        DoFn.MultiOutputReceiver out) {
      for (ObjectSighting s : active) {
        known.put(OwnerForest.key(s.cluster(), s.objectId()), s);
      }
      // A link older than the TTL counts as unknown whether or not the cleanup below has removed it yet, so results
      // do not depend on when memory is freed.
      OwnerForest.Result result = new OwnerForest(windowStart, windowMicros, maxDepth, key -> {
        ObjectSighting s = known.get(key).read();
        return s != null && s.windowStartMicros() + linkTtlMicros >= windowStart ? s : null;
      }).resolve(active);
      for (OwnerForest.Placement p : result.placements()) {
        out.get(PLACEMENTS).output(KV.of(ObjectTracker.placementKey(p.cluster(), p.objectId(), windowStart), p.traceId()));
      }
      for (SpanRow span : result.objectSpans()) {
        out.get(OBJECT_SPANS).output(span);
      }
      traces.inc(result.traces());
      objectSpans.inc(result.objectSpans().size());
      placeholders.inc(result.placeholders());
    }

    private void forgetOldLinks(long windowStart, MapState<String, ObjectSighting> known) {
      List<String> expired = new ArrayList<>();
      for (Map.Entry<String, ObjectSighting> e : known.entries().read()) {
        if (e.getValue().windowStartMicros() + linkTtlMicros < windowStart) {
          expired.add(e.getKey());
        }
      }
      expired.forEach(known::remove);
    }
  }

  /** One element per window, in window order ({@code @RequiresTimeSortedInput}: the element time is the window's end). */
  static final class ResolveFn extends DoFn<KV<String, Iterable<ObjectSighting>>, KV<String, String>> {
    private final ResolveStep step;

    @StateId("known")
    private final StateSpec<MapState<String, ObjectSighting>> knownSpec =
        StateSpecs.map(StringUtf8Coder.of(), JsonCoder.of(ObjectSighting.class));

    @StateId("lastCleanup")
    private final StateSpec<ValueState<Long>> lastCleanupSpec = StateSpecs.value(VarLongCoder.of());

    ResolveFn(ResolveStep step) {
      this.step = step;
    }

    @RequiresTimeSortedInput
    @ProcessElement
    public void process(@Element KV<String, Iterable<ObjectSighting>> clusterWindow,
        @StateId("known") MapState<String, ObjectSighting> known, @StateId("lastCleanup") ValueState<Long> lastCleanup,
        MultiOutputReceiver out) {
      step.resolve(clusterWindow.getValue(), known, lastCleanup, out);
    }
  }

  /**
   * The same step with the windows put in order in its own state ({@link TimeSortedBuffer}), for Dataflow's streaming
   * engine, which rejects {@code @RequiresTimeSortedInput}. A window is released when the watermark passes its end,
   * which is when GatherWindow emits it, so it is resolved as soon as the default step would resolve it.
   */
  static final class SortingResolveFn extends DoFn<KV<String, Iterable<ObjectSighting>>, KV<String, String>> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SortingResolveFn.class);
    private final ResolveStep step;
    private final Counter late = Metrics.counter(Counters.NAMESPACE, Counters.OWNER_WINDOWS_LATE);

    @StateId("known")
    private final StateSpec<MapState<String, ObjectSighting>> knownSpec =
        StateSpecs.map(StringUtf8Coder.of(), JsonCoder.of(ObjectSighting.class));

    @StateId("lastCleanup")
    private final StateSpec<ValueState<Long>> lastCleanupSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("buffer")
    private final StateSpec<OrderedListState<List<ObjectSighting>>> bufferSpec =
        StateSpecs.orderedList(ListCoder.of(JsonCoder.of(ObjectSighting.class)));

    @StateId("next")
    private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("released")
    private final StateSpec<ValueState<Long>> releasedSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("release")
    private final TimerSpec releaseSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    SortingResolveFn(ResolveStep step) {
      this.step = step;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<ObjectSighting>> clusterWindow, @Timestamp Instant timestamp,
        @StateId("buffer") OrderedListState<List<ObjectSighting>> buffer, @StateId("next") ValueState<Long> next,
        @StateId("released") ValueState<Long> released, @TimerId("release") Timer release) {
      List<ObjectSighting> sightings = new ArrayList<>();
      clusterWindow.getValue().forEach(sightings::add);
      if (!TimeSortedBuffer.add(sightings, timestamp, buffer, next, released, release)) {
        // GatherWindow drops late sightings and emits each window when the watermark passes it, so a window cannot
        // arrive after a later one was resolved; if a runner ever did that, it is counted and logged, not resolved
        // with links from its future.
        late.inc();
        LOG.warn("owner resolution: the window ending {} ({} sightings) came after a later window was resolved; "
            + "its objects have no object spans or trace ids", timestamp, sightings.size());
      }
    }

    @OnTimer("release")
    public void release(OnTimerContext context,
        @StateId("buffer") OrderedListState<List<ObjectSighting>> buffer, @StateId("next") ValueState<Long> next,
        @StateId("released") ValueState<Long> released, @TimerId("release") Timer release,
        @StateId("known") MapState<String, ObjectSighting> known, @StateId("lastCleanup") ValueState<Long> lastCleanup,
        MultiOutputReceiver out) {
      // Released windows all end at the timer's time, the timestamp this callback's outputs get, as ResolveFn's do.
      TimeSortedBuffer.release(context.timestamp(), buffer, next, released, release,
          (sightings, time) -> step.resolve(sightings, known, lastCleanup, out));
    }
  }
}
