package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

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
}
