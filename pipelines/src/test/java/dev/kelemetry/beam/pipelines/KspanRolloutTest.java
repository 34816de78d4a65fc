package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A rolling update of Deployment {@code px} recorded from a real cluster by kspan's authors: 19 core/v1 Events and 7
 * object states (the Deployment, 2 ReplicaSets, 4 Pods), no audit log at all. Read twice: the file as it is
 * (multi-document YAML, the objects as a dump), and converted here, document by document, into the watch lines a
 * {@code kubectl get -w -o json --output-watch-events} would print, in shuffled order. Both must give one trace rooted at
 * the Deployment, with the ownership tree and every Event under the object its {@code involvedObject.uid} names; the
 * expectations are computed from the file, not written down.
 */
public class KspanRolloutTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static List<JsonNode> documents;
  private static List<SpanRow> fromYaml;
  private static List<SpanRow> fromWatchLines;

  @BeforeClass
  public static void backfillBothForms() throws Exception {
    Path yaml = SharedData.real().resolve("kspan/deployment-2-pods.yaml");
    try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(Files.readString(yaml))) {
      documents = it.readAll().stream().filter(JsonNode::isObject).toList();
    }
    fromYaml = backfill(yaml, "yaml");

    List<String> watchLines = new ArrayList<>();
    Set<String> added = new HashSet<>();
    for (JsonNode doc : documents) {
      ObjectNode line = Rows.JSON.createObjectNode();
      line.put("type", added.add(doc.path("metadata").path("uid").asText()) ? "ADDED" : "MODIFIED");
      line.set("object", doc);
      watchLines.add(line.toString());
    }
    Collections.shuffle(watchLines, new Random(7));
    Path watch = TMP.newFile("watch.jsonl").toPath();
    Files.write(watch, watchLines);
    fromWatchLines = backfill(watch, "watch");
  }

  private static List<SpanRow> backfill(Path input, String name) throws Exception {
    Path out = TMP.newFolder(name).toPath();
    Kelemetry.Backfills.run(TracingConfig.defaults(List.of(new InputSpec(input.toString(), "")), out.toString())
        .withCluster("kspan"), "direct", false);
    return SpanFiles.read(out);
  }

  private static List<JsonNode> ofKind(String kind) {
    return documents.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
  }

  private static String uid(JsonNode object) {
    return object.path("metadata").path("uid").asText();
  }

  private static String controllerUid(JsonNode object) {
    for (JsonNode ref : object.path("metadata").path("ownerReferences")) {
      if (ref.path("controller").asBoolean()) {
        return ref.path("uid").asText();
      }
    }
    return "";
  }

  @Test
  public void theFileHoldsWhatItsProvenanceSays() {
    assertThat(ofKind("Event"), hasSize(19));
    assertThat(ofKind("Deployment").size() + ofKind("ReplicaSet").size() + ofKind("Pod").size(), equalTo(7));
  }

  @Test
  public void yamlAsItIsGivesOneTreeRootedAtTheDeploymentWithEveryEventUnderItsObject() {
    assertRollout(fromYaml);
  }

  @Test
  public void watchLinesInAnyOrderGiveTheSameTree() {
    assertRollout(fromWatchLines);
  }

  @Test
  public void bothFormsGiveTheSameTraceAndObjectAndEventIds() {
    Function<List<SpanRow>, Set<String>> ids = spans -> spans.stream()
        .filter(s -> !s.kind().equals(SpanRow.KIND_STATE)) // "listed" and "watch ADDED" are different observations
        .map(s -> s.traceId() + "/" + s.spanId() + "/" + s.parentSpanId()).collect(Collectors.toSet());
    assertThat(ids.apply(fromWatchLines), equalTo(ids.apply(fromYaml)));
  }

  private static void assertRollout(List<SpanRow> spans) {
    JsonNode deployment = ofKind("Deployment").get(0);
    Map<String, SpanRow> objectSpans = spans.stream().filter(s -> s.kind().equals(SpanRow.KIND_OBJECT))
        .collect(Collectors.toMap(SpanRow::uid, s -> s));
    SpanRow root = objectSpans.get(uid(deployment));
    assertThat(root.name(), equalTo("deployments/px"));
    assertThat(root.parentSpanId(), equalTo(""));
    // one trace: every span of the run is in the Deployment's
    assertThat(spans.stream().map(SpanRow::traceId).collect(Collectors.toSet()), equalTo(Set.of(root.traceId())));

    List<JsonNode> replicaSets = ofKind("ReplicaSet");
    assertThat(replicaSets.stream().map(KspanRolloutTest::uid).distinct().count(), equalTo(2L));
    for (JsonNode rs : replicaSets) {
      assertThat(objectSpans.get(uid(rs)).parentSpanId(), equalTo(root.spanId()));
    }
    List<JsonNode> pods = ofKind("Pod");
    assertThat(pods.stream().map(KspanRolloutTest::uid).distinct().count(), equalTo(4L));
    for (JsonNode pod : pods) {
      SpanRow podSpan = objectSpans.get(uid(pod));
      assertThat(podSpan.name(), equalTo("pods/" + pod.path("metadata").path("name").asText()));
      assertThat(podSpan.parentSpanId(), equalTo(objectSpans.get(controllerUid(pod)).spanId()));
    }

    List<SpanRow> eventSpans = spans.stream().filter(s -> s.kind().equals(SpanRow.KIND_EVENT)).toList();
    assertThat(eventSpans, hasSize(19));
    Map<String, SpanRow> byEventUid = eventSpans.stream()
        .collect(Collectors.toMap(s -> String.valueOf(s.attributes().get("k8s.event.uid")), s -> s));
    for (JsonNode event : ofKind("Event")) {
      SpanRow span = byEventUid.get(uid(event));
      String about = event.path("involvedObject").path("uid").asText();
      assertThat(span.name(), equalTo(event.path("reason").asText()));
      assertThat(span.uid(), equalTo(about));
      assertThat(span.parentSpanId(), equalTo(objectSpans.get(about).spanId()));
      assertThat(span.attributes().get("k8s.event.message"), equalTo(event.path("message").asText()));
    }
    assertThat(eventSpans.stream().allMatch(s -> s.startTime().compareTo(root.windowStart()) >= 0), is(true));
  }
}
