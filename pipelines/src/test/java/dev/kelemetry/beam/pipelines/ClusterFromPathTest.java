package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.SpanRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** `--cluster-from-path`: files of many clusters in one run, each file's cluster read from its path. */
public class ClusterFromPathTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static String update(String auditId) {
    return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"" + auditId + "\","
        + "\"stage\":\"ResponseComplete\",\"verb\":\"update\",\"user\":{\"username\":\"alice\"},\"objectRef\":{"
        + "\"resource\":\"configmaps\",\"namespace\":\"default\",\"name\":\"cm\",\"apiVersion\":\"v1\"},"
        + "\"responseStatus\":{\"code\":200},\"requestReceivedTimestamp\":\"2026-01-01T00:00:01.000000Z\"}";
  }

  @Test
  public void eachFileTakesItsClusterFromItsPathAndAFileThatDoesNotMatchIsADeadLetter() throws Exception {
    Path root = tmp.getRoot().toPath();
    Files.createDirectories(root.resolve("clusters/eu-prod"));
    Files.createDirectories(root.resolve("clusters/us-prod"));
    Files.createDirectories(root.resolve("misc"));
    Files.writeString(root.resolve("clusters/eu-prod/audit.log"), update("a-1") + "\n");
    Files.writeString(root.resolve("clusters/us-prod/audit.log"), update("a-1") + "\n"); // same auditID, other cluster
    Files.writeString(root.resolve("misc/audit.log"), update("a-2") + "\n");
    Path out = root.resolve("out");
    RunSummary summary = Kelemetry.Backfills.run(TracingConfig.defaults(List.of(new InputSpec(root + "/**/audit.log", "")),
        out.toString()).withClusterFromPath(Pattern.compile("/clusters/([^/]+)/")), "direct", false);

    Set<String> clusters = new TreeSet<>();
    SpanFiles.read(out).stream().filter(s -> s.kind().equals(SpanRow.KIND_AUDIT)).forEach(s -> clusters.add(s.cluster()));
    assertThat(clusters, equalTo(Set.of("eu-prod", "us-prod")));
    List<DeadLetterRow> dead = SpanFiles.readRows(out.resolve("dead_letters"), DeadLetterRow.class);
    assertThat(dead, hasSize(1));
    assertThat(dead.get(0).source(), containsString("misc/audit.log"));
    assertThat(dead.get(0).reason(), containsString("does not match --cluster-from-path"));
    assertThat(summary.accountsForEveryRecord(), equalTo(true));
  }
}
