package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.kelemetry.beam.io.InputSpec;
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
