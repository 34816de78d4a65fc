package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Kelemetry's own two e2e scenarios, reproduced on generated audit logs: what a user sees in the Deployment's trace
 * after create demo (2 replicas), scale to 4, new image, scale to 2, delete; and the ancestors of the first
 * ReplicaSet after an image change.
 */
public class KelemetryScenariosTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static List<SpanRow> rollout;
  private static List<SpanRow> ancestors;

  @BeforeClass
  public static void generateAndBackfill() throws Exception {
    rollout = backfill("deployment-rollout");
    ancestors = backfill("ancestors");
  }

  private static List<SpanRow> backfill(String scenario) throws Exception {
    Path dir = TMP.newFolder().toPath();
    Path log = dir.resolve("audit.log");
    Kelemetry.generate(scenario, 1, 7, Instant.parse("2026-03-01T10:00:00Z"), log);
    Kelemetry.Backfills.run(TracingConfig.defaults(List.of(new InputSpec(log.toString(), "")), dir.resolve("out").toString())
        .withCluster("e2e"), "direct", false);
    return SpanFiles.read(dir.resolve("out"));
  }

  private static SpanRow objectSpan(List<SpanRow> spans, String resource, String name) {
    // the object itself (with its uid), not the requests for its name before it existed (a 404 get)
    return spans.stream().filter(s -> s.kind().equals(SpanRow.KIND_OBJECT) && s.resource().equals(resource)
        && s.objectName().equals(name) && !s.uid().isEmpty()).min(Comparator.comparing(SpanRow::windowStart)).orElseThrow();
  }

  private static List<SpanRow> traceOf(List<SpanRow> spans, SpanRow member) {
    return spans.stream().filter(s -> s.traceId().equals(member.traceId())).toList();
  }

  @SuppressWarnings("unchecked")
  private static List<String> diffLines(SpanRow span) {
    List<String> lines = new ArrayList<>();
    for (SpanEvent e : span.events()) {
      if (e.name().equals(SpanEvent.DIFF)) {
        lines.addAll((List<String>) e.attributes().get("diff"));
        lines.addAll((List<String>) e.attributes().get("verbose_diff"));
      }
    }
    return lines;
  }

  @Test
  public void theDeploymentIsTheOnlyRootOfItsTrace() {
    List<SpanRow> trace = traceOf(rollout, objectSpan(rollout, "deployments", "demo"));
    List<SpanRow> roots = trace.stream().filter(s -> s.parentSpanId().isEmpty()).toList();
    assertThat(roots, hasSize(1));
    assertThat(roots.get(0).name(), equalTo("deployments/demo"));
  }

  @Test
  public void theDeleteCarriesASnapshotOfTheDeployment() {
    SpanRow delete = rollout.stream().filter(s -> s.kind().equals(SpanRow.KIND_AUDIT) && s.resource().equals("deployments")
        && s.objectName().equals("demo") && s.name().endsWith(" delete")).findFirst().orElseThrow();
    JsonNode snapshot = delete.events().stream().filter(e -> e.name().equals(SpanEvent.SNAPSHOT)).findFirst()
        .map(e -> Rows.fromJson((String) e.attributes().get("snapshot"), JsonNode.class)).orElseThrow();
    assertThat(snapshot.path("metadata").path("name").asText(), equalTo("demo"));
  }

  @Test
  public void statusUpdatesAndTheGenerationChangeAreVisible() {
    List<SpanRow> trace = traceOf(rollout, objectSpan(rollout, "deployments", "demo"));
    assertThat(trace.stream().anyMatch(s -> s.kind().equals(SpanRow.KIND_AUDIT) && s.name().endsWith(" update status")), is(true));
    assertThat(trace.stream().flatMap(s -> diffLines(s).stream()).anyMatch(l -> l.contains("status.observedGeneration 1 -> 2")), is(true));
  }

  @Test
  public void noDiffMentionsManagedFields() {
    List<String> all = rollout.stream().flatMap(s -> diffLines(s).stream()).toList();
    assertThat(all.isEmpty(), is(false));
    assertThat(all.stream().filter(l -> l.contains("managedFields")).toList(), hasSize(0));
  }

  @Test
  public void theDeploymentHasExactlyTwoReplicaSetChildrenAndPodsHangUnderThem() {
    SpanRow deployment = objectSpan(rollout, "deployments", "demo");
    List<SpanRow> trace = traceOf(rollout, deployment);
    List<SpanRow> replicaSets = trace.stream().filter(s -> s.parentSpanId().equals(deployment.spanId())
        && s.kind().equals(SpanRow.KIND_OBJECT)).toList();
    assertThat(replicaSets, hasSize(2));
    assertThat(replicaSets.stream().allMatch(s -> s.resource().equals("replicasets")), is(true));
    Map<String, SpanRow> bySpanId = trace.stream().collect(Collectors.toMap(SpanRow::spanId, Function.identity(), (a, b) -> a));
    List<SpanRow> pods = trace.stream().filter(s -> s.kind().equals(SpanRow.KIND_OBJECT) && s.resource().equals("pods")).toList();
    assertThat(pods.isEmpty(), is(false));
    for (SpanRow pod : pods) {
      SpanRow parent = bySpanId.get(pod.parentSpanId());
      assertThat(parent.resource(), equalTo("replicasets"));
      assertThat(pod.objectName(), startsWith(parent.objectName() + "-"));
    }
  }

  @Test
  public void theFirstReplicaSetsAncestorsAreOnlyTheDeployment() {
    List<SpanRow> replicaSetCreates = ancestors.stream().filter(s -> s.kind().equals(SpanRow.KIND_AUDIT)
        && s.resource().equals("replicasets") && s.name().endsWith(" create")).sorted(Comparator.comparing(SpanRow::startTime)).toList();
    assertThat(replicaSetCreates, hasSize(2));
    SpanRow first = objectSpan(ancestors, "replicasets", replicaSetCreates.get(0).objectName());
    String sibling = replicaSetCreates.get(1).objectName();
    Map<String, SpanRow> bySpanId = traceOf(ancestors, first).stream()
        .collect(Collectors.toMap(SpanRow::spanId, Function.identity(), (a, b) -> a));
    List<String> chain = new ArrayList<>();
    for (SpanRow s = first; s != null; s = bySpanId.get(s.parentSpanId())) {
      chain.add(s.name());
    }
    assertThat(chain, contains("replicasets/" + first.objectName(), "deployments/ancestors"));
    assertThat(chain, not(contains("replicasets/" + sibling)));
  }

  @Test
  public void reRunningTheBackfillGivesTheSameSpanIds() throws Exception {
    List<String> again = backfill("deployment-rollout").stream().map(s -> s.traceId() + "/" + s.spanId() + "/" + s.parentSpanId())
        .sorted().toList();
    assertThat(again, equalTo(rollout.stream().map(s -> s.traceId() + "/" + s.spanId() + "/" + s.parentSpanId()).sorted().toList()));
  }
}
