package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * KHI's GKE audit entries (a pod create by the ReplicaSet controller, then two status patches by the kubelet) in their
 * JSON form, as a log sink writes them to GCS (spaced one second apart, see {@link GkeLogEntries#khiAudit}). Then
 * the kubelet's strategic-merge patches ({@code @type: k8s.io/Patch}) apply to the created Pod and show as diffs.
 */
public class GkeAuditLogTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void theKubeletsStatusPatchesOfTheCreatedPodShowTheirDiffs() throws Exception {
    List<String> lines = GkeLogEntries.khiAudit(SharedData.real());
    Path log = tmp.newFile("gke-activity.json").toPath();
    Files.write(log, lines);
    Path out = tmp.newFolder("out").toPath();
    Kelemetry.Backfills.run(TracingConfig.defaults(List.of(new InputSpec(log.toString(), "")), out.toString()), "direct", false);

    List<SpanRow> patches = SpanFiles.read(out).stream().filter(s -> s.name().endsWith(" patch status")).toList();
    assertThat(patches, hasSize(2));
    for (SpanRow patch : patches) {
      assertThat(patch.cluster(), equalTo("sample-cluster"));
      List<SpanEvent> diffs = patch.events().stream().filter(e -> e.name().equals(SpanEvent.DIFF)).toList();
      assertThat(patch.name() + " at " + patch.startTime(), diffs, hasSize(1));
    }
    SpanRow first = patches.stream().min(java.util.Comparator.comparing(SpanRow::startTime)).orElseThrow();
    @SuppressWarnings("unchecked")
    List<String> diff = (List<String>) first.events().stream().filter(e -> e.name().equals(SpanEvent.DIFF))
        .findFirst().orElseThrow().attributes().get("diff");
    assertThat(diff.toString(), diff.stream().anyMatch(l -> l.startsWith("status.conditions")), equalTo(true));
  }

  /**
   * The three files as a user has them (YAML LogEntries, all in one second): the create puts the Pod under the
   * ReplicaSet its ownerReference names, in the cluster the resource labels name, and both kubelet patches are spans
   * of that same Pod. Expectations are read from the files.
   */
  @Test
  public void theYamlFilesAsTheyAreGiveThePodUnderItsReplicaSet() throws Exception {
    Path dir = SharedData.real().resolve("khi/k8s_audit");
    JsonNode create;
    try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class)
        .readValues(Files.readString(dir.resolve("container_recorder_test_1_1.yaml")))) {
      create = it.next();
    }
    JsonNode pod = create.path("protoPayload").path("response");
    String podUid = pod.path("metadata").path("uid").asText();
    JsonNode owner = pod.path("metadata").path("ownerReferences").get(0);
    String cluster = create.path("resource").path("labels").path("cluster_name").asText();

    Path out = tmp.newFolder("yaml").toPath();
    RunSummary summary = Kelemetry.Backfills.run(TracingConfig.defaults(
        List.of(new InputSpec(dir + "/container_recorder_test_1_?.yaml", "")), out.toString()), "direct", false);
    assertThat(summary.accountsForEveryRecord(), equalTo(true));
    List<SpanRow> spans = SpanFiles.read(out);

    SpanRow podSpan = spans.stream().filter(s -> s.kind().equals(SpanRow.KIND_OBJECT) && s.uid().equals(podUid))
        .findFirst().orElseThrow();
    SpanRow rsSpan = spans.stream().filter(s -> s.spanId().equals(podSpan.parentSpanId())).findFirst().orElseThrow();
    assertThat(rsSpan.uid(), equalTo(owner.path("uid").asText()));
    assertThat(rsSpan.objectName(), equalTo(owner.path("name").asText()));
    assertThat(rsSpan.resource(), equalTo("replicasets"));
    assertThat(podSpan.cluster(), equalTo(cluster));
    assertThat(rsSpan.cluster(), equalTo(cluster));

    List<SpanRow> audits = spans.stream().filter(s -> s.kind().equals(SpanRow.KIND_AUDIT)).toList();
    assertThat(audits, hasSize(3));
    for (SpanRow audit : audits) {
      assertThat(audit.name(), audit.parentSpanId(), equalTo(podSpan.spanId()));
      assertThat(audit.traceId(), equalTo(podSpan.traceId()));
    }
    assertThat(audits.stream().filter(s -> s.name().endsWith(" patch status")).count(), equalTo(2L));
  }
}
