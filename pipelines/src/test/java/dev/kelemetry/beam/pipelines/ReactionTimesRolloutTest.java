package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.metrics.MetricSample;
import dev.kelemetry.beam.transforms.metrics.ReactionTimes;
import dev.kelemetry.beam.transforms.metrics.TraceReactions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Reaction times on whole tracing graphs: the generated rollout (create, scale up, new image, scale down, delete) in
 * one trace window and straddling two, and kspan's real rollout, which has no audit log. The expected samples come
 * from the audit records themselves, read in time order by a plain loop that knows nothing of spans: who owns what
 * from ownerReferences, a template change from comparing the stored objects, Pods by name.
 */
public class ReactionTimesRolloutTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final String CLUSTER = "e2e";
  private static final long WINDOW_MICROS = TracingConfig.defaults(List.of(), "unused").window().getMillis() * 1000;

  @Test
  public void theGeneratedRolloutInOneWindowGivesEveryReactionItsAuditLogHolds() throws Exception {
    List<MetricSample> expected = assertReactionsOfGeneratedRollout(Instant.parse("2026-03-01T10:00:00Z"));
    // one Deployment create and one image change; three ReplicaSet scale-ups and two creates; every Pod bound; every
    // Pod deleted gracefully and then removed by its kubelet
    for (String metric : List.of("reaction.deployment_to_replicaset", "reaction.replicaset_to_pods",
        "reaction.pod_scheduling", "reaction.pod_deletion")) {
      assertThat(metric, expected.stream().filter(s -> s.metric().equals(metric)).toList(), hasSize(greaterThan(1)));
    }
  }

  @Test
  public void theGeneratedRolloutAcrossTwoWindowsLosesOnlyThePairsThatStraddleThem() throws Exception {
    // The first graceful Pod delete comes about 46.8 s after the start and its kubelet's final delete 1.4 s later:
    // starting 47.5 s before 10:30 puts the window boundary between them.
    assertReactionsOfGeneratedRollout(Instant.parse("2026-03-01T10:29:12.500Z"));
  }

  /** Generates the rollout from {@code start}, checks the graph's samples against the log's, returns them. */
  private List<MetricSample> assertReactionsOfGeneratedRollout(Instant start) throws Exception {
    Path log = TMP.newFolder().toPath().resolve("audit.log");
    Kelemetry.generate("deployment-rollout", 1, 7, start, log);
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      records.add(Rows.JSON.readTree(line));
    }
    AuditLogReactions fromLog = AuditLogReactions.of(records, CLUSTER, WINDOW_MICROS);
    int ignoringWindows = AuditLogReactions.of(records, CLUSTER, Long.MAX_VALUE).samples.size();
    long windows = records.stream()
        .map(e -> Math.floorDiv(CrossClusterLogs.micros(e.path("requestReceivedTimestamp").asText()), WINDOW_MICROS))
        .distinct().count();
    if (windows == 1) {
      assertThat(fromLog.samples, hasSize(ignoringWindows));
    } else {
      // the boundary falls between a trigger and its reaction: that pair is in neither window's trace
      assertThat(fromLog.samples, hasSize(lessThan(ignoringWindows)));
    }
    PAssert.that(reactionsOfGraph(log)).containsInAnyOrder(fromLog.samples);
    pipeline.run().waitUntilFinish();
    return fromLog.samples;
  }

  @Test
  public void kspansRealRolloutHasNoAuditRecordsSoNoReactions() throws Exception {
    Path yaml = SharedData.real().resolve("kspan/deployment-2-pods.yaml");
    List<JsonNode> documents;
    try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(Files.readString(yaml))) {
      documents = it.readAll().stream().filter(JsonNode::isObject).toList();
    }
    // Its Events (ScalingReplicaSet, SuccessfulCreate, Scheduled, Killing) tell of the same reactions, but say
    // neither which request nor when it started: only audit records are measured.
    List<JsonNode> auditRecords = documents.stream()
        .filter(d -> d.path("apiVersion").asText().startsWith("audit.k8s.io/")).toList();
    List<MetricSample> expected = AuditLogReactions.of(auditRecords, CLUSTER, WINDOW_MICROS).samples;
    assertThat(expected, empty());
    // the transform did get the rollout's objects: every Deployment, ReplicaSet and Pod of the file has its span
    Set<String> workloadUids = documents.stream()
        .filter(d -> Set.of("Deployment", "ReplicaSet", "Pod").contains(d.path("kind").asText()))
        .map(d -> d.path("metadata").path("uid").asText()).collect(Collectors.toSet());
    PCollection<SpanRow> spans = spansOfGraph(yaml);
    PAssert.that(spans).satisfies(rows -> {
      Set<String> objectUids = new HashSet<>();
      rows.forEach(s -> {
        if (s.kind().equals(SpanRow.KIND_OBJECT) && TraceReactions.mayMatter(s)) {
          objectUids.add(s.uid());
        }
      });
      assertThat(objectUids, equalTo(workloadUids));
      return null;
    });
    // The graph applies ReactionTimes itself (to make metric rows); the samples are checked here, under another name.
    PAssert.that(spans.apply("ReactionsUnderTest", ReactionTimes.inWindowsOf(config(yaml).window())))
        .containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
  }

  private static TracingConfig config(Path input) {
    return TracingConfig.defaults(List.of(new InputSpec(input.toString(), "")), TMP.getRoot().toString())
        .withCluster(CLUSTER);
  }

  private PCollection<SpanRow> spansOfGraph(Path input) {
    return TracingPipeline.build(pipeline, config(input)).spans();
  }

  private PCollection<MetricSample> reactionsOfGraph(Path input) {
    return spansOfGraph(input).apply("ReactionsUnderTest", ReactionTimes.inWindowsOf(config(input).window()));
  }

  /**
   * The reactions in a native audit log, from its records alone. Each trigger and reaction is put on a timeline per
   * (window, object that reacts), and a reaction answers the latest trigger still waiting on that timeline.
   */
  static final class AuditLogReactions {
    final List<MetricSample> samples = new ArrayList<>();
    /** Per timeline: trigger and reaction records, in time order. */
    private final Map<String, List<Step>> timelines = new LinkedHashMap<>();
    private final Map<String, JsonNode> stored = new HashMap<>(); // resource/namespace/name -> last stored object
    private final Map<String, List<JsonNode>> podDeletes = new LinkedHashMap<>();
    private final String cluster;
    private final long windowMicros;

    private record Step(long micros, boolean trigger, JsonNode record) {}

    private AuditLogReactions(String cluster, long windowMicros) {
      this.cluster = cluster;
      this.windowMicros = windowMicros;
    }

    static AuditLogReactions of(List<JsonNode> records, String cluster, long windowMicros) {
      AuditLogReactions r = new AuditLogReactions(cluster, windowMicros);
      Map<String, JsonNode> completed = new TreeMap<>();
      for (JsonNode e : records) {
        int code = e.path("responseStatus").path("code").asInt();
        if (e.path("stage").asText().equals("ResponseComplete") && code >= 200 && code < 300
            && Set.of("create", "update", "patch", "delete").contains(e.path("verb").asText())) {
          completed.put(e.path("auditID").asText(), e);
        }
      }
      completed.values().stream().sorted(Comparator.comparingLong(AuditLogReactions::micros)).forEach(r::read);
      r.pairTimelines();
      r.pairDeletes();
      return r;
    }

    private void read(JsonNode e) {
      JsonNode ref = e.path("objectRef");
      String resource = ref.path("resource").asText();
      String subresource = ref.path("subresource").asText("");
      String verb = e.path("verb").asText();
      JsonNode response = e.path("responseObject");
      // a create with generateName has no name in objectRef; the stored object has it
      String name = ref.path("name").asText("").isEmpty() ? response.path("metadata").path("name").asText() : ref.path("name").asText();
      String key = resource + "/" + ref.path("namespace").asText() + "/" + name;
      JsonNode before = stored.get(key);
      JsonNode after = Set.of("Deployment", "ReplicaSet", "Pod").contains(response.path("kind").asText()) ? response : before;
      boolean created = verb.equals("create") && subresource.isEmpty();
      switch (resource) {
        case "deployments" -> {
          if (created || (after != null && before != null && !after.path("spec").path("template").equals(before.path("spec").path("template")))) {
            add(uidOf(after), true, e);
          }
        }
        case "replicasets" -> {
          long replicasBefore = before == null ? 0 : before.path("spec").path("replicas").asLong();
          long replicasAfter = after == null ? 0 : after.path("spec").path("replicas").asLong();
          if (created || replicasAfter != replicasBefore) {
            add(ownerOf(after), false, e); // the Deployment's timeline
          }
          if ((created && replicasAfter > 0) || (!created && replicasAfter > replicasBefore)) {
            add(uidOf(after), true, e);
          }
        }
        case "pods" -> {
          if (created) {
            add(ownerOf(after), false, e);
            add(uidOf(after), true, e);
          } else if (verb.equals("create") && subresource.equals("binding")) {
            add(uidOf(before), false, e);
          } else if (verb.equals("delete")) {
            podDeletes.computeIfAbsent(window(e) + "/" + uidOf(before), k -> new ArrayList<>()).add(e);
          }
        }
        default -> { }
      }
      if (after != null) {
        stored.put(key, after);
      }
    }

    private static String uidOf(JsonNode object) {
      return object == null ? "" : object.path("metadata").path("uid").asText();
    }

    private static String ownerOf(JsonNode object) {
      if (object == null) {
        return "";
      }
      for (JsonNode owner : object.path("metadata").path("ownerReferences")) {
        if (owner.path("controller").asBoolean()) {
          return owner.path("uid").asText();
        }
      }
      return "";
    }

    private void add(String timeline, boolean trigger, JsonNode e) {
      if (!timeline.isEmpty()) {
        timelines.computeIfAbsent(window(e) + "/" + timeline, k -> new ArrayList<>()).add(new Step(micros(e), trigger, e));
      }
    }

    private void pairTimelines() {
      for (List<Step> steps : timelines.values()) {
        // at the same microsecond a trigger comes first: a reaction can answer a change made at its own start
        steps.sort(Comparator.comparingLong(Step::micros).thenComparing(s -> !s.trigger()));
        Step waiting = null;
        for (Step s : steps) {
          if (s.trigger()) {
            waiting = s;
          } else if (waiting != null) {
            samples.add(sample(metricOf(waiting.record(), s.record()), waiting.record(), s.record()));
            waiting = null;
          }
        }
      }
    }

    private static String metricOf(JsonNode trigger, JsonNode reaction) {
      String from = trigger.path("objectRef").path("resource").asText();
      if (from.equals("deployments")) {
        return "reaction.deployment_to_replicaset";
      }
      return from.equals("replicasets") ? "reaction.replicaset_to_pods" : "reaction.pod_scheduling";
    }

    private void pairDeletes() {
      for (List<JsonNode> deletes : podDeletes.values()) {
        if (deletes.size() > 1) {
          samples.add(sample("reaction.pod_deletion", deletes.get(0), deletes.get(deletes.size() - 1)));
        }
      }
    }

    private MetricSample sample(String metric, JsonNode trigger, JsonNode reaction) {
      TreeMap<String, String> dimensions = new TreeMap<>();
      dimensions.put("cluster", cluster);
      dimensions.put("namespace", reaction.path("objectRef").path("namespace").asText());
      dimensions.put("controller", reaction.path("user").path("username").asText());
      return MetricSample.latency(metric, dimensions, micros(trigger), (micros(reaction) - micros(trigger)) / 1000.0);
    }

    private long window(JsonNode e) {
      return Math.floorDiv(micros(e), windowMicros);
    }

    private static long micros(JsonNode e) {
      return CrossClusterLogs.micros(e.path("requestReceivedTimestamp").asText());
    }
  }
}
