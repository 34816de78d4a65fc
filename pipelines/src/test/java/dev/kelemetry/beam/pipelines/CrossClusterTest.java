package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.schemas.SpanRow;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Two clusters in one backfill, one object of the member cluster under a parent in the hub cluster. */
public class CrossClusterTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static Path root;
  private static List<SpanRow> plain;

  @BeforeClass
  public static void writeLogsAndBackfillTheMemberAlone() throws Exception {
    root = TMP.getRoot().toPath();
    CrossClusterLogs.write(root.resolve("member/plain.log"), CrossClusterLogs.memberLog(false));
    CrossClusterLogs.write(root.resolve("member/linked.log"), CrossClusterLogs.memberLog(true));
    CrossClusterLogs.write(root.resolve("hub/audit.log"), CrossClusterLogs.hubLog());
    plain = backfill("plain", List.of(new InputSpec(root + "/member/plain.log", CrossClusterLogs.MEMBER)), PluginConfig.NONE);
  }

  private static List<SpanRow> backfill(String name, List<InputSpec> inputs, PluginConfig plugins) throws Exception {
    Path out = TMP.newFolder(name).toPath();
    RunSummary summary = Kelemetry.Backfills.run(TracingConfig.defaults(inputs, out.toString()).withPlugins(plugins),
        "direct", false);
    assertThat(summary.accountsForEveryRecord(), equalTo(true));
    return SpanFiles.read(out);
  }

  private static List<InputSpec> bothClusters() {
    return List.of(new InputSpec(root + "/member/linked.log", CrossClusterLogs.MEMBER),
        new InputSpec(root + "/hub/audit.log", CrossClusterLogs.HUB));
  }

  @Test
  public void theParentLinkAnnotationPutsAMemberDeploymentUnderItsHubParent() throws Exception {
    List<SpanRow> linked = backfill("linked", bothClusters(), PluginConfig.NONE);
    assertThat(CrossClusterLogs.assertMemberTreeUnderHubParent(plain, linked), greaterThan(100));

    // the links table has the edge, once per window the Deployment was active in, found by the annotation
    List<LinkRow> links = SpanFiles.readRows(TMP.getRoot().toPath().resolve("linked/links"), LinkRow.class);
    List<LinkRow> toHub = links.stream().filter(l -> l.targetCluster().equals(CrossClusterLogs.HUB)).toList();
    long deploymentWindows = linked.stream().filter(s -> s.kind().equals(SpanRow.KIND_OBJECT)
        && s.cluster().equals(CrossClusterLogs.MEMBER) && s.resource().equals("deployments") && !s.uid().isEmpty()).count();
    assertThat(toHub.size(), equalTo((int) deploymentWindows));
    for (LinkRow l : toHub) {
      assertThat(l.role(), equalTo(LinkRow.PARENT));
      assertThat(l.linker(), equalTo("parent-link-annotation"));
      assertThat(l.target(), equalTo("hub:federateddeployments.types.kubefed.io/default/demo"));
      assertThat(l.targetUid(), equalTo(CrossClusterLogs.PARENT_UID));
      assertThat(l.firstSeen().compareTo(l.lastSeen()) <= 0, equalTo(true));
    }
    // and the owner-reference edges of the member's ReplicaSets and Pods
    assertThat(links.stream().filter(l -> l.linker().equals("owner-references") && l.resource().equals("pods")).count(),
        greaterThan(0L));
  }

  @Test
  public void withTheAnnotationLinkerOffTheClustersStayApart() throws Exception {
    List<SpanRow> off = backfill("off", bothClusters(),
        new PluginConfig(List.of(), Map.of(), List.of("parent-link-annotation")));
    List<String> plainTraces = plain.stream().map(s -> s.spanId() + " " + s.traceId()).sorted().toList();
    List<String> offTraces = off.stream().filter(s -> s.cluster().equals(CrossClusterLogs.MEMBER))
        .map(s -> s.spanId() + " " + s.traceId()).sorted().toList();
    assertThat(offTraces, equalTo(plainTraces));
  }
}
