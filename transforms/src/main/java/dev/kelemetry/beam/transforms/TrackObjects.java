package dev.kelemetry.beam.transforms;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import dev.kelemetry.beam.transforms.links.ObjectLinks;
import dev.kelemetry.beam.transforms.owners.ObjectSighting;
import dev.kelemetry.beam.transforms.track.ObjectState;
import dev.kelemetry.beam.transforms.track.ObjectTracker;
import dev.kelemetry.beam.transforms.track.Redactor;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.OrderedListState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Stateful per object: follows each object through its records in event-time order ({@code @RequiresTimeSortedInput},
 * or {@link #sortingInState()}):
 * audited requests, states seen by watches or dumps, and Events about it. Computes the state after each write, the
 * field diff, snapshots and the owner, and emits
 * <ul>
 *   <li>{@link #SPAN_DRAFTS}: the span of each request, new object version and Event, keyed by the object's placement
 *       key (trace id still empty);
 *   <li>{@link #SIGHTINGS}: the object once per window in which it was active (and again if its owner changed);
 *   <li>{@link #DEAD_LETTERS}: a request the tracker failed on, with the reason (the object's state is kept).
 * </ul>
 * The state of an object is cleared by an event-time timer {@code stateTtl} after its last request.
 */
public final class TrackObjects extends PTransform<PCollection<KV<String, ControlPlaneRecord>>, PCollectionTuple> {
  public static final TupleTag<KV<String, SpanRow>> SPAN_DRAFTS = new TupleTag<>() {};
  public static final TupleTag<KV<String, ObjectSighting>> SIGHTINGS = new TupleTag<>() {};
  public static final TupleTag<DeadLetterRow> DEAD_LETTERS = new TupleTag<>() {};

  private final Duration window;
  private final Duration stateTtl;
  private final List<String> redactPaths;
  private final ObjectLinks links;
  private final boolean sortingInState;

  private TrackObjects(Duration window, Duration stateTtl, List<String> redactPaths, ObjectLinks links,
      boolean sortingInState) {
    this.window = window;
    this.stateTtl = stateTtl;
    this.redactPaths = List.copyOf(redactPaths);
    this.links = links;
    this.sortingInState = sortingInState;
  }

  /** Tracks with every linker on the classpath (see {@link #withLinks}). */
  public static TrackObjects inWindowsOf(Duration window) {
    return new TrackObjects(window, Duration.standardHours(24), List.of(), null, false);
  }

  /** How long an object's state is kept after its last request (event time). */
  public TrackObjects withStateTtl(Duration ttl) {
    return new TrackObjects(window, ttl, redactPaths, links, sortingInState);
  }

  /** Extra json paths to redact, {@code [resource:]path} (see {@link Redactor}); validated here. */
  public TrackObjects withRedactedPaths(List<String> paths) {
    Redactor.withPaths(paths);
    return new TrackObjects(window, stateTtl, paths, links, sortingInState);
  }

  /** The linkers that find each object's parent and related objects; by default all those on the classpath. */
  public TrackObjects withLinks(ObjectLinks links) {
    return new TrackObjects(window, stateTtl, redactPaths, links, sortingInState);
  }

  /**
   * Sorts each object's records in its own state instead of asking the runner for {@code @RequiresTimeSortedInput},
   * which Dataflow's streaming engine rejects. Same rows; a record older than what its object has already processed
   * is a dead letter ({@link TimeSortedBuffer}).
   */
  public TrackObjects sortingInState() {
    return new TrackObjects(window, stateTtl, redactPaths, links, true);
  }

  @Override
  public PCollectionTuple expand(PCollection<KV<String, ControlPlaneRecord>> input) {
    ObjectTracker tracker = new ObjectTracker(Redactor.withPaths(redactPaths), window.getMillis() * 1000,
        links != null ? links : ObjectLinks.discovered(List.of()));
    TrackStep step = new TrackStep(tracker, stateTtl);
    DoFn<KV<String, ControlPlaneRecord>, KV<String, SpanRow>> fn =
        sortingInState ? new SortingTrackFn(step, stateTtl) : new TrackFn(step);
    PCollectionTuple out = input.apply("TrackEachObject",
        ParDo.of(fn).withOutputTags(SPAN_DRAFTS, TupleTagList.of(SIGHTINGS).and(DEAD_LETTERS)));
    out.get(DEAD_LETTERS).setCoder(JsonCoder.of(DeadLetterRow.class));
    out.get(SPAN_DRAFTS).setCoder(KvCoder.of(StringUtf8Coder.of(), JsonCoder.of(SpanRow.class)));
    out.get(SIGHTINGS).setCoder(KvCoder.of(StringUtf8Coder.of(), JsonCoder.of(ObjectSighting.class)));
    return out;
  }

  /**
   * What happens to one record of an object, in event-time order: the same whichever way the order is obtained
   * ({@link TrackFn} or {@link SortingTrackFn}), so the two give the same rows.
   */
  static final class TrackStep implements java.io.Serializable {
    private static final ProgressLog PROGRESS = ProgressLog.of("requests tracked");
    private final ObjectTracker tracker;
    private final Duration stateTtl;
    private final Counter objects = Metrics.counter(Counters.NAMESPACE, Counters.OBJECTS);
    private final Counter failed = Metrics.counter(Counters.NAMESPACE, Counters.REQUESTS_DEAD_LETTERED);

    TrackStep(ObjectTracker tracker, Duration stateTtl) {
      this.tracker = tracker;
      this.stateTtl = stateTtl;
    }

    void track(ControlPlaneRecord record, Instant timestamp, ValueState<ObjectState> objectState,
        ValueState<Long> lastSeen, Timer expire, DoFn.MultiOutputReceiver out) {
      // The timer frees memory; this check makes expiry exact wherever timers fire relative to sorted input
      // (in batch, a runner may release all sorted elements of a key before it fires any timer).
      Long seen = lastSeen.read();
      ObjectState before = seen != null && timestamp.getMillis() - seen > stateTtl.getMillis() ? null : objectState.read();
      PROGRESS.add(1);
      ObjectTracker.Step step;
      try {
        step = switch (record.origin()) {
          case ControlPlaneRecord.STATE -> tracker.observe(before, record);
          case ControlPlaneRecord.EVENT -> tracker.place(before, record);
          default -> tracker.track(before, record);
        };
      } catch (RuntimeException e) {
        // A record the tracker cannot follow must not stop the run: it becomes a dead letter and the object's
        // state stays as it was before it.
        failed.inc();
        out.get(DEAD_LETTERS).output(DeadLetterRow.of(sourceFile(record.source()), sourceLine(record.source()),
            "TrackObjects", "cannot track " + (record.isAudit() ? record.verb() : record.origin()) + " of "
                + record.objectRef().resource() + "/" + record.objectRef().name() + ": " + e,
            record.id()));
        return;
      }
      if (step.newIncarnation()) {
        objects.inc();
      }
      if (step.skipped() != null) {
        Metrics.counter(Counters.NAMESPACE, step.skipped()).inc();
      }
      if (step.span() != null) {
        out.get(SPAN_DRAFTS).output(KV.of(step.placementKey(), step.span()));
      }
      if (step.sighting() != null) {
        out.get(SIGHTINGS).output(KV.of(step.placementKey(), step.sighting()));
      }
      if (step.state() != null && step.state() != before) {
        objectState.write(step.state());
        lastSeen.write(timestamp.getMillis());
        expire.set(timestamp.plus(stateTtl));
      }
    }

    /** Records carry {@code <file>:<line>}; dead letters want the two apart. */
    static String sourceFile(String source) {
      int colon = source.lastIndexOf(':');
      return colon > 0 && sourceLine(source) > 0 ? source.substring(0, colon) : source;
    }

    static long sourceLine(String source) {
      int colon = source.lastIndexOf(':');
      try {
        return colon > 0 ? Long.parseLong(source.substring(colon + 1)) : 0;
      } catch (NumberFormatException e) {
        return 0;
      }
    }

  }

  /** The runner sorts each key's records by event time ({@code @RequiresTimeSortedInput}). */
  static final class TrackFn extends DoFn<KV<String, ControlPlaneRecord>, KV<String, SpanRow>> {
    private final TrackStep step;

    @StateId("object")
    private final StateSpec<ValueState<ObjectState>> objectSpec = StateSpecs.value(JsonCoder.of(ObjectState.class));

    @StateId("lastSeen")
    private final StateSpec<ValueState<Long>> lastSeenSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("expire")
    private final TimerSpec expireSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    TrackFn(TrackStep step) {
      this.step = step;
    }

    @RequiresTimeSortedInput
    @ProcessElement
    public void process(@Element KV<String, ControlPlaneRecord> element, @Timestamp Instant timestamp,
        @StateId("object") ValueState<ObjectState> objectState, @StateId("lastSeen") ValueState<Long> lastSeen,
        @TimerId("expire") Timer expire, MultiOutputReceiver out) {
      step.track(element.getValue(), timestamp, objectState, lastSeen, expire, out);
    }

    @OnTimer("expire")
    public void expire(@StateId("object") ValueState<ObjectState> objectState, @StateId("lastSeen") ValueState<Long> lastSeen) {
      objectState.clear();
      lastSeen.clear();
    }
  }

  /**
   * The same step with each key's records sorted in its own state ({@link TimeSortedBuffer}), for runners that reject
   * {@code @RequiresTimeSortedInput} in streaming (Dataflow). A record older than what its object has already
   * processed is a dead letter, as ParseRecords makes a record behind the watermark one.
   */
  static final class SortingTrackFn extends DoFn<KV<String, ControlPlaneRecord>, KV<String, SpanRow>> {
    private final TrackStep step;
    private final Duration stateTtl;
    private final Counter late = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_LATE_AT_TRACKING);

    @StateId("object")
    private final StateSpec<ValueState<ObjectState>> objectSpec = StateSpecs.value(JsonCoder.of(ObjectState.class));

    @StateId("lastSeen")
    private final StateSpec<ValueState<Long>> lastSeenSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("buffer")
    private final StateSpec<OrderedListState<ControlPlaneRecord>> bufferSpec =
        StateSpecs.orderedList(RecordCoders.audit());

    @StateId("next")
    private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("released")
    private final StateSpec<ValueState<Long>> releasedSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("expire")
    private final TimerSpec expireSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId("release")
    private final TimerSpec releaseSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    SortingTrackFn(TrackStep step, Duration stateTtl) {
      this.step = step;
      this.stateTtl = stateTtl;
    }

    @ProcessElement
    public void process(@Element KV<String, ControlPlaneRecord> element, @Timestamp Instant timestamp,
        @StateId("buffer") OrderedListState<ControlPlaneRecord> buffer, @StateId("next") ValueState<Long> next,
        @StateId("released") ValueState<Long> released, @TimerId("release") Timer release, MultiOutputReceiver out) {
      ControlPlaneRecord record = element.getValue();
      if (!TimeSortedBuffer.add(record, timestamp, buffer, next, released, release)) {
        late.inc();
        out.get(DEAD_LETTERS).output(DeadLetterRow.of(TrackStep.sourceFile(record.source()), TrackStep.sourceLine(record.source()),
            "TrackObjects", "late: its event time " + timestamp + " is before records of "
                + record.objectRef().resource() + "/" + record.objectRef().name()
                + " already tracked (up to " + new Instant(released.read()) + "), so it cannot be put in order",
            record.id()));
      }
    }

    @OnTimer("release")
    public void release(OnTimerContext context, @Key String key,
        @StateId("buffer") OrderedListState<ControlPlaneRecord> buffer, @StateId("next") ValueState<Long> next,
        @StateId("released") ValueState<Long> released, @TimerId("release") Timer release,
        @StateId("object") ValueState<ObjectState> objectState, @StateId("lastSeen") ValueState<Long> lastSeen,
        @TimerId("expire") Timer expire, MultiOutputReceiver out) {
      // Released records all carry the timer's time (it stands at the earliest buffered one), which is also the
      // timestamp this callback's outputs get: the same timestamps as TrackFn's outputs.
      TimeSortedBuffer.release(context.timestamp(), buffer, next, released, release,
          (record, time) -> step.track(record, time, objectState, lastSeen, expire, out));
      // The key's state (what was released, at least) is freed a TTL after its last record, written or not; the
      // track step's own check keeps expiry exact whenever this fires.
      expire.set(context.timestamp().plus(stateTtl));
    }

    @OnTimer("expire")
    public void expire(@StateId("object") ValueState<ObjectState> objectState, @StateId("lastSeen") ValueState<Long> lastSeen,
        @StateId("released") ValueState<Long> released) {
      objectState.clear();
      lastSeen.clear();
      released.clear();
    }
  }
}
