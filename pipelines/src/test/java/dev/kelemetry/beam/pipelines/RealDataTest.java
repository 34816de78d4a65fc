package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kelemetry.beam.schemas.Rows;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Every file of real data others wrote goes through the whole pipeline: each record ends parsed, dead-lettered with a
 * reason, or filtered, and the counters add up: never a crash or a silent drop.
 */
public class RealDataTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static Path real;
  private static Path out;
  private static RunSummary summary;
  private static List<SpanRow> spans;
  private static List<DeadLetterRow> deadLetters;

  @BeforeClass
  public static void backfillEverything() throws Exception {
    real = SharedData.real();
    out = TMP.newFolder("out").toPath();
    TracingConfig config = TracingConfig.defaults(List.of(new InputSpec(real + "/**", "")), out.toString())
        .withCluster("real");
    summary = Kelemetry.Backfills.run(config, "direct", false);
    spans = SpanFiles.read(out);
    deadLetters = SpanFiles.readRows(out.resolve("dead_letters"), DeadLetterRow.class);
  }

  @Test
  public void everyRecordIsParsedDeadLetteredOrFiltered() {
    assertThat(summary.get(Counters.RECORDS_READ), greaterThan(0L));
    assertThat(summary.get(Counters.RECORDS_READ), equalTo(summary.get(Counters.RECORDS_PARSED)
        + summary.get(Counters.RECORDS_DEAD_LETTERED) + summary.get(Counters.RECORDS_FILTERED)));
    assertThat((long) deadLetters.size(), equalTo(summary.get(Counters.RECORDS_DEAD_LETTERED)));
  }

  @Test
  public void everyFileShowsUpInSpansOrDeadLetters() throws Exception {
    Set<String> seen = Stream.concat(
            spans.stream().map(s -> String.valueOf(s.attributes().get("kelemetry.source"))),
            deadLetters.stream().map(DeadLetterRow::source))
        .map(s -> s.replaceFirst(":\\d+$", ""))
        .collect(Collectors.toSet());
    // audit2rbac holds only discovery calls and collection lists: all filtered, counted in the next test
    Set<String> audit2rbacOnlyCollections = Set.of(real.resolve("audit2rbac/demo.log").toString());
    Set<String> auditIds = spans.stream().map(s -> String.valueOf(s.attributes().get("k8s.audit.id"))).collect(Collectors.toSet());
    Set<String> versions = spans.stream().filter(s -> s.kind().equals(SpanRow.KIND_STATE))
        .map(s -> s.uid() + "@" + s.attributes().get("kelemetry.state.resource_version")).collect(Collectors.toSet());
    try (Stream<Path> files = Files.walk(real)) {
      for (Path f : files.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".md")).toList()) {
        if (audit2rbacOnlyCollections.contains(f.toString()) || seen.contains(f.toString())) {
          continue;
        }
        if (documents(f).stream().allMatch(d -> d.has("textPayload"))) {
          continue; // a GKE events-log line of text (the exporter's start): filtered, counted in the next test
        }
        // A file may repeat another file's request (same auditID) or object version (same uid and resourceVersion):
        // deduplication keeps one span for both.
        for (JsonNode doc : documents(f)) {
          String id = doc.has("auditID") ? doc.path("auditID").asText()
              : doc.path("metadata").path("uid").asText() + "@" + doc.path("metadata").path("resourceVersion").asText();
          assertThat("nothing came out of " + f + " for " + id, auditIds.contains(id) || versions.contains(id), is(true));
        }
      }
    }
  }

  /** Every JSON or YAML document of a file (JSON lines are YAML documents too, one per line). */
  private static List<JsonNode> documents(Path f) throws java.io.IOException {
    String text = Files.readString(f);
    if (text.strip().startsWith("{")) {
      return lines(f).filter(l -> !l.isBlank()).map(l -> Rows.fromJson(l, JsonNode.class)).toList();
    }
    YAMLMapper yaml = new YAMLMapper();
    try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(text)) {
      return it.readAll().stream().filter(n -> n != null && n.isObject()).toList();
    }
  }

  @Test
  public void allFalcoEventsParseWhateverTheirApiVersion() throws Exception {
    long falcoEvents;
    try (Stream<Path> files = Files.list(real.resolve("falco-k8s-audit"))) {
      falcoEvents = files.flatMap(RealDataTest::lines).filter(l -> !l.isBlank()).count();
    }
    List<DeadLetterRow> falcoDead = deadLetters.stream().filter(d -> d.source().contains("falco-k8s-audit")).toList();
    assertThat(falcoDead, is(empty()));
    assertThat(falcoEvents, equalTo(51L));
    // apiVersion-less (38) and v1beta1 events become audit spans like v1 ones
    assertThat(spans.stream().filter(s -> s.kind().equals(SpanRow.KIND_AUDIT))
        .filter(s -> String.valueOf(s.attributes().get("kelemetry.source")).contains("create_nginx_pod_privileged.json"))
        .count(), equalTo(1L));
  }

  @Test
  public void theNativeYamlAuditEventParses() {
    assertThat(spans.stream().anyMatch(s -> s.kind().equals(SpanRow.KIND_AUDIT)
        && s.name().equals("system:kube-scheduler update") && s.resource().equals("leases")), is(true));
  }

  @Test
  public void gkeLogEntriesAreReadWithTheClusterOfTheirLabelsAndThePodUnderItsReplicaSet() {
    List<SpanRow> gke = spans.stream().filter(s -> s.cluster().equals("sample-cluster")).toList();
    SpanRow create = gke.stream().filter(s -> s.kind().equals(SpanRow.KIND_AUDIT))
        .filter(s -> s.name().equals("system:serviceaccount:kube-system:replicaset-controller create")).findFirst().orElseThrow();
    assertThat(create.resource(), equalTo("pods"));
    assertThat(gke.stream().filter(s -> s.name().endsWith(" patch status") && s.uid().equals(create.uid())).count(), equalTo(2L));
    SpanRow pod = gke.stream().filter(s -> s.spanId().equals(create.parentSpanId())).findFirst().orElseThrow();
    SpanRow owner = gke.stream().filter(s -> s.spanId().equals(pod.parentSpanId())).findFirst().orElseThrow();
    assertThat(owner.name(), equalTo("replicasets/nginx-deployment-surge-8655b4b8c5"));
    assertThat(owner.attributes().get("kelemetry.object.known_from"), equalTo("ownerReference"));
    assertThat(deadLetters.stream().filter(d -> d.source().contains("/khi/")).toList(), is(empty()));
  }

  @Test
  public void kspanEventsAndObjectStatesAreReadNotDeadLettered() {
    assertThat(deadLetters.stream().filter(d -> d.source().contains("kspan")).toList(), is(empty()));
    List<SpanRow> fromKspan = spans.stream()
        .filter(s -> String.valueOf(s.attributes().get("kelemetry.source")).contains("kspan")).toList();
    assertThat(fromKspan.stream().filter(s -> s.kind().equals(SpanRow.KIND_EVENT)).count(), equalTo(19L));
    assertThat(fromKspan.stream().filter(s -> s.kind().equals(SpanRow.KIND_STATE)).count(), equalTo(7L));
  }

  @Test
  public void requestsWithoutAnObjectAreFilteredAndCountedByReason() throws Exception {
    // Discovery calls (/apis/...) have no objectRef; lists of a collection have no object name. Nothing else in the
    // real data is filtered but GKE's text-only events-log line, so the filter counters add up exactly.
    long audit2rbacLines = Files.readAllLines(real.resolve("audit2rbac/demo.log")).stream().filter(l -> !l.isBlank()).count();
    long textEntries = documents(real.resolve("khi/k8s_event/cluster-scoped.yaml")).stream()
        .filter(d -> d.has("textPayload")).count();
    assertThat(textEntries, equalTo(1L));
    assertThat(summary.get(Counters.RECORDS_FILTERED), equalTo(audit2rbacLines + textEntries));
    assertThat(summary.get(Counters.FILTERED_PREFIX + "non_resource_request")
        + summary.get(Counters.FILTERED_PREFIX + "collection_request"), equalTo(audit2rbacLines));
    assertThat(summary.get(Counters.FILTERED_PREFIX + "collection_request"), greaterThan(0L));
  }

  @Test
  public void everyNativeAuditRequestCountsOnceInTheDefaultMetrics() throws Exception {
    List<JsonNode> nativeEvents = new java.util.ArrayList<>();
    try (Stream<Path> files = Files.walk(real)) {
      // In path order: two fixtures claim one auditID at one time, and the pipeline keeps the first file's record.
      // GKE LogEntries have no top-level auditID: the loop skips them, and they are in their own cluster.
      for (Path f : files.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".md"))
          .sorted(java.util.Comparator.comparing(Path::toString)).toList()) {
        nativeEvents.addAll(documents(f));
      }
    }
    java.util.Map<String, JsonNode> requests = RequestMetricsTest.lastStages(nativeEvents);
    assertThat(requests.size(), greaterThan(50));
    List<MetricRow> metrics = SpanFiles.readRows(out.resolve("metrics"), MetricRow.class);
    java.util.Map<String, MetricRow> actual = new java.util.TreeMap<>();
    metrics.stream().filter(m -> m.metric().equals("requests") && m.dimensions().get("cluster").equals("real"))
        .forEach(m -> actual.put(m.windowStart() + " " + new java.util.TreeMap<>(m.dimensions()), m));
    java.util.Map<String, List<JsonNode>> expected = RequestMetricsTest.bySeries("real", requests.values(),
        List.of("cluster", "verb", "resource", "subresource", "namespace", "user", "code"));
    assertThat("rows without requests", actual.keySet().stream().filter(k -> !expected.containsKey(k)).toList(),
        equalTo(List.of()));
    assertThat("requests without rows", expected.keySet().stream().filter(k -> !actual.containsKey(k)).toList(),
        equalTo(List.of()));
    expected.forEach((key, events) -> RequestMetricsTest.checkRow(key, actual.get(key), events));
  }

  private static Stream<String> lines(Path p) {
    try {
      return Files.readAllLines(p).stream();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
