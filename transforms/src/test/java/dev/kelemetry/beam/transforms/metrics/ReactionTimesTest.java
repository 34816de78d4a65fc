package dev.kelemetry.beam.transforms.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;

import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.parse.RecordParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * Each reaction metric on small hand-built traces shaped like the real controllers' requests: which write starts the
 * clock, which one stops it, and what is left out (refused requests, superseded changes, ends not in the trace).
 */
public class ReactionTimesTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final Duration WINDOW = Duration.standardMinutes(30);
  private static final long WINDOW_MICROS = WINDOW.getMillis() * 1000;
  /** The start of a trace window, and a moment well inside it. */
  private static final long W0 = java.time.Instant.parse("2026-03-01T10:00:00Z").toEpochMilli() * 1000;
  private static final long A = W0 + 60_000_000L;

  private static final String DEPLOYMENT_CONTROLLER = "system:serviceaccount:kube-system:deployment-controller";
  private static final String REPLICASET_CONTROLLER = "system:serviceaccount:kube-system:replicaset-controller";
  private static final String SCHEDULER = "system:kube-scheduler";
  private static final String KUBELET = "system:node:node-1";
  private static final String ADMIN = "kubernetes-admin";

  /** Builds the spans of one trace in one window, with made-up but distinct span ids. */
  private static final class Trace {
    final String traceId;
    final long windowStart;
    final List<SpanRow> spans = new ArrayList<>();
    private int next;

    Trace(String traceId, long windowStart) {
      this.traceId = traceId;
      this.windowStart = windowStart;
    }

    SpanRow object(String resource, String name, SpanRow parent) {
      String group = resource.equals("pods") ? "" : "apps";
      SpanRow s = new SpanRow(traceId, traceId + "-o" + next++, parent == null ? "" : parent.spanId(), SpanRow.KIND_OBJECT,
          resource + "/" + name, Rows.timestamp(windowStart), Rows.timestamp(windowStart + WINDOW_MICROS), SpanRow.STATUS_UNSET,
          "c1", group, resource, "default", name, "uid-" + name, Rows.timestamp(windowStart), Map.of(), List.of());
      spans.add(s);
      return s;
    }

    /** A request on {@code object} at {@code micros}, answered with {@code code}. */
    SpanRow request(SpanRow object, long micros, String user, String verb, String subresource, int code, SpanEvent... events) {
      Map<String, Object> a = new TreeMap<>();
      a.put("k8s.audit.verb", verb);
      a.put("k8s.audit.user", user);
      a.put("k8s.audit.response_code", code);
      if (!subresource.isEmpty()) {
        a.put("k8s.audit.subresource", subresource);
      }
      SpanRow s = new SpanRow(traceId, traceId + "-a" + next++, object.spanId(), SpanRow.KIND_AUDIT, user + " " + verb,
          Rows.timestamp(micros), Rows.timestamp(micros + 4_000), code >= 400 ? SpanRow.STATUS_ERROR : SpanRow.STATUS_OK,
          "c1", object.apiGroup(), object.resource(), "default", object.objectName(), object.uid(),
          Rows.timestamp(windowStart), a, List.of(events));
      spans.add(s);
      return s;
    }

    SpanRow watchDeleted(SpanRow object, long micros) {
      SpanRow s = new SpanRow(traceId, traceId + "-s" + next++, object.spanId(), SpanRow.KIND_STATE, "watch DELETED",
          Rows.timestamp(micros), Rows.timestamp(micros), SpanRow.STATUS_UNSET, "c1", object.apiGroup(), object.resource(),
          "default", object.objectName(), object.uid(), Rows.timestamp(windowStart),
          Map.of("kelemetry.state.seen_as", "DELETED"), List.of());
      spans.add(s);
      return s;
    }
  }

  private static SpanEvent diff(String... lines) {
    return new SpanEvent(Rows.timestamp(A), SpanEvent.DIFF, Map.of("diff", List.of(lines), "verbose_diff", List.of()));
  }

  private static SpanEvent replicaSetSnapshot(int replicas) {
    return new SpanEvent(Rows.timestamp(A), SpanEvent.SNAPSHOT,
        Map.of("snapshot", "{\"kind\":\"ReplicaSet\",\"spec\":{\"replicas\":" + replicas + "}}"));
  }

  private static MetricSample expected(String metric, String controller, long t0, long t1) {
    TreeMap<String, String> dimensions = new TreeMap<>(Map.of("cluster", "c1", "namespace", "default", "controller", controller));
    return MetricSample.latency(metric, dimensions, t0, (t1 - t0) / 1000.0);
  }

  /** The spans as BuildSpans gives them: in the global window, at the end of their trace window. */
  private PCollection<MetricSample> reactionsOf(List<SpanRow> spans) {
    List<TimestampedValue<SpanRow>> timed = spans.stream()
        .map(s -> TimestampedValue.of(s, new Instant(RecordParser.micros(s.windowStart()) / 1000 + WINDOW.getMillis() - 1)))
        .toList();
    return pipeline.apply(Create.timestamped(timed).withCoder(JsonCoder.of(SpanRow.class)))
        .apply(ReactionTimes.inWindowsOf(WINDOW));
  }

  /** Runs the transform on the trace {@code scenario} builds, expecting the samples it says the trace holds. */
  private void assertFindsWhatWasBuilt(Function<Trace, List<MetricSample>> scenario) {
    Trace t = new Trace("t1", W0);
    List<MetricSample> expected = scenario.apply(t);
    PAssert.that(reactionsOf(t.spans)).containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
  }

  // --- Deployment -> ReplicaSet

  private static List<MetricSample> deploymentRollout(Trace t) {
    SpanRow deployment = t.object("deployments", "web", null);
    SpanRow first = t.object("replicasets", "web-1", deployment);
    SpanRow second = t.object("replicasets", "web-2", deployment);
    long created = A;
    long firstCreated = A + 43_000;
    long templateChanged = A + 20_000_000;
    long secondCreated = templateChanged + 18_000;
    t.request(deployment, created, ADMIN, "create", "", 201);
    t.request(first, firstCreated, DEPLOYMENT_CONTROLLER, "create", "", 201);
    // the controller's own revision annotation is no change of the template
    t.request(deployment, firstCreated + 20_000, DEPLOYMENT_CONTROLLER, "update", "", 200,
        diff("metadata.annotations null -> {\"deployment.kubernetes.io/revision\":\"1\"}"));
    // a scale is no template change: the ReplicaSet update that answers it is not a sample of this metric
    t.request(deployment, A + 10_000_000, ADMIN, "patch", "scale", 200, diff("spec.replicas 2 -> 4"));
    t.request(first, A + 10_050_000, DEPLOYMENT_CONTROLLER, "update", "", 200, diff("spec.replicas 2 -> 4"));
    t.request(deployment, templateChanged, ADMIN, "patch", "", 200,
        diff("spec.template.spec.containers[0].image \"nginx:1.25\" -> \"nginx:1.26\""));
    t.request(second, secondCreated, DEPLOYMENT_CONTROLLER, "create", "", 201);
    t.request(first, secondCreated + 1_500_000, DEPLOYMENT_CONTROLLER, "update", "", 200, diff("spec.replicas 4 -> 3"));
    return List.of(
        expected(TraceReactions.DEPLOYMENT_TO_REPLICASET, DEPLOYMENT_CONTROLLER, created, firstCreated),
        expected(TraceReactions.DEPLOYMENT_TO_REPLICASET, DEPLOYMENT_CONTROLLER, templateChanged, secondCreated));
  }

  @Test
  public void aDeploymentCreateOrTemplateChangeIsAnsweredByTheFirstReplicaSetWriteUnderIt() {
    assertFindsWhatWasBuilt(ReactionTimesTest::deploymentRollout);
  }

  @Test
  public void aSecondTemplateChangeBeforeTheReactionIsTheOneAnswered() {
    Trace t = new Trace("t1", W0);
    SpanRow deployment = t.object("deployments", "web", null);
    SpanRow replicaSet = t.object("replicasets", "web-2", deployment);
    long firstChange = A;
    long secondChange = A + 10_000;
    long created = A + 25_000;
    t.request(deployment, firstChange, ADMIN, "patch", "", 200, diff("spec.template.metadata.labels.v \"1\" -> \"2\""));
    t.request(deployment, secondChange, ADMIN, "update", "", 200, diff("spec.template.metadata.labels.v \"2\" -> \"3\""));
    t.request(replicaSet, created, DEPLOYMENT_CONTROLLER, "create", "", 201);
    PAssert.that(reactionsOf(t.spans)).containsInAnyOrder(
        expected(TraceReactions.DEPLOYMENT_TO_REPLICASET, DEPLOYMENT_CONTROLLER, secondChange, created));
    pipeline.run().waitUntilFinish();
  }

  // --- ReplicaSet -> Pods

  private static List<MetricSample> replicaSetScaling(Trace t) {
    SpanRow deployment = t.object("deployments", "api", null);
    SpanRow idle = t.object("replicasets", "api-1", deployment);
    SpanRow busy = t.object("replicasets", "api-2", deployment);
    SpanRow busyPod = t.object("pods", "api-2-a", busy);
    SpanRow idlePodA = t.object("pods", "api-1-a", idle);
    SpanRow idlePodB = t.object("pods", "api-1-b", idle);
    long busyCreated = A;
    long busyPodCreated = A + 35_000;
    long idleCreated = A + 5_000;
    long raised = A + 30_000_000;
    long idlePodCreated = raised + 30_000;
    t.request(busy, busyCreated, DEPLOYMENT_CONTROLLER, "create", "", 201, replicaSetSnapshot(3));
    // created with 0 replicas: nothing to do, and the other ReplicaSet's Pod is not its reaction
    t.request(idle, idleCreated, DEPLOYMENT_CONTROLLER, "create", "", 201, replicaSetSnapshot(0));
    t.request(busyPod, busyPodCreated, REPLICASET_CONTROLLER, "create", "", 201);
    t.request(idle, raised, DEPLOYMENT_CONTROLLER, "update", "", 200, diff("spec.replicas 0 -> 2"));
    t.request(idlePodA, idlePodCreated, REPLICASET_CONTROLLER, "create", "", 201);
    t.request(idlePodB, idlePodCreated + 5_000, REPLICASET_CONTROLLER, "create", "", 201);
    // a scale down asks for deletes, not creates
    t.request(idle, raised + 60_000_000, DEPLOYMENT_CONTROLLER, "update", "", 200, diff("spec.replicas 2 -> 1"));
    return List.of(
        expected(TraceReactions.REPLICASET_TO_PODS, REPLICASET_CONTROLLER, busyCreated, busyPodCreated),
        expected(TraceReactions.REPLICASET_TO_PODS, REPLICASET_CONTROLLER, raised, idlePodCreated));
  }

  @Test
  public void aReplicaSetCreatedOrScaledUpIsAnsweredByTheFirstPodCreateUnderIt() {
    assertFindsWhatWasBuilt(ReactionTimesTest::replicaSetScaling);
  }

  // --- Pod scheduling

  private static List<MetricSample> scheduling(Trace t) {
    SpanRow pod = t.object("pods", "web-1-a", null);
    SpanRow created = t.request(pod, A, REPLICASET_CONTROLLER, "create", "", 201);
    t.request(pod, A + 4_000, SCHEDULER, "create", "binding", 500);
    long bound = A + 21_000;
    t.request(pod, bound, SCHEDULER, "create", "binding", 201);
    // the kubelet's first status patch shows the node, as the binding answered with a Status: not the reaction
    t.request(pod, A + 150_000, KUBELET, "patch", "status", 200, diff("spec.nodeName null -> \"node-1\""));
    return List.of(expected(TraceReactions.POD_SCHEDULING, SCHEDULER, TraceReactions.micros(created), bound));
  }

  @Test
  public void aPodCreateIsAnsweredByItsSuccessfulBinding() {
    assertFindsWhatWasBuilt(ReactionTimesTest::scheduling);
  }

  // --- Pod deletion

  private static List<MetricSample> deletions(Trace t) {
    SpanRow graceful = t.object("pods", "web-1-a", null);
    long asked = A;
    long removed = A + 1_404_000;
    t.request(graceful, asked, REPLICASET_CONTROLLER, "delete", "", 200,
        diff("metadata.deletionGracePeriodSeconds null -> 30", "metadata.deletionTimestamp null -> \"2026-03-01T10:01:30Z\""));
    t.request(graceful, A + 1_400_000, KUBELET, "patch", "status", 200, diff("status.phase \"Running\" -> \"Succeeded\""));
    t.request(graceful, removed, KUBELET, "delete", "", 200);

    // one delete, refused repeats aside: removed at once or its end unseen
    SpanRow once = t.object("pods", "web-1-b", null);
    t.request(once, A, ADMIN, "delete", "", 200);
    t.request(once, A + 10_000, ADMIN, "delete", "", 404);

    SpanRow watched = t.object("pods", "web-1-c", null);
    long watchedAsked = A + 2_000;
    long watchedGone = A + 900_000;
    t.request(watched, watchedAsked, REPLICASET_CONTROLLER, "delete", "", 200);
    t.watchDeleted(watched, watchedGone);
    return List.of(
        expected(TraceReactions.POD_DELETION, KUBELET, asked, removed),
        expected(TraceReactions.POD_DELETION, "", watchedAsked, watchedGone));
  }

  @Test
  public void aPodsFirstDeleteIsAnsweredByItsRemoval() {
    assertFindsWhatWasBuilt(ReactionTimesTest::deletions);
  }

  // --- What gives no sample

  @Test
  public void aReactionMissingOrEarlierThanItsTriggerGivesNoSample() {
    Trace t = new Trace("t1", W0);
    SpanRow deployment = t.object("deployments", "web", null);
    SpanRow replicaSet = t.object("replicasets", "web-1", deployment);
    SpanRow pod = t.object("pods", "web-1-a", replicaSet);
    // the ReplicaSet's create and scale up came before the template change; nothing answers the change
    t.request(replicaSet, A, DEPLOYMENT_CONTROLLER, "create", "", 201, replicaSetSnapshot(0));
    t.request(pod, A - 1_000, REPLICASET_CONTROLLER, "create", "", 201); // before the scale up, and never bound
    t.request(replicaSet, A + 1_000, DEPLOYMENT_CONTROLLER, "update", "", 200, diff("spec.replicas 0 -> 1"));
    t.request(deployment, A + 2_000, ADMIN, "patch", "", 200, diff("spec.template.spec.containers[0].image \"a\" -> \"b\""));
    // a refused create asked for nothing
    t.request(deployment, A + 3_000, ADMIN, "create", "", 409);
    PAssert.that(reactionsOf(t.spans)).empty();
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void aTriggerAndAReactionInDifferentTraceWindowsAreNotPaired() {
    Trace early = new Trace("t-early", W0);
    Trace late = new Trace("t-late", W0 + WINDOW_MICROS);
    SpanRow pod = early.object("pods", "web-1-a", null);
    early.request(pod, W0 + WINDOW_MICROS - 1_000, REPLICASET_CONTROLLER, "create", "", 201);
    late.request(late.object("pods", "web-1-a", null), W0 + WINDOW_MICROS + 5_000, SCHEDULER, "create", "binding", 201);
    PAssert.that(reactionsOf(Stream.concat(early.spans.stream(), late.spans.stream()).toList())).empty();
    pipeline.run().waitUntilFinish();
  }

  // --- Order and time

  private static List<MetricSample> everything(Trace t) {
    List<MetricSample> all = new ArrayList<>();
    all.addAll(deploymentRollout(t));
    all.addAll(replicaSetScaling(t));
    all.addAll(scheduling(t));
    all.addAll(deletions(t));
    return all;
  }

  @Test
  public void theSamplesDoNotDependOnTheOrderOfTheSpans() {
    Trace t = new Trace("t1", W0);
    List<MetricSample> expected = everything(t);
    Random random = new Random(11);
    for (int i = 0; i < 50; i++) {
      List<SpanRow> shuffled = new ArrayList<>(t.spans);
      Collections.shuffle(shuffled, random);
      shuffled.add(shuffled.get(random.nextInt(shuffled.size()))); // a span delivered twice counts once
      assertThat(TraceReactions.find(shuffled), containsInAnyOrder(expected.toArray()));
    }
    List<SpanRow> reversed = new ArrayList<>(t.spans);
    Collections.reverse(reversed);
    PAssert.that(reactionsOf(reversed)).containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void eachSampleIsInTheWindowOfItsTraceAtItsTriggersTime() {
    Trace first = new Trace("t1", W0);
    Trace second = new Trace("t2", W0 + WINDOW_MICROS);
    List<MetricSample> inFirst = everything(first);
    SpanRow pod = second.object("pods", "late-a", null);
    long created = W0 + WINDOW_MICROS + 60_000_000;
    second.request(pod, created, REPLICASET_CONTROLLER, "create", "", 201);
    second.request(pod, created + 7_000, SCHEDULER, "create", "binding", 201);
    List<MetricSample> inSecond = List.of(expected(TraceReactions.POD_SCHEDULING, SCHEDULER, created, created + 7_000));

    PCollection<MetricSample> windowed = reactionsOf(Stream.concat(first.spans.stream(), second.spans.stream()).toList())
        .apply(Window.into(FixedWindows.of(WINDOW)));
    PAssert.that(windowed).inWindow(new IntervalWindow(new Instant(W0 / 1000), WINDOW)).containsInAnyOrder(inFirst);
    PAssert.that(windowed).inWindow(new IntervalWindow(new Instant((W0 + WINDOW_MICROS) / 1000), WINDOW))
        .containsInAnyOrder(inSecond);
    pipeline.run().waitUntilFinish();
  }

  @Test(expected = IllegalArgumentException.class)
  public void aWindowMustBePositive() {
    ReactionTimes.inWindowsOf(Duration.ZERO);
  }
}
