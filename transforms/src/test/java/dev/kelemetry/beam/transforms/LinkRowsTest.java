package dev.kelemetry.beam.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.kelemetry.beam.plugins.ObjectLink;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.transforms.owners.ObjectSighting;
import dev.kelemetry.beam.transforms.owners.OwnerRef;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.Test;

public class LinkRowsTest {
  private static final long W = 1_767_225_600_000_000L; // 2026-01-01T00:00:00Z

  @Test
  public void aSightingShowsItsParentAndEachRelatedObject() {
    OwnerRef rs = new OwnerRef("rs-uid", "apps", "apps/v1", "ReplicaSet", "replicasets", "ns", "web-1", "", "owner-references");
    ObjectSighting pod = new ObjectSighting("c1", "pod-uid", "pod-uid", "", "v1", "Pod", "pods", "ns", "web-1-x", W,
        W + 5_000_000, rs, false, new TreeMap<>(Map.of(
            "pod-node", List.of(ObjectLink.related("", "v1", "Node", "nodes", "", "node-3", "")),
            "pod-configmaps", List.of(ObjectLink.related("", "v1", "ConfigMap", "configmaps", "ns", "a", ""),
                ObjectLink.related("", "v1", "ConfigMap", "configmaps", "ns", "b", "cm-b-uid").inCluster("hub")))));
    List<LinkRow> rows = LinkRows.links(pod);
    assertThat(rows.stream().map(r -> r.role() + " " + r.linker() + " " + r.target() + " " + r.targetCluster()).toList(),
        contains("parent owner-references replicasets.apps/ns/web-1 c1", "related pod-configmaps configmaps/ns/a c1",
            "related pod-configmaps hub:configmaps/ns/b hub", "related pod-node nodes/node-3 c1"));
    assertThat(rows.get(0).targetUid(), equalTo("rs-uid"));
    assertThat(rows.get(2).targetUid(), equalTo("cm-b-uid"));
    assertThat(rows.get(0).firstSeen(), equalTo("2026-01-01T00:00:05.000000Z"));
    assertThat(rows.get(0).windowStart(), equalTo("2026-01-01T00:00:00.000000Z"));
  }

  @Test
  public void aLinkSeenTwiceKeepsItsFirstAndLastTime() {
    LinkRow early = new LinkRow("w", "c", "", "pods", "ns", "p", "u", "parent", "l", "t", "c", "x", "2026-01-01T00:00:05.000000Z",
        "2026-01-01T00:00:05.000000Z");
    LinkRow late = new LinkRow("w", "c", "", "pods", "ns", "p", "u", "parent", "l", "t", "c", "x", "2026-01-01T00:20:00.000000Z",
        "2026-01-01T00:20:00.000000Z");
    assertThat(late.seenAlso(early).firstSeen(), equalTo(early.firstSeen()));
    assertThat(early.seenAlso(late).lastSeen(), equalTo(late.lastSeen()));
  }
}
