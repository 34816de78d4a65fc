package dev.kelemetry.beam.pipelines.serve;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.pipelines.Kelemetry;
import dev.kelemetry.beam.pipelines.SpanFiles;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import picocli.CommandLine;

/**
 * {@code kelemetry serve} over a real backfill of two generated rollouts, one per cluster: {@code steady} inside one
 * trace window, {@code crossing} starting at 10:29 so that it runs into the 10:30 window. Every expectation is read
 * from the span rows the backfill wrote, then compared with what the Jaeger API answers over HTTP.
 */
public class ServeApiTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static final String STEADY = "steady";
  private static final String CROSSING = "crossing";
  private static final String DEPLOYMENT = "{\"resource\":\"deployments\",\"name\":\"demo\"}";

  private static List<SpanRow> rows;
  private static JaegerServer server;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeClass
  public static void backfillTwoRolloutsAndServeThem() throws Exception {
    Path steadyLog = TMP.getRoot().toPath().resolve("steady.log");
    Path crossingLog = TMP.getRoot().toPath().resolve("crossing.log");
    Path out = TMP.newFolder("out").toPath();
    cli("generate", "--output", steadyLog.toString(), "--seed", "5", "--start", "2026-03-01T10:00:00Z");
    cli("generate", "--output", crossingLog.toString(), "--seed", "6", "--start", "2026-03-01T10:29:00Z");
    // one backfill for the class: the DirectRunner's cost is per key, and both rollouts fit in one run
    cli("backfill", "--input", steadyLog + "@" + STEADY, "--input", crossingLog + "@" + CROSSING, "--output",
        out.toString(), "--runner", "direct", "--no-metrics");
    rows = SpanFiles.read(out);
    server = JaegerServer.start(LocalSpans.load(out), "127.0.0.1", 0);
  }

  @AfterClass
  public static void stopServing() {
    if (server != null) {
      server.close();
    }
  }

  /** Runs the command line in this JVM and fails unless it exits 0 (the viewer's browser test backfills with it too). */
  static void cli(String... args) {
    int code = new CommandLine(new Kelemetry()).execute(args);
    assertThat(String.join(" ", args), code, equalTo(0));
  }

  // ---- the reference's acceptance tests

  @Test
  public void fullTreeOfTheDeploymentIsOneRootWithBothReplicaSetsAndEachPodUnderItsOwn() throws Exception {
    JsonNode trace = onlyTrace(search("tracing [full tree]", STEADY, DEPLOYMENT));
    List<JsonNode> roots = roots(trace);
    assertThat(roots.size(), equalTo(1));
    assertThat(roots.get(0).get("operationName").asText(), equalTo("deployments/demo"));

    // from the rows: each owned object's owner, by name
    Map<String, String> expectedOwner = ownersOfObjectsUnder(STEADY, "deployments/demo");
    Set<String> replicaSets = expectedOwner.entrySet().stream().filter(e -> e.getValue().equals("deployments/demo"))
        .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
    assertThat("the rollout makes two ReplicaSets", replicaSets.size(), equalTo(2));
    assertThat(parentsByName(trace), equalTo(expectedOwner));
    long pods = expectedOwner.keySet().stream().filter(n -> n.startsWith("pods/")).count();
    assertThat("every Pod is under a ReplicaSet", expectedOwner.entrySet().stream()
        .filter(e -> e.getKey().startsWith("pods/") && replicaSets.contains(e.getValue())).count(), equalTo(pods));
    assertThat(pods, greaterThan(0L));
  }

  @Test
  public void ancestorsOfTheFirstReplicaSetAreTheDeploymentAloneWithThatReplicaSetAsItsOnlyChild() throws Exception {
    String first = firstReplicaSet(STEADY);
    JsonNode trace = onlyTrace(search("tracing [ancestors]", STEADY,
        "{\"resource\":\"replicasets\",\"name\":\"" + first.substring("replicasets/".length()) + "\"}"));
    Map<String, String> parents = parentsByName(trace);
    Map<String, String> expected = new TreeMap<>();
    expected.put(first, ownersOfObjectsUnder(STEADY, "deployments/demo").get(first));
    assertThat(expected.get(first), equalTo("deployments/demo"));
    // exactly the chain: the Deployment as root, the searched ReplicaSet under it; no sibling, no Pod
    assertThat(parents, equalTo(expected));
    assertThat(operationNames(roots(trace)), equalTo(List.of("deployments/demo")));
    assertThat(tag(span(trace, first), "kelemetry.searched").asBoolean(), equalTo(true));
    assertThat(tag(span(trace, "deployments/demo"), "kelemetry.searched"), equalTo(null));
  }

  @Test
  public void ownedObjectsOfAReplicaSetAreItsPodsUnderIt() throws Exception {
    String first = firstReplicaSet(STEADY);
    JsonNode trace = onlyTrace(search("tracing [owned objects]", STEADY,
        "{\"resource\":\"replicasets\",\"name\":\"" + first.substring("replicasets/".length()) + "\"}"));
    Map<String, String> expected = new TreeMap<>();
    ownersOfObjectsUnder(STEADY, "deployments/demo").forEach((child, owner) -> {
      if (owner.equals(first)) {
        expected.put(child, first);
      }
    });
    assertThat(expected.size(), greaterThan(0));
    assertThat(parentsByName(trace), equalTo(expected));
    assertThat(operationNames(roots(trace)), equalTo(List.of(first)));
  }

  @Test
  public void withoutAModifierOnlyTheSearchedObjectIsShown() throws Exception {
    JsonNode trace = onlyTrace(search("tracing", STEADY, DEPLOYMENT));
    assertThat(operationNames(trace.get("spans")), equalTo(List.of("deployments/demo")));
  }

  // ---- merging windows

  @Test
  public void aRolloutAcrossAWindowBoundaryIsOneMergedTraceWithEachObjectOnce() throws Exception {
    List<SpanRow> deploymentWindows = objectSpans(CROSSING, "deployments/demo");
    Set<String> windows = deploymentWindows.stream().map(SpanRow::windowStart).collect(Collectors.toSet());
    assertThat("the rollout runs into a second window", windows.size(), greaterThan(1));

    JsonNode trace = onlyTrace(search("tracing [full tree]", CROSSING, DEPLOYMENT));
    List<String> names = operationNames(trace.get("spans"));
    assertThat("each object once", new HashSet<>(names).size(), equalTo(names.size()));
    // every object of every stored trace (window) of the Deployment, merged
    Set<String> storedTraces = deploymentWindows.stream().map(SpanRow::traceId).collect(Collectors.toSet());
    Set<String> expectedNames = rows.stream()
        .filter(r -> storedTraces.contains(r.traceId()) && r.kind().equals(SpanRow.KIND_OBJECT))
        .map(SpanRow::name).collect(Collectors.toCollection(TreeSet::new));
    assertThat(new TreeSet<>(names), equalTo(expectedNames));

    // the Deployment's one span covers all its windows and holds the requests and Events of all of them as logs
    JsonNode deployment = span(trace, "deployments/demo");
    long start = deploymentWindows.stream().mapToLong(r -> SpanStore.micros(r.startTime())).min().orElseThrow();
    long end = deploymentWindows.stream().mapToLong(r -> SpanStore.micros(r.endTime())).max().orElseThrow();
    assertThat(deployment.get("startTime").asLong(), equalTo(start));
    assertThat(deployment.get("duration").asLong(), equalTo(end - start));
    assertThat(deployment.get("logs").size(), equalTo(happeningsOf(deploymentWindows).size()));
    assertThat(tag(deployment, "kelemetry.windows").asLong(), equalTo((long) deploymentWindows.size()));
  }

  // ---- trace ids

  @Test
  public void aTraceFetchedByItsIdIsTheTraceTheSearchFound() throws Exception {
    JsonNode found = onlyTrace(search("tracing [full tree]", CROSSING, DEPLOYMENT));
    String id = found.get("traceID").asText();
    JsonNode fetched = get("/api/traces/" + id);
    assertThat(fetched.get("status").asInt(), equalTo(200));
    assertThat(fetched.get("body").get("data").get(0), equalTo(found));

    JsonNode other = onlyTrace(search("tracing [ancestors]", STEADY, DEPLOYMENT));
    JsonNode both = get("/api/traces?traceID=" + id + "&traceID=" + other.get("traceID").asText()).get("body");
    assertThat(both.get("total").asInt(), equalTo(2));
    assertThat(both.get("data").get(0), equalTo(found));
    assertThat(both.get("data").get(1), equalTo(other));
  }

  @Test
  public void theSameObjectInAnotherModeHasAnotherId() throws Exception {
    String full = onlyTrace(search("tracing [full tree]", STEADY, DEPLOYMENT)).get("traceID").asText();
    String ancestors = onlyTrace(search("tracing [ancestors]", STEADY, DEPLOYMENT)).get("traceID").asText();
    assertThat(full, not(equalTo(ancestors)));
    assertThat(full.length(), equalTo(32));
  }

  @Test
  public void aStoredTraceIdGivesThatTraceAsStoredWithEachRequestItsOwnSpan() throws Exception {
    String storedId = objectSpans(STEADY, "deployments/demo").stream().filter(r -> !r.uid().isEmpty())
        .findFirst().orElseThrow().traceId();
    JsonNode trace = get("/api/traces/" + storedId).get("body").get("data").get(0);
    Set<String> expected = rows.stream().filter(r -> r.traceId().equals(storedId)).map(SpanRow::name)
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(trace.get("spans").size(), equalTo((int) rows.stream().filter(r -> r.traceId().equals(storedId)).count()));
    assertThat(new TreeSet<>(operationNames(trace.get("spans"))), equalTo(expected));
  }

  // ---- display bases

  @Test
  public void tracingFoldsRequestsIntoLogsWithTheirDiffsAndTreeMakesThemSpans() throws Exception {
    List<SpanRow> deploymentWindows = objectSpans(STEADY, "deployments/demo");
    List<SpanRow> happenings = happeningsOf(deploymentWindows);
    JsonNode tracing = span(onlyTrace(search("tracing", STEADY, DEPLOYMENT)), "deployments/demo");
    assertThat(tracing.get("logs").size(), equalTo(happenings.size()));
    Set<String> diffLines = new TreeSet<>();
    happenings.forEach(h -> h.events().stream().filter(e -> e.name().equals(SpanEvent.DIFF))
        .forEach(e -> diffLines.addAll(lines(e.attributes().get("diff")))));
    assertThat("the rollout changes the Deployment", diffLines.isEmpty(), equalTo(false));
    Set<String> shown = new TreeSet<>();
    for (JsonNode log : tracing.get("logs")) {
      for (JsonNode field : log.get("fields")) {
        if (field.get("key").asText().equals("diff")) {
          shown.addAll(List.of(field.get("value").asText().split("\n")));
        }
      }
    }
    assertThat(shown, equalTo(diffLines));
    // each log carries its request's (or Event's) duration, which a log has no place for otherwise
    List<Long> expectedDurations = happenings.stream()
        .map(h -> SpanStore.micros(h.endTime()) - SpanStore.micros(h.startTime())).sorted().toList();
    List<Long> durations = new ArrayList<>();
    tracing.get("logs").forEach(log -> log.get("fields").forEach(f -> {
      if (f.get("key").asText().equals("kelemetry.duration_us")) {
        durations.add(f.get("value").asLong());
      }
    }));
    durations.sort(Comparator.naturalOrder());
    assertThat(durations, equalTo(expectedDurations));
    assertThat("some request took time", expectedDurations.get(expectedDurations.size() - 1), greaterThan(0L));

    JsonNode tree = onlyTrace(search("tree", STEADY, DEPLOYMENT));
    assertThat(tree.get("spans").size(), equalTo(1 + happenings.size()));
    String objectSpanId = span(tree, "deployments/demo").get("spanID").asText();
    Set<String> expectedIds = happenings.stream().map(SpanRow::spanId).collect(Collectors.toCollection(TreeSet::new));
    Set<String> childIds = new TreeSet<>();
    for (JsonNode s : tree.get("spans")) {
      if (s.get("references").size() == 1) {
        assertThat(s.get("references").get(0).get("spanID").asText(), equalTo(objectSpanId));
        childIds.add(s.get("spanID").asText());
      }
    }
    assertThat(childIds, equalTo(expectedIds));
  }

  @Test
  public void timelineIsTheRootAloneWithEveryRequestOfItsTreeDirectlyUnderIt() throws Exception {
    Set<String> storedTraces = objectSpans(STEADY, "deployments/demo").stream().map(SpanRow::traceId)
        .collect(Collectors.toSet());
    Set<String> expectedIds = rows.stream()
        .filter(r -> storedTraces.contains(r.traceId()) && !r.kind().equals(SpanRow.KIND_OBJECT))
        .map(SpanRow::spanId).collect(Collectors.toCollection(TreeSet::new));
    JsonNode timeline = onlyTrace(search("timeline [full tree]", STEADY, DEPLOYMENT));
    List<JsonNode> roots = roots(timeline);
    assertThat(operationNames(roots), equalTo(List.of("deployments/demo")));
    String rootId = roots.get(0).get("spanID").asText();
    Set<String> childIds = new TreeSet<>();
    for (JsonNode s : timeline.get("spans")) {
      if (!s.get("references").isEmpty()) {
        assertThat(s.get("references").get(0).get("spanID").asText(), equalTo(rootId));
        childIds.add(s.get("spanID").asText());
      }
    }
    assertThat(childIds, equalTo(expectedIds));
    assertThat(timeline.get("spans").size(), equalTo(1 + expectedIds.size()));
  }

  @Test
  public void groupedGathersEachObjectsRequestsInOneChildSpanOfIt() throws Exception {
    // from the rows: per object of the Deployment's tree, how many requests, Events and states it has
    Map<String, Integer> expected = new TreeMap<>();
    Set<String> storedTraces = objectSpans(STEADY, "deployments/demo").stream().map(SpanRow::traceId)
        .collect(Collectors.toSet());
    Map<String, List<SpanRow>> objectsByName = rows.stream()
        .filter(r -> storedTraces.contains(r.traceId()) && r.kind().equals(SpanRow.KIND_OBJECT))
        .collect(Collectors.groupingBy(SpanRow::name));
    objectsByName.forEach((name, spans) -> {
      int count = happeningsOf(spans).size();
      if (count > 0) {
        expected.put(name, count);
      }
    });
    JsonNode grouped = onlyTrace(search("grouped [full tree]", STEADY, DEPLOYMENT));
    Map<String, String> nameOfId = new HashMap<>();
    grouped.get("spans").forEach(s -> nameOfId.put(s.get("spanID").asText(), s.get("operationName").asText()));
    Map<String, Integer> actual = new TreeMap<>();
    for (JsonNode s : grouped.get("spans")) {
      JsonNode kind = tag(s, "kelemetry.kind");
      if (kind != null && kind.asText().equals("group")) {
        String owner = nameOfId.get(s.get("references").get(0).get("spanID").asText());
        assertThat(s.get("operationName").asText(), equalTo(owner + " requests"));
        assertThat(owner, actual.put(owner, s.get("logs").size()), equalTo(null));
      } else {
        assertThat("object spans keep no logs", s.get("logs").size(), equalTo(0));
      }
    }
    assertThat(actual, equalTo(expected));
  }

  // ---- shapes

  @Test
  public void answersHaveJaegersEnvelopeAndTraceShape() throws Exception {
    JsonNode services = get("/api/services").get("body");
    assertThat(fieldNames(services), equalTo(List.of("data", "total", "limit", "offset", "errors")));
    assertThat(services.get("total").asInt(), equalTo(services.get("data").size()));
    assertThat(services.get("errors").isNull(), equalTo(true));
    List<String> serviceNames = new ArrayList<>();
    services.get("data").forEach(s -> serviceNames.add(s.asText()));
    assertThat(serviceNames, hasItem("tracing [full tree]"));

    Set<String> clusters = rows.stream().map(SpanRow::cluster).collect(Collectors.toCollection(TreeSet::new));
    for (String service : serviceNames) {
      JsonNode operations = get("/api/services/" + pathSegment(service) + "/operations").get("body");
      Set<String> names = new TreeSet<>();
      operations.get("data").forEach(o -> names.add(o.asText()));
      assertThat(service, names, equalTo(clusters));
    }

    JsonNode answer = search("tracing [full tree]", STEADY, DEPLOYMENT);
    assertThat(fieldNames(answer), equalTo(List.of("data", "total", "limit", "offset", "errors")));
    JsonNode trace = onlyTrace(answer);
    assertThat(fieldNames(trace), equalTo(List.of("traceID", "spans", "processes", "warnings")));
    Map<String, SpanRow> objectRows = new HashMap<>();
    objectSpans(STEADY, null).forEach(r -> objectRows.merge(r.name(), r, (a, b) -> a.uid().isEmpty() ? b : a));
    for (JsonNode span : trace.get("spans")) {
      assertThat(fieldNames(span), equalTo(List.of("traceID", "spanID", "operationName", "references", "startTime",
          "duration", "flags", "tags", "logs", "processID", "warnings")));
      assertThat(span.get("traceID").asText(), equalTo(trace.get("traceID").asText()));
      for (JsonNode ref : span.get("references")) {
        assertThat(ref.get("refType").asText(), equalTo("CHILD_OF"));
        assertThat(ref.get("traceID").asText(), equalTo(trace.get("traceID").asText()));
      }
      // times in microseconds, as the rows have them
      SpanRow row = objectRows.get(span.get("operationName").asText());
      assertThat(span.get("startTime").asLong(), equalTo(SpanStore.micros(row.startTime())));
      // the process names the object's resource, so the UI gives each kind of object its colour
      JsonNode process = trace.get("processes").get(span.get("processID").asText());
      assertThat(process.get("serviceName").asText(), equalTo(row.resource()));
      for (JsonNode tag : span.get("tags")) {
        assertThat(fieldNames(tag), equalTo(List.of("key", "type", "value")));
      }
    }
    // the root names what to search for to find it again
    JsonNode root = roots(trace).get(0);
    SpanRow deployment = objectRows.get("deployments/demo");
    assertThat(tag(root, "cluster").asText(), equalTo(deployment.cluster()));
    assertThat(tag(root, "resource").asText(), equalTo(deployment.resource()));
    assertThat(tag(root, "namespace").asText(), equalTo(deployment.namespace()));
    assertThat(tag(root, "name").asText(), equalTo(deployment.objectName()));
    assertThat(tag(root, "uid").asText(), equalTo(deployment.uid()));

    JsonNode v3 = get("/api/v3/services").get("body");
    assertThat(v3.get("services"), equalTo(services.get("data")));
    JsonNode v3Operations = get("/api/v3/operations?service=tracing").get("body").get("operations");
    Set<String> v3Names = new TreeSet<>();
    v3Operations.forEach(o -> v3Names.add(o.get("name").asText()));
    assertThat(v3Names, equalTo(clusters));
  }

  @Test
  public void aSearchByUidFindsTheSameTraceAsBySearchByName() throws Exception {
    String uid = objectSpans(STEADY, "deployments/demo").stream().map(SpanRow::uid).filter(u -> !u.isEmpty())
        .findFirst().orElseThrow();
    JsonNode byUid = onlyTrace(search("tracing [full tree]", STEADY, "{\"uid\":\"" + uid + "\"}"));
    assertThat(byUid, equalTo(onlyTrace(search("tracing [full tree]", STEADY, DEPLOYMENT))));
  }

  @Test
  public void dependenciesCountTheObjectsEachResourceOwns() throws Exception {
    // from the rows: distinct owned objects per (owner resource, owned resource)
    Map<String, String> resourceOfSpan = new HashMap<>();
    rows.stream().filter(r -> r.kind().equals(SpanRow.KIND_OBJECT))
        .forEach(r -> resourceOfSpan.put(r.traceId() + "/" + r.spanId(), r.resource()));
    Map<String, Set<String>> expected = new TreeMap<>();
    rows.stream().filter(r -> r.kind().equals(SpanRow.KIND_OBJECT) && !r.parentSpanId().isEmpty())
        .forEach(r -> expected.computeIfAbsent(resourceOfSpan.get(r.traceId() + "/" + r.parentSpanId()) + " -> "
            + r.resource(), k -> new HashSet<>()).add(r.cluster() + "/" + r.namespace() + "/" + r.name()));
    assertThat(expected.isEmpty(), equalTo(false));
    long firstStart = rows.stream().mapToLong(r -> SpanStore.micros(r.startTime())).min().orElseThrow();
    long lastEnd = rows.stream().mapToLong(r -> SpanStore.micros(r.endTime())).max().orElseThrow();
    // a range in milliseconds that holds every row
    JsonNode answer = get("/api/dependencies?endTs=" + (lastEnd / 1000 + 1) + "&lookback=" + ((lastEnd - firstStart) / 1000 + 2))
        .get("body");
    Map<String, Integer> actual = new TreeMap<>();
    answer.get("data").forEach(d -> actual.put(d.get("parent").asText() + " -> " + d.get("child").asText(),
        d.get("callCount").asInt()));
    Map<String, Integer> expectedCounts = new TreeMap<>();
    expected.forEach((edge, objects) -> expectedCounts.put(edge, objects.size()));
    assertThat(actual, equalTo(expectedCounts));

    JsonNode before = get("/api/dependencies?endTs=" + (firstStart / 1000 - 1) + "&lookback=3600000").get("body");
    assertThat(before.get("total").asInt(), equalTo(0));
  }

  // ---- what the UI sends, and errors

  @Test
  public void bareKeysAndEmptyValuesAsTheJaegerUiSendsThemAreAccepted() throws Exception {
    JsonNode plain = search("tracing [full tree]", STEADY, DEPLOYMENT);
    JsonNode answer = get("/api/traces?service=" + query("tracing [full tree]") + "&operation=" + STEADY + "&tags="
        + query(DEPLOYMENT) + "&limit=20&lookback=1h&minDuration&maxDuration&start=&end=").get("body");
    assertThat(answer, equalTo(plain));
  }

  @Test
  public void aTimeRangeBeforeTheRolloutFindsNothing() throws Exception {
    long firstStart = objectSpans(STEADY, "deployments/demo").stream().mapToLong(r -> SpanStore.micros(r.startTime()))
        .min().orElseThrow();
    JsonNode answer = get("/api/traces?service=tracing&operation=" + STEADY + "&tags=" + query(DEPLOYMENT)
        + "&start=" + (firstStart - 3_600_000_000L) + "&end=" + (firstStart - 1)).get("body");
    assertThat(answer.get("total").asInt(), equalTo(0));
    JsonNode inRange = get("/api/traces?service=tracing&operation=" + STEADY + "&tags=" + query(DEPLOYMENT)
        + "&start=" + (firstStart - 3_600_000_000L) + "&end=" + firstStart).get("body");
    assertThat(inRange.get("total").asInt(), equalTo(1));
  }

  @Test
  public void aDurationRangeKeepsTheTracesWithASpanThatLastedThatLong() throws Exception {
    // tree mode draws each request as a span: the longest span of the trace decides
    JsonNode trace = onlyTrace(search("tree", STEADY, DEPLOYMENT));
    java.util.TreeSet<Long> durations = new java.util.TreeSet<>();
    trace.get("spans").forEach(span -> durations.add(span.get("duration").asLong()));
    long longest = durations.last();
    // a band between two span durations that holds none
    long below = durations.stream().filter(d -> durations.higher(d) != null && durations.higher(d) > d + 2).findFirst()
        .orElseThrow();
    long above = durations.higher(below);
    String base = "/api/traces?service=tree&operation=" + STEADY + "&tags=" + query(DEPLOYMENT);
    assertThat(get(base + "&minDuration=" + longest + "us").get("body").get("total").asInt(), equalTo(1));
    assertThat(get(base + "&minDuration=" + (longest + 1) + "us").get("body").get("total").asInt(), equalTo(0));
    assertThat(get(base + "&minDuration=1ms&maxDuration=1h30m").get("body").get("total").asInt(), equalTo(1));
    assertThat(get(base + "&minDuration=" + (below + 1) + "us&maxDuration=" + (above - 1) + "us").get("body")
        .get("total").asInt(), equalTo(0));
    assertThat(get(base + "&minDuration=" + (below + 1) + "us&maxDuration=" + above + "us").get("body")
        .get("total").asInt(), equalTo(1));
    assertError(get(base + "&minDuration=fast"), 400);
    assertError(get(base + "&minDuration=10"), 400); // Go durations carry a unit
  }

  @Test
  public void traceSummariesOfTheV3ApiSummariseTheSameSearch() throws Exception {
    // what the Jaeger UI from v2.19 sends: v3 parameter names, RFC 3339 times, a JSON map of attributes
    String v3 = "/api/v3/trace-summaries?query.serviceName=" + query("tree [full tree]") + "&query.operationName="
        + CROSSING + "&query.attributes=" + query(DEPLOYMENT) + "&query.startTimeMin=" + query("2026-03-01T09:00:00.000Z")
        + "&query.startTimeMax=" + query("2026-03-01T12:00:00.000Z") + "&query.searchDepth=20";
    JsonNode answer = get(v3);
    assertThat(answer.toString(), answer.get("status").asInt(), equalTo(200));
    JsonNode summaries = answer.get("body").get("summaries");
    JsonNode trace = onlyTrace(search("tree [full tree]", CROSSING, DEPLOYMENT));
    assertThat(summaries.size(), equalTo(1));
    JsonNode summary = summaries.get(0);
    assertThat(summary.get("traceId").asText(), equalTo(trace.get("traceID").asText()));
    assertThat(summary.get("rootOperationName").asText(), equalTo("deployments/demo"));
    assertThat(summary.get("rootServiceName").asText(), equalTo("deployments"));
    assertThat(summary.get("spanCount").asInt(), equalTo(trace.get("spans").size()));
    assertThat(summary.get("orphanSpanCount").asInt(), equalTo(0));
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    int errors = 0;
    Map<String, Integer> perService = new TreeMap<>();
    for (JsonNode span : trace.get("spans")) {
      first = Math.min(first, span.get("startTime").asLong());
      last = Math.max(last, span.get("startTime").asLong() + span.get("duration").asLong());
      errors += tag(span, "error") != null && tag(span, "error").asBoolean() ? 1 : 0;
      perService.merge(trace.get("processes").get(span.get("processID").asText()).get("serviceName").asText(), 1,
          Integer::sum);
    }
    assertThat(summary.get("minStartTimeUnixNano").asText(), equalTo(Long.toString(first * 1000)));
    assertThat(summary.get("maxEndTimeUnixNano").asText(), equalTo(Long.toString(last * 1000)));
    assertThat(summary.get("errorSpanCount").asInt(), equalTo(errors));
    Map<String, Integer> services = new TreeMap<>();
    summary.get("services").forEach(s -> services.put(s.get("name").asText(), s.get("spanCount").asInt()));
    assertThat(services, equalTo(perService));

    // a range before the rollout finds nothing; a page token this service never made is refused in the v3 shape
    JsonNode before = get("/api/v3/trace-summaries?query.serviceName=tree&query.attributes=" + query(DEPLOYMENT)
        + "&query.startTimeMin=2026-02-01T00:00:00Z&query.startTimeMax=2026-02-02T00:00:00Z");
    assertThat(before.get("body").get("summaries").size(), equalTo(0));
    JsonNode refused = get(v3 + "&query.pagination.pageSize=5&query.pagination.pageToken=abc");
    assertThat(refused.get("status").asInt(), equalTo(400));
    assertThat(refused.get("body").get("error").get("httpCode").asInt(), equalTo(400));
    assertThat(get("/api/v3/trace-summaries?query.serviceName=tree&query.startTimeMin=yesterday").get("status").asInt(),
        equalTo(400));
  }

  @Test
  public void anUnknownTraceIdIsA404InJaegersErrorShape() throws Exception {
    String id = onlyTrace(search("tracing", STEADY, DEPLOYMENT)).get("traceID").asText();
    // the same form with an object hash no object has
    String unknown = id.substring(0, 20) + "000000000000";
    assertError(get("/api/traces/" + unknown), 404);
    assertError(get("/api/traces?traceID=" + unknown), 404);
  }

  @Test
  public void badRequestsAre400s() throws Exception {
    assertError(get("/api/traces?service=tracing&tags=" + query("{\"resource\":")), 400);
    assertError(get("/api/traces?service=tracing&tags=" + query("[1,2]")), 400);
    assertError(get("/api/traces?service=" + query("no such mode") + "&tags=" + query(DEPLOYMENT)), 400);
    assertError(get("/api/traces?tags=" + query(DEPLOYMENT)), 400);
    assertError(get("/api/traces/not-hex"), 400);
    assertError(get("/api/traces?service=tracing&limit=many"), 400);
    assertError(get("/nothing-here"), 404);
  }

  // ---- helpers: HTTP

  private static JsonNode search(String service, String cluster, String tagsJson) throws Exception {
    JsonNode answer = get("/api/traces?service=" + query(service) + "&operation=" + query(cluster) + "&tags="
        + query(tagsJson) + "&limit=20");
    assertThat(answer.toString(), answer.get("status").asInt(), equalTo(200));
    return answer.get("body");
  }

  /** {status, body} of a GET. */
  private static JsonNode get(String pathAndQuery) throws Exception {
    URI uri = server.uri().resolve(pathAndQuery);
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.headers().firstValue("Content-Type").orElse(""), equalTo("application/json"));
    var result = Rows.JSON.createObjectNode();
    result.put("status", response.statusCode());
    result.set("body", Rows.JSON.readTree(response.body()));
    return result;
  }

  private static void assertError(JsonNode response, int status) {
    assertThat(response.toString(), response.get("status").asInt(), equalTo(status));
    JsonNode errors = response.get("body").get("errors");
    assertThat(errors.size(), equalTo(1));
    assertThat(errors.get(0).get("code").asInt(), equalTo(status));
    assertThat(errors.get(0).get("msg").asText().isEmpty(), equalTo(false));
  }

  private static String query(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String pathSegment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // ---- helpers: answers

  private static JsonNode onlyTrace(JsonNode answer) {
    assertThat(answer.toString(), answer.get("total").asInt(), equalTo(1));
    assertThat(answer.get("data").size(), equalTo(1));
    return answer.get("data").get(0);
  }

  private static List<JsonNode> roots(JsonNode trace) {
    List<JsonNode> roots = new ArrayList<>();
    trace.get("spans").forEach(s -> {
      if (s.get("references").isEmpty()) {
        roots.add(s);
      }
    });
    return roots;
  }

  /** Each non-root span's operation name -> its parent's. */
  private static Map<String, String> parentsByName(JsonNode trace) {
    Map<String, String> nameOfId = new HashMap<>();
    trace.get("spans").forEach(s -> nameOfId.put(s.get("spanID").asText(), s.get("operationName").asText()));
    Map<String, String> parents = new TreeMap<>();
    trace.get("spans").forEach(s -> {
      if (!s.get("references").isEmpty()) {
        parents.put(s.get("operationName").asText(), nameOfId.get(s.get("references").get(0).get("spanID").asText()));
      }
    });
    return parents;
  }

  private static List<String> operationNames(Iterable<JsonNode> spans) {
    List<String> names = new ArrayList<>();
    spans.forEach(s -> names.add(s.get("operationName").asText()));
    return names;
  }

  private static JsonNode span(JsonNode trace, String operationName) {
    for (JsonNode s : trace.get("spans")) {
      if (s.get("operationName").asText().equals(operationName)) {
        return s;
      }
    }
    throw new AssertionError("no span " + operationName + " in " + operationNames(trace.get("spans")));
  }

  private static JsonNode tag(JsonNode span, String key) {
    for (JsonNode t : span.get("tags")) {
      if (t.get("key").asText().equals(key)) {
        return t.get("value");
      }
    }
    return null;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @SuppressWarnings("unchecked")
  private static List<String> lines(Object diff) {
    return (List<String>) diff;
  }

  // ---- helpers: the rows

  /** Object spans of one cluster, of one object ({@code resource/name}) or of all when null. */
  private static List<SpanRow> objectSpans(String cluster, String name) {
    return rows.stream().filter(r -> r.kind().equals(SpanRow.KIND_OBJECT) && r.cluster().equals(cluster))
        .filter(r -> name == null || r.name().equals(name)).toList();
  }

  /** The audit, event and state spans whose parent is one of these object spans. */
  private static List<SpanRow> happeningsOf(List<SpanRow> objectSpans) {
    Set<String> ids = objectSpans.stream().map(r -> r.traceId() + "/" + r.spanId()).collect(Collectors.toSet());
    return rows.stream().filter(r -> !r.kind().equals(SpanRow.KIND_OBJECT))
        .filter(r -> ids.contains(r.traceId() + "/" + r.parentSpanId())).toList();
  }

  /** In the stored traces of {@code root}: each owned object's name -> its owner's name, as the rows link them. */
  private static Map<String, String> ownersOfObjectsUnder(String cluster, String root) {
    Set<String> traces = objectSpans(cluster, root).stream().map(SpanRow::traceId).collect(Collectors.toSet());
    Map<String, String> nameOfSpan = new HashMap<>();
    List<SpanRow> objects = rows.stream()
        .filter(r -> traces.contains(r.traceId()) && r.kind().equals(SpanRow.KIND_OBJECT)).toList();
    objects.forEach(r -> nameOfSpan.put(r.traceId() + "/" + r.spanId(), r.name()));
    Map<String, String> owners = new TreeMap<>();
    objects.stream().filter(r -> !r.parentSpanId().isEmpty())
        .forEach(r -> owners.put(r.name(), nameOfSpan.get(r.traceId() + "/" + r.parentSpanId())));
    return owners;
  }

  /** The ReplicaSet whose first request or Event came first: the one the rollout started with. */
  private static String firstReplicaSet(String cluster) {
    List<SpanRow> replicaSets = objectSpans(cluster, null).stream().filter(r -> r.resource().equals("replicasets")).toList();
    return replicaSets.stream().min(Comparator.comparing(
        (SpanRow rs) -> happeningsOf(List.of(rs)).stream().map(SpanRow::startTime).min(String::compareTo).orElse("~")))
        .orElseThrow().name();
  }
}
