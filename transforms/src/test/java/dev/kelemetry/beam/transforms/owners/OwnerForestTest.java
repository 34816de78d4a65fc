package dev.kelemetry.beam.transforms.owners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasKey;

import dev.kelemetry.beam.plugins.ObjectLink;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.spans.SpanIds;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.Test;

public class OwnerForestTest {
  private static final String C = "c1";
  private static final long HOUR = 3_600_000_000L;
  private static final long W = 1_704_067_200_000_000L; // 2024-01-01T00:00:00Z

  private static final OwnerRef TO_DEPLOY = new OwnerRef("d-uid", "apps", "apps/v1", "Deployment", "deployments", "ns", "web");
  private static final OwnerRef TO_RS = new OwnerRef("rs-uid", "apps", "apps/v1", "ReplicaSet", "replicasets", "ns", "web-6d4f");

  private static ObjectSighting sighting(String uid, String group, String kind, String resource, String name, OwnerRef owner) {
    return new ObjectSighting(C, uid, uid, group, group.isEmpty() ? "v1" : group + "/v1", kind, resource, "ns", name,
        W, W + 1_000_000L, owner, false, null);
  }

  private static final ObjectSighting POD = sighting("pod-uid", "", "Pod", "pods", "web-6d4f-x", TO_RS);
  private static final ObjectSighting RS = sighting("rs-uid", "apps", "ReplicaSet", "replicasets", "web-6d4f", TO_DEPLOY);
  private static final ObjectSighting DEPLOY = sighting("d-uid", "apps", "Deployment", "deployments", "web", null);

  private final Map<String, ObjectSighting> known = new HashMap<>();

  private void remember(ObjectSighting s) {
    known.put(OwnerForest.key(s.cluster(), s.objectId()), s);
  }

  /** Resolves like ResolveOwners does: the active sightings of the window are known before the forest is built. */
  private OwnerForest.Result resolve(int maxDepth, ObjectSighting... active) {
    for (ObjectSighting s : active) {
      remember(s);
    }
    return new OwnerForest(W, HOUR, maxDepth, known::get).resolve(List.of(active));
  }

  private static Map<String, SpanRow> byUid(OwnerForest.Result result) {
    return result.objectSpans().stream().collect(Collectors.toMap(SpanRow::uid, s -> s));
  }

  private static Map<String, String> placements(OwnerForest.Result result) {
    return result.placements().stream().collect(Collectors.toMap(OwnerForest.Placement::objectId, OwnerForest.Placement::traceId));
  }

  @Test
  public void podReplicaSetDeploymentShareOneTraceWithParentLinks() {
    OwnerForest.Result result = resolve(10, POD, RS, DEPLOY);
    String trace = SpanIds.traceId(C, "d-uid", W);
    assertThat(result.traces(), equalTo(1));
    assertThat(result.placeholders(), equalTo(0));
    assertThat(placements(result), equalTo(Map.of("pod-uid", trace, "rs-uid", trace, "d-uid", trace)));

    Map<String, SpanRow> spans = byUid(result);
    assertThat(spans.keySet(), containsInAnyOrder("pod-uid", "rs-uid", "d-uid"));
    for (SpanRow s : spans.values()) {
      assertThat(s.traceId(), equalTo(trace));
      assertThat(s.kind(), equalTo(SpanRow.KIND_OBJECT));
      assertThat(s.spanId(), equalTo(SpanIds.objectSpanId(C, s.uid(), W)));
    }
    assertThat(spans.get("pod-uid").parentSpanId(), equalTo(SpanIds.objectSpanId(C, "rs-uid", W)));
    assertThat(spans.get("rs-uid").parentSpanId(), equalTo(SpanIds.objectSpanId(C, "d-uid", W)));
    assertThat(spans.get("d-uid").parentSpanId(), equalTo(""));
  }

  @Test
  public void objectSpanCoversTheWindowAndIsNamedResourceSlashName() {
    SpanRow pod = byUid(resolve(10, POD)).get("pod-uid");
    assertThat(pod.name(), equalTo("pods/web-6d4f-x"));
    assertThat(pod.startTime(), equalTo("2024-01-01T00:00:00.000000Z"));
    assertThat(pod.endTime(), equalTo("2024-01-01T01:00:00.000000Z"));
    assertThat(pod.namespace(), equalTo("ns"));
  }

