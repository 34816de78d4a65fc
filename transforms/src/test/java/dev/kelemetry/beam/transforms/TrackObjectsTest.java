package dev.kelemetry.beam.transforms;

import static dev.kelemetry.beam.transforms.TestRecords.T0;
import static dev.kelemetry.beam.transforms.TestRecords.deployment;
import static dev.kelemetry.beam.transforms.TestRecords.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/** The stateful tracker on the DirectRunner: order by request time whatever the arrival order, and state expiry. */
public class TrackObjectsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private PCollectionTuple track(Duration ttl, ControlPlaneRecord... arrivalOrder) {
    List<TimestampedValue<ControlPlaneRecord>> values = new ArrayList<>();
    for (ControlPlaneRecord r : arrivalOrder) {
      values.add(TimestampedValue.of(r, new Instant(r.requestReceivedMicros() / 1000)));
    }
    PCollection<ControlPlaneRecord> records = pipeline.apply(Create.timestamped(values).withCoder(RecordCoders.audit()));
    return records.apply(KeyByObject.create())
        .apply(TrackObjects.inWindowsOf(Duration.standardMinutes(30)).withStateTtl(ttl));
  }

  private static List<String> diffsInTimeOrder(Iterable<SpanRow> spans) {
    List<String> lines = new ArrayList<>();
    StreamSupport.stream(spans.spliterator(), false).sorted(Comparator.comparing(SpanRow::startTime)).forEach(s -> {
      for (SpanEvent e : s.events()) {
        if (e.name().equals(SpanEvent.DIFF)) {
          lines.addAll(castLines(e.attributes().get("diff")));
        } else {
          lines.add(e.name());
        }
      }
    });
    return lines;
  }

  @SuppressWarnings("unchecked")
  private static List<String> castLines(Object o) {
    return (List<String>) o;
  }

  @Test
  public void diffsFollowRequestTimeEvenWhenRecordsArriveShuffled() {
    ControlPlaneRecord create = write("1", "create", "deployments", "web", "", T0, deployment("u1", 1, 10));
    ControlPlaneRecord scaleTo2 = write("2", "update", "deployments", "web", "u1", T0 + 5_000_000, deployment("u1", 2, 11));
    ControlPlaneRecord scaleTo3 = write("3", "update", "deployments", "web", "u1", T0 + 9_000_000, deployment("u1", 3, 12));
    PCollectionTuple out = track(Duration.standardHours(1), scaleTo3, create, scaleTo2);
    PAssert.that(out.get(TrackObjects.SPAN_DRAFTS).apply(Values.create())).satisfies(spans -> {
      assertThat(diffsInTimeOrder(spans), contains("snapshot", "spec.replicas 1 -> 2", "spec.replicas 2 -> 3"));
      return null;
    });
    pipeline.run();
  }

  @Test
  public void stateExpiresAfterTheTtlSoALaterWriteHasNothingToDiffAgainst() {
    ControlPlaneRecord create = write("1", "create", "deployments", "web", "", T0, deployment("u1", 1, 10));
    ControlPlaneRecord muchLater = write("2", "update", "deployments", "web", "u1", T0 + 7_200_000_000L, deployment("u1", 2, 11));
    PCollectionTuple out = track(Duration.standardHours(1), muchLater, create);
    PAssert.that(out.get(TrackObjects.SPAN_DRAFTS).apply(Values.create())).satisfies(spans -> {
      assertThat(diffsInTimeOrder(spans), contains("snapshot", "note"));
      return null;
    });
    pipeline.run();
  }

  @Test
  public void aRecordTheTrackerFailsOnIsADeadLetterAndTheObjectGoesOn() {
    ControlPlaneRecord create = write("1", "create", "deployments", "web", "", T0, deployment("u1", 1, 10));
    ControlPlaneRecord broken = write("2", "update", "deployments", "web", "u1", T0 + 1_000_000, "{\"metadata\": ");
    ControlPlaneRecord scale = write("3", "update", "deployments", "web", "u1", T0 + 2_000_000, deployment("u1", 2, 12));
    PCollectionTuple out = track(Duration.standardHours(1), create, broken, scale);
    PAssert.that(out.get(TrackObjects.DEAD_LETTERS)).satisfies(rows -> {
      List<DeadLetterRow> list = StreamSupport.stream(rows.spliterator(), false).toList();
      assertThat(list.size(), equalTo(1));
      assertThat(list.get(0).source(), equalTo("test"));
      assertThat(list.get(0).line(), equalTo(2L));
      assertThat(list.get(0).step(), equalTo("TrackObjects"));
      return null;
    });
    PAssert.that(out.get(TrackObjects.SPAN_DRAFTS).apply(Values.create())).satisfies(spans -> {
      assertThat(diffsInTimeOrder(spans), contains("snapshot", "spec.replicas 1 -> 2"));
      return null;
    });
    pipeline.run();
  }

  @Test
  public void oneSightingPerObjectAndWindow() {
    ControlPlaneRecord a = write("1", "create", "deployments", "web", "", T0, deployment("u1", 1, 10));
    ControlPlaneRecord b = write("2", "update", "deployments", "web", "u1", T0 + 1_000_000, deployment("u1", 2, 11));
    ControlPlaneRecord nextWindow = write("3", "update", "deployments", "web", "u1", T0 + 1_900_000_000L, deployment("u1", 3, 12));
    PCollectionTuple out = track(Duration.standardHours(1), a, b, nextWindow);
    PAssert.that(out.get(TrackObjects.SIGHTINGS).apply(Values.create())).satisfies(sightings -> {
      List<Long> windows = StreamSupport.stream(sightings.spliterator(), false)
          .map(s -> s.windowStartMicros()).sorted().toList();
      assertThat(windows, equalTo(List.of(T0, T0 + 1_800_000_000L)));
      return null;
    });
    pipeline.run();
  }
}
