package dev.kelemetry.beam.transforms;

import static dev.kelemetry.beam.transforms.TestRecords.T0;
import static dev.kelemetry.beam.transforms.TestRecords.deployment;
import static dev.kelemetry.beam.transforms.TestRecords.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * The variants that sort in state (for Dataflow streaming) against the ones that ask the runner for
 * {@code @RequiresTimeSortedInput}: both fed the same TestStream (records out of order, the watermark moving in steps
 * across several trace windows), every output of both compared whole, with its element timestamp.
 */
public class SortingInStateTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final Duration WINDOW = Duration.standardMinutes(30);
  private static final long MINUTE = 60_000_000L;

  /**
   * Three Deployments with a ReplicaSet each, scaled every few minutes over two hours (four trace windows), so
   * owner resolution sees windows where only the ReplicaSet is active and must remember the link.
   */
  private static List<ControlPlaneRecord> rollouts() {
    List<ControlPlaneRecord> records = new ArrayList<>();
    int id = 1;
    for (int d = 0; d < 3; d++) {
      String name = "web" + d;
      String uid = "u" + d;
      records.add(write("" + id++, "create", "deployments", name, "", T0 + d * MINUTE, namedDeployment(name, uid, 1, 10)));
      records.add(write("" + id++, "create", "replicasets", name + "-rs", "", T0 + d * MINUTE + 1000,
          replicaSet(name + "-rs", "rs" + d, name, uid, 1, 11)));
      for (int step = 1; step <= 12; step++) {
        long at = T0 + d * MINUTE + step * 10 * MINUTE;
        if (step % 3 == 0) {
          records.add(write("" + id++, "update", "deployments", name, uid, at, namedDeployment(name, uid, step, 11 + step)));
        }
        records.add(write("" + id++, "update", "replicasets", name + "-rs", "rs" + d, at + 5000,
            replicaSet(name + "-rs", "rs" + d, name, uid, step, 100 + step)));
      }
    }
    return records;
  }

  private static String namedDeployment(String name, String uid, int replicas, int rv) {
    return TestRecords.deployment(uid, replicas, rv).replace("\"name\":\"web\"", "\"name\":\"" + name + "\"");
  }

  private static String replicaSet(String name, String uid, String owner, String ownerUid, int replicas, int rv) {
    return "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"" + name + "\","
        + "\"namespace\":\"default\",\"uid\":\"" + uid + "\",\"resourceVersion\":\"" + rv + "\",\"ownerReferences\":["
        + "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"" + owner + "\",\"uid\":\"" + ownerUid + "\","
        + "\"controller\":true}]},\"spec\":{\"replicas\":" + replicas + "}}";
  }

  /** Groups of 8 records shuffled; after each group the watermark moves to 5 minutes behind the newest seen. */
  private static TestStream<ControlPlaneRecord> outOfOrder(List<ControlPlaneRecord> inTimeOrder) {
    List<ControlPlaneRecord> sorted = new ArrayList<>(inTimeOrder);
    sorted.sort((a, b) -> Long.compare(a.requestReceivedMicros(), b.requestReceivedMicros()));
    TestStream.Builder<ControlPlaneRecord> stream = TestStream.create(RecordCoders.audit());
    Random random = new Random(7);
    long newest = Long.MIN_VALUE;
    for (int from = 0; from < sorted.size(); from += 8) {
      List<ControlPlaneRecord> group = new ArrayList<>(sorted.subList(from, Math.min(sorted.size(), from + 8)));
      Collections.shuffle(group, random);
      for (ControlPlaneRecord r : group) {
        newest = Math.max(newest, r.requestReceivedMicros());
        stream = stream.addElements(TimestampedValue.of(r, at(r)));
      }
      stream = stream.advanceWatermarkTo(new Instant((newest - 5 * MINUTE) / 1000));
    }
    return stream.advanceWatermarkToInfinity();
  }

  private static Instant at(ControlPlaneRecord r) {
    return new Instant(r.requestReceivedMicros() / 1000);
  }

  /** Each element as "variant timestamp json", so the comparison covers timestamps too. */
  private static <T> PCollection<String> stamped(PCollection<T> rows, String variant, String step) {
    return rows.apply(step, ParDo.of(new DoFn<T, String>() {
      @ProcessElement
      public void process(@Element T row, @Timestamp Instant timestamp, OutputReceiver<String> out) {
        out.output(variant + " " + timestamp + " " + Rows.toJson(row));
      }
    }));
  }

  /** Asserts the "default" and "sorting" lines are the same multiset (and that there are some). */
  private static void assertSameOutputs(PCollection<String> defaultRows, PCollection<String> sortingRows, String what) {
    PAssert.that(PCollectionList.of(defaultRows).and(sortingRows).apply("All" + what, Flatten.pCollections()))
        .satisfies(lines -> {
          List<String> byDefault = new ArrayList<>();
          List<String> bySorting = new ArrayList<>();
          for (String line : lines) {
            (line.startsWith("default ") ? byDefault : bySorting).add(line.substring(line.indexOf(' ') + 1));
          }
          Collections.sort(byDefault);
          Collections.sort(bySorting);
          assertThat(what, byDefault.size(), greaterThan(0));
          assertThat(what, bySorting, equalTo(byDefault));
          return null;
        });
  }

  private static <T> void compare(PCollectionTuple byDefault, PCollectionTuple bySorting, TupleTag<T> tag, String what) {
    assertSameOutputs(stamped(byDefault.get(tag), "default", "StampDefault" + what),
        stamped(bySorting.get(tag), "sorting", "StampSorting" + what), what);
  }

  @Test
  public void trackingAndOwnerResolutionSortedInStateGiveTheSameOutputsAsTimeSortedInput() {
    PCollection<KV<String, ControlPlaneRecord>> keyed = pipeline.apply(outOfOrder(rollouts()))
        .apply(KeyByObject.create());
    PCollectionTuple trackedByDefault = keyed.apply("TrackByDefault", TrackObjects.inWindowsOf(WINDOW));
    PCollectionTuple trackedBySorting = keyed.apply("TrackSorting", TrackObjects.inWindowsOf(WINDOW).sortingInState());
    PCollectionTuple resolvedByDefault = trackedByDefault.get(TrackObjects.SIGHTINGS)
        .apply("ResolveByDefault", ResolveOwners.inWindowsOf(WINDOW));
    PCollectionTuple resolvedBySorting = trackedBySorting.get(TrackObjects.SIGHTINGS)
        .apply("ResolveSorting", ResolveOwners.inWindowsOf(WINDOW).sortingInState());

    compare(trackedByDefault, trackedBySorting, TrackObjects.SPAN_DRAFTS, "SpanDrafts");
    compare(trackedByDefault, trackedBySorting, TrackObjects.SIGHTINGS, "Sightings");
    compare(resolvedByDefault, resolvedBySorting, ResolveOwners.PLACEMENTS, "Placements");
    compare(resolvedByDefault, resolvedBySorting, ResolveOwners.OBJECT_SPANS, "ObjectSpans");
    PAssert.that(trackedBySorting.get(TrackObjects.DEAD_LETTERS)).empty();
    PAssert.that(trackedByDefault.get(TrackObjects.DEAD_LETTERS)).empty();
    // The owner trees are there to compare: ReplicaSets hang under their Deployment in every window, including the
    // windows where only the ReplicaSet was written.
    PAssert.that(resolvedBySorting.get(ResolveOwners.PLACEMENTS)).satisfies(placements -> {
      long replicaSetPlacements = StreamSupport.stream(placements.spliterator(), false)
          .filter(kv -> kv.getKey().contains("rs")).count();
      assertThat(replicaSetPlacements, equalTo(3L * 5)); // windows 00:00, 00:30, 01:00, 01:30, 02:00
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void aRecordOlderThanWhatItsObjectAlreadyTrackedIsADeadLetterNotDropped() {
    ControlPlaneRecord create = write("1", "create", "deployments", "web", "", T0, deployment("u1", 1, 10));
    ControlPlaneRecord scale = write("2", "update", "deployments", "web", "u1", T0 + 20 * MINUTE, deployment("u1", 2, 11));
    ControlPlaneRecord late = write("3", "update", "deployments", "web", "u1", T0 + 10 * MINUTE, deployment("u1", 3, 12));
    TestStream<ControlPlaneRecord> arrivals = TestStream.create(RecordCoders.audit())
        .addElements(TimestampedValue.of(create, at(create)), TimestampedValue.of(scale, at(scale)))
        .advanceWatermarkTo(at(scale).plus(Duration.standardMinutes(1)))
        .addElements(TimestampedValue.of(late, at(late)))
        .advanceWatermarkToInfinity();
    PCollectionTuple tracked = pipeline.apply(arrivals)
        .setCoder(RecordCoders.audit())
        .apply(KeyByObject.create())
        .apply(TrackObjects.inWindowsOf(WINDOW).sortingInState());
    PAssert.that(tracked.get(TrackObjects.DEAD_LETTERS)).satisfies(rows -> {
      List<DeadLetterRow> dead = StreamSupport.stream(rows.spliterator(), false).toList();
      assertThat(dead, hasSize(1));
      assertThat(dead.get(0).step(), equalTo("TrackObjects"));
      assertThat(dead.get(0).reason(), containsString("late: its event time 2026-01-01T00:10:00.000Z"));
      assertThat(dead.get(0).line(), equalTo(3L));
      return null;
    });
    PAssert.that(tracked.get(TrackObjects.SPAN_DRAFTS)).satisfies(spans -> {
      assertThat(StreamSupport.stream(spans.spliterator(), false).count(), equalTo(2L));
      return null;
    });
    pipeline.run().waitUntilFinish();
  }
}