  @Test
  public void inactiveOwnersKnownFromEarlierWindowsStillGetSpans() {
    remember(RS.inWindow(W - HOUR));
    remember(DEPLOY.inWindow(W - HOUR));
    OwnerForest.Result result = resolve(10, POD);
    Map<String, SpanRow> spans = byUid(result);
    assertThat(spans.keySet(), containsInAnyOrder("pod-uid", "rs-uid", "d-uid"));
    assertThat(result.placements(), hasSize(1));
    assertThat(placements(result).get("pod-uid"), equalTo(SpanIds.traceId(C, "d-uid", W)));
    assertThat(spans.get("rs-uid").spanId(), equalTo(SpanIds.objectSpanId(C, "rs-uid", W)));
    assertThat(spans.get("rs-uid").windowStart(), equalTo("2024-01-01T00:00:00.000000Z"));
    assertThat(spans.get("rs-uid").attributes(), not(hasKey("kelemetry.object.known_from")));
  }

  @Test
  public void ownerKnownOnlyFromOwnerReferenceBecomesAPlaceholderRoot() {
    OwnerForest.Result result = resolve(10, POD);
    assertThat(result.placeholders(), equalTo(1));
    Map<String, SpanRow> spans = byUid(result);
    SpanRow rs = spans.get("rs-uid");
    assertThat(rs.attributes(), hasEntry("kelemetry.object.known_from", (Object) "ownerReference"));
    assertThat(rs.name(), equalTo("replicasets/web-6d4f"));
    assertThat(rs.namespace(), equalTo("ns"));
    assertThat(rs.parentSpanId(), equalTo(""));
    String trace = SpanIds.traceId(C, "rs-uid", W);
    assertThat(rs.traceId(), equalTo(trace));
    assertThat(spans.get("pod-uid").traceId(), equalTo(trace));
    assertThat(spans.get("pod-uid").parentSpanId(), equalTo(rs.spanId()));
    assertThat(spans.get("pod-uid").attributes(), not(hasKey("kelemetry.object.known_from")));
  }

  @Test
  public void clusterScopedOwnerSpanHasNoNamespace() {
    OwnerRef node = new OwnerRef("node-uid", "", "v1", "Node", "nodes", "", "node-1");
    ObjectSighting mirror = new ObjectSighting(C, "mp-uid", "mp-uid", "", "v1", "Pod", "pods", "kube-system",
        "kube-apiserver-node-1", W, W, node, false, null);
    SpanRow nodeSpan = byUid(resolve(10, mirror)).get("node-uid");
    assertThat(nodeSpan.namespace(), equalTo(""));
    assertThat(nodeSpan.attributes(), not(hasKey("k8s.namespace.name")));
    assertThat(nodeSpan.attributes(), hasEntry("k8s.node.name", (Object) "node-1"));
  }

  @Test
  public void separateTreesAreSeparateTraces() {
    ObjectSighting lonely = sighting("cm-uid", "", "ConfigMap", "configmaps", "cm", null);
    OwnerForest.Result result = resolve(10, POD, RS, DEPLOY, lonely);
    assertThat(result.traces(), equalTo(2));
    assertThat(placements(result).get("cm-uid"), equalTo(SpanIds.traceId(C, "cm-uid", W)));
    assertThat(byUid(result).get("cm-uid").parentSpanId(), equalTo(""));
  }

  @Test
  public void ownerCycleTerminates() {
    OwnerRef toB = new OwnerRef("b-uid", "example.com", "example.com/v1", "Widget", "widgets", "ns", "b");
    OwnerRef toA = new OwnerRef("a-uid", "example.com", "example.com/v1", "Widget", "widgets", "ns", "a");
    ObjectSighting a = sighting("a-uid", "example.com", "Widget", "widgets", "a", toB);
    ObjectSighting b = sighting("b-uid", "example.com", "Widget", "widgets", "b", toA);
    remember(a);
    remember(b);
    OwnerForest.Result result = resolve(10, a, b);
    assertThat(result.placements(), hasSize(2));
    assertThat(result.objectSpans(), hasSize(2));
  }

