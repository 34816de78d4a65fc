package dev.kelemetry.beam.transforms;

import static dev.kelemetry.beam.transforms.TestRecords.T0;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.owners.ObjectSighting;
import dev.kelemetry.beam.transforms.owners.OwnerRef;
import dev.kelemetry.beam.transforms.spans.SpanIds;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/** Owner links outlive the window they were seen in: a Pod active later still hangs under its Deployment. */
public class ResolveOwnersTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final long W = 1_800_000_000L;
  private static final OwnerRef DEPLOYMENT = new OwnerRef("dep", "apps", "apps/v1", "Deployment", "deployments", "default", "web");
  private static final OwnerRef REPLICASET = new OwnerRef("rs", "apps", "apps/v1", "ReplicaSet", "replicasets", "default", "web-1");

  private static TimestampedValue<KV<String, ObjectSighting>> sighting(String id, String resource, long window, OwnerRef owner) {
    ObjectSighting s = new ObjectSighting("c1", id, id, resource.equals("pods") ? "" : "apps", "v1", "", resource,
        "default", id, window, window + 1, owner, false, null);
    return TimestampedValue.of(KV.of(id + window, s), new Instant((window + 1) / 1000));
  }

  @Test
  public void aPodActiveInALaterWindowHangsUnderOwnersSeenEarlier() {
    PCollectionTuple out = pipeline
        .apply(Create.timestamped(List.of(
                sighting("dep", "deployments", T0, null),
                sighting("rs", "replicasets", T0, DEPLOYMENT),
                sighting("pod", "pods", T0 + W, REPLICASET)))
            .withCoder(KvCoder.of(StringUtf8Coder.of(), JsonCoder.of(ObjectSighting.class))))
        .apply(ResolveOwners.inWindowsOf(Duration.standardMinutes(30)));
    String secondTrace = SpanIds.traceId("c1", "dep", T0 + W);
    PAssert.that(out.get(ResolveOwners.PLACEMENTS)).containsInAnyOrder(
        KV.of("c1\u0001dep\u0001" + T0, SpanIds.traceId("c1", "dep", T0)),
        KV.of("c1\u0001rs\u0001" + T0, SpanIds.traceId("c1", "dep", T0)),
        KV.of("c1\u0001pod\u0001" + (T0 + W), secondTrace));
    PAssert.that(out.get(ResolveOwners.OBJECT_SPANS)).satisfies(spans -> {
      Map<String, SpanRow> second = StreamSupport.stream(spans.spliterator(), false)
          .filter(s -> s.traceId().equals(secondTrace)).collect(Collectors.toMap(SpanRow::uid, s -> s));
      assertThat(second.keySet(), containsInAnyOrder("dep", "rs", "pod"));
      assertThat(second.get("pod").parentSpanId(), equalTo(second.get("rs").spanId()));
      assertThat(second.get("rs").parentSpanId(), equalTo(second.get("dep").spanId()));
      assertThat(second.get("dep").parentSpanId(), equalTo(""));
      return null;
    });
    pipeline.run();
  }

  @Test
  public void linksOlderThanTheirTtlAreForgotten() {
    // The ReplicaSet was last seen 3 windows before the Pod; with a 1-hour TTL its link to the Deployment is gone, so
    // the ReplicaSet is known only from the Pod's ownerReference and becomes the root.
    PCollectionTuple out = pipeline
        .apply(Create.timestamped(List.of(
                sighting("dep", "deployments", T0, null),
                sighting("rs", "replicasets", T0, DEPLOYMENT),
                sighting("pod", "pods", T0 + 3 * W, REPLICASET)))
            .withCoder(KvCoder.of(StringUtf8Coder.of(), JsonCoder.of(ObjectSighting.class))))
        .apply(ResolveOwners.inWindowsOf(Duration.standardMinutes(30)).withLinkTtl(Duration.standardHours(1)));
    PAssert.that(out.get(ResolveOwners.PLACEMENTS)).containsInAnyOrder(
        KV.of("c1\u0001dep\u0001" + T0, SpanIds.traceId("c1", "dep", T0)),
        KV.of("c1\u0001rs\u0001" + T0, SpanIds.traceId("c1", "dep", T0)),
        KV.of("c1\u0001pod\u0001" + (T0 + 3 * W), SpanIds.traceId("c1", "rs", T0 + 3 * W)));
    pipeline.run();
  }

  @Test
  public void linksFromALaterWindowDoNotReachBackIntoAnEarlierOne() {
    // The ReplicaSet is adopted only in the second window: in the first it is its own root.
    PCollectionTuple out = pipeline
        .apply(Create.timestamped(List.of(
                sighting("rs", "replicasets", T0, null),
                sighting("rs", "replicasets", T0 + W, DEPLOYMENT)))
            .withCoder(KvCoder.of(StringUtf8Coder.of(), JsonCoder.of(ObjectSighting.class))))
        .apply(ResolveOwners.inWindowsOf(Duration.standardMinutes(30)));
    PAssert.that(out.get(ResolveOwners.PLACEMENTS)).containsInAnyOrder(
        KV.of("c1\u0001rs\u0001" + T0, SpanIds.traceId("c1", "rs", T0)),
        KV.of("c1\u0001rs\u0001" + (T0 + W), SpanIds.traceId("c1", "dep", T0 + W)));
    pipeline.run();
  }
}