  @Test
  public void selfOwnedObjectIsMarkedAsACycleRoot() {
    OwnerRef toSelf = new OwnerRef("a-uid", "example.com", "example.com/v1", "Widget", "widgets", "ns", "a");
    ObjectSighting a = sighting("a-uid", "example.com", "Widget", "widgets", "a", toSelf);
    OwnerForest.Result result = resolve(10, a);
    SpanRow span = byUid(result).get("a-uid");
    assertThat(span.attributes(), hasEntry("kelemetry.owner_cycle", (Object) true));
    assertThat(span.parentSpanId(), equalTo(""));
    assertThat(span.traceId(), equalTo(SpanIds.traceId(C, "a-uid", W)));
  }

  @Test
  public void twoObjectCycleIsOneTraceWithARootMarkedAsCycle() {
    OwnerRef toB = new OwnerRef("b-uid", "example.com", "example.com/v1", "Widget", "widgets", "ns", "b");
    OwnerRef toA = new OwnerRef("a-uid", "example.com", "example.com/v1", "Widget", "widgets", "ns", "a");
    ObjectSighting a = sighting("a-uid", "example.com", "Widget", "widgets", "a", toB);
    ObjectSighting b = sighting("b-uid", "example.com", "Widget", "widgets", "b", toA);
    remember(a);
    remember(b);
    OwnerForest.Result result = resolve(10, a, b);
    assertThat(result.traces(), equalTo(1));
    List<SpanRow> cycleRoots = result.objectSpans().stream()
        .filter(s -> Boolean.TRUE.equals(s.attributes().get("kelemetry.owner_cycle"))).toList();
    assertThat(cycleRoots, hasSize(1));
    assertThat(cycleRoots.get(0).parentSpanId(), equalTo(""));
    for (SpanRow s : result.objectSpans()) {
      assertThat(s.traceId(), equalTo(cycleRoots.get(0).traceId()));
    }
  }

  @Test
  public void chainIsCutAtMaxDepthForPlacement() {
    remember(RS);
    remember(DEPLOY);
    OwnerForest.Result result = resolve(1, POD);
    assertThat(placements(result).get("pod-uid"), equalTo(SpanIds.traceId(C, "rs-uid", W)));
  }

  @Test
  public void maxDepthZeroMakesEveryObjectItsOwnTruncatedRoot() {
    OwnerForest.Result result = resolve(0, POD);
    SpanRow pod = byUid(result).get("pod-uid");
    assertThat(result.objectSpans(), hasSize(1));
    assertThat(pod.parentSpanId(), equalTo(""));
    assertThat(pod.attributes(), hasEntry("kelemetry.owner_chain_truncated", (Object) true));
  }

  @Test
  public void truncatedChainRootIsTheRootSpanOfThePlacedTrace() {
    remember(RS);
    remember(DEPLOY);
    OwnerForest.Result result = resolve(1, POD);
    String trace = SpanIds.traceId(C, "rs-uid", W);
    Map<String, SpanRow> spans = byUid(result);
    assertThat(spans.keySet(), containsInAnyOrder("pod-uid", "rs-uid"));
    assertThat(spans.get("pod-uid").traceId(), equalTo(trace));
    assertThat(spans.get("rs-uid").traceId(), equalTo(trace));
    assertThat(spans.get("rs-uid").parentSpanId(), equalTo(""));
    assertThat(spans.get("rs-uid").attributes(), hasEntry("kelemetry.owner_chain_truncated", (Object) true));
  }

  @Test
  public void everySpanParentIsASpanOfTheSameTrace() {
    remember(DEPLOY);
    OwnerForest.Result result = resolve(10, POD, RS);
    Map<String, SpanRow> bySpanId = result.objectSpans().stream().collect(Collectors.toMap(SpanRow::spanId, s -> s));
    for (SpanRow s : result.objectSpans()) {
      if (!s.parentSpanId().isEmpty()) {
        assertThat(bySpanId.get(s.parentSpanId()).traceId(), equalTo(s.traceId()));
      }
    }
  }

  @Test
  public void aParentInAnotherClusterIsTheRootOfTheChildsTrace() {
    ObjectSighting fedDeploy = new ObjectSighting("hub", "fd-uid", "fd-uid", "types.kubefed.io", "types.kubefed.io/v1beta1",
        "FederatedDeployment", "federateddeployments", "ns", "web", W, W, null, false, null);
    OwnerRef toHub = new OwnerRef("fd-uid", "types.kubefed.io", "types.kubefed.io/v1beta1", "", "federateddeployments",
        "ns", "web", "hub");
    ObjectSighting memberDeploy = new ObjectSighting(C, "d-uid", "d-uid", "apps", "apps/v1", "Deployment", "deployments",
        "ns", "web", W, W, toHub, false, null);
    OwnerForest.Result result = resolve(10, POD, RS, memberDeploy, fedDeploy);
    String hubTrace = SpanIds.traceId("hub", "fd-uid", W);
    assertThat(result.traces(), equalTo(1));
    for (OwnerForest.Placement p : result.placements()) {
      assertThat(p.objectId(), p.traceId(), equalTo(hubTrace));
    }
    Map<String, SpanRow> spans = byUid(result);
    assertThat(spans.get("d-uid").parentSpanId(), equalTo(SpanIds.objectSpanId("hub", "fd-uid", W)));
    assertThat(spans.get("d-uid").cluster(), equalTo(C));
    assertThat(spans.get("fd-uid").cluster(), equalTo("hub"));
    assertThat(spans.get("fd-uid").attributes(), hasEntry("k8s.cluster.name", (Object) "hub"));
    assertThat(spans.get("pod-uid").traceId(), equalTo(hubTrace));
  }

  @Test
  public void aParentInAnotherClusterNotSeenYetIsAPlaceholderThere() {
    OwnerRef toHub = new OwnerRef("fd-uid", "types.kubefed.io", "types.kubefed.io/v1beta1", "", "federateddeployments",
        "ns", "web", "hub");
    ObjectSighting memberDeploy = new ObjectSighting(C, "d-uid", "d-uid", "apps", "apps/v1", "Deployment", "deployments",
        "ns", "web", W, W, toHub, false, null);
    SpanRow hub = byUid(resolve(10, memberDeploy)).get("fd-uid");
    assertThat(hub.cluster(), equalTo("hub"));
    assertThat(hub.traceId(), equalTo(SpanIds.traceId("hub", "fd-uid", W)));
    assertThat(hub.attributes(), hasEntry("kelemetry.object.known_from", (Object) "ownerReference"));
  }

  @Test
  public void theSameObjectIdInTwoClustersIsTwoObjects() {
    ObjectSighting inA = new ObjectSighting("a", "name:x", "", "", "v1", "ConfigMap", "configmaps", "ns", "x", W, W,
        null, false, null);
    ObjectSighting inB = new ObjectSighting("b", "name:x", "", "", "v1", "ConfigMap", "configmaps", "ns", "x", W, W,
        null, false, null);
    OwnerForest.Result result = resolve(10, inA, inB);
    assertThat(result.traces(), equalTo(2));
    assertThat(result.objectSpans(), hasSize(2));
    assertThat(result.placements().stream().map(OwnerForest.Placement::traceId).distinct().count(), equalTo(2L));
  }

  @Test
  public void relatedLinksAreAttributesOfTheObjectSpan() {
    ObjectSighting pod = new ObjectSighting(C, "pod-uid", "pod-uid", "", "v1", "Pod", "pods", "ns", "web-6d4f-x", W, W,
        TO_RS, false, new java.util.TreeMap<>(Map.of("pod-node",
            List.of(ObjectLink.related("", "v1", "Node", "nodes", "", "node-3", "")))));
    SpanRow span = byUid(resolve(10, pod)).get("pod-uid");
    assertThat(span.attributes(), hasEntry("kelemetry.link.pod-node", (Object) "nodes/node-3"));
    assertThat(span.parentSpanId(), equalTo(SpanIds.objectSpanId(C, "rs-uid", W)));
  }
}
