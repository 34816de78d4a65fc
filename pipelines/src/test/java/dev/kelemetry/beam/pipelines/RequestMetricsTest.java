package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.pipelines.query.QueryCli;
import dev.kelemetry.beam.pipelines.query.QueryLibrary;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.transforms.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The default metric set on the generated rollout, checked against a plain loop over the log's lines: each request
 * (auditID) once whatever stages the log holds, counts and errors exact, latency quantiles within the sketch's 1%.
 */
public class RequestMetricsTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static Path out;
  private static List<String> lines;
  private static List<MetricRow> metrics;
  private static RunSummary summary;

  @BeforeClass
  public static void backfillTheRollout() throws Exception {
    Path log = TMP.getRoot().toPath().resolve("audit.log");
    Kelemetry.generate("deployment-rollout", 1, 5, Instant.parse("2026-03-01T10:00:00Z"), log);
    out = TMP.newFolder("out").toPath();
    TracingConfig config = TracingConfig.defaults(List.of(new InputSpec(log.toString(), "")), out.toString())
        .withCluster("metrics");
    summary = Kelemetry.Backfills.run(config, "direct", false);
    lines = Files.readAllLines(log);
    metrics = SpanFiles.readRows(out.resolve("metrics"), MetricRow.class);
  }

  @Test
  public void eachRequestCountsOnceWhateverStagesTheLogHolds() {
    Map<String, JsonNode> requests = lastStages(lines.stream().map(l -> Rows.fromJson(l, JsonNode.class)).toList());
    assertThat("the log holds several stages of some requests", lines.size(), greaterThan(requests.size()));
    long counted = metrics.stream().filter(m -> m.metric().equals("requests")).mapToLong(MetricRow::count).sum();
    assertThat(counted, equalTo((long) requests.size()));
    assertThat(summary.get(Counters.METRIC_REQUESTS), equalTo((long) requests.size()));
  }

  @Test
  public void requestsRowsMatchAPlainLoop() {
    Map<String, List<JsonNode>> expected = bySeries("metrics",
        lastStages(lines.stream().map(l -> Rows.fromJson(l, JsonNode.class)).toList()).values(),
        List.of("cluster", "verb", "resource", "subresource", "namespace", "user", "code"));
    Map<String, MetricRow> actual = new TreeMap<>();
    metrics.stream().filter(m -> m.metric().equals("requests"))
        .forEach(m -> actual.put(m.windowStart() + " " + new TreeMap<>(m.dimensions()), m));
    assertThat(actual.keySet(), equalTo(expected.keySet()));
    expected.forEach((key, events) -> checkRow(key, actual.get(key), events));
  }

  @Test
  public void everyLibraryQueryAnswersOnThisOutput() {
    // The rollout has no refused (429) request and no dead letter: those two answers are empty; all others are not.
    List<String> emptyHere = List.of("throttled", "dead_letters");
    for (String name : QueryLibrary.names()) {
      QueryCli.Run run = QueryCli.run("--data", out.toString(), name, "--format", "json");
      assertThat(name + ": " + run.err(), run.exitCode(), equalTo(0));
      assertThat(name, run.rows().isEmpty(), equalTo(emptyHere.contains(name)));
    }
  }

  /** Counts, errors and the latency of one row against the requests that fall in it. */
  static void checkRow(String key, MetricRow row, List<JsonNode> events) {
    assertThat(key, row.count(), equalTo((long) events.size()));
    assertThat(key, row.errorCount(), equalTo(events.stream().filter(e -> code(e) >= 400).count()));
    List<Double> latencies = new ArrayList<>();
    for (JsonNode e : events) {
      boolean longRunning = e.path("verb").asText().equals("watch") || e.path("requestURI").asText().contains("watch=true");
      boolean timed = !e.path("stageTimestamp").asText("").isEmpty()
          && CrossClusterLogs.micros(e.path("stageTimestamp").asText()) > CrossClusterLogs.micros(receivedAt(e));
      if (e.path("stage").asText().equals("ResponseComplete") && !longRunning && timed) {
        latencies.add((CrossClusterLogs.micros(e.path("stageTimestamp").asText()) - CrossClusterLogs.micros(receivedAt(e))) / 1000.0);
      }
    }
    if (latencies.isEmpty()) {
      assertThat(key, row.latencyMs() == null, equalTo(true));
      return;
    }
    Collections.sort(latencies);
    assertThat(key, row.latencyMs().count(), equalTo((long) latencies.size()));
    assertThat(key, row.latencyMs().max(), equalTo(latencies.get(latencies.size() - 1)));
    double exact = latencies.get((int) Math.floor(0.99 * (latencies.size() - 1)));
    assertThat(key, Math.abs(row.latencyMs().p99() - exact), lessThanOrEqualTo(0.01 * exact + 1e-9));
  }

  /**
   * One audit event per auditID and trace window (30 minutes; all stages of a request share their receipt time):
   * its last stage. Real auditIDs are unique; test fixtures reuse some at other times, and those are other requests.
   */
  static Map<String, JsonNode> lastStages(List<JsonNode> events) {
    List<String> order = List.of("RequestReceived", "ResponseStarted", "ResponseComplete", "Panic");
    Map<String, JsonNode> last = new HashMap<>();
    for (JsonNode e : events) {
      if (!e.has("auditID") || !e.has("verb")) {
        continue;
      }
      long received = CrossClusterLogs.micros(receivedAt(e));
      last.merge(e.path("auditID").asText() + "@" + (received - Math.floorMod(received, 1_800_000_000L)), e,
          (a, b) -> order.indexOf(b.path("stage").asText()) > order.indexOf(a.path("stage").asText()) ? b : a);
    }
    return last;
  }

  /** Requests grouped as a metric groups them: window start (1 minute) and the dimensions' values. */
  static Map<String, List<JsonNode>> bySeries(String cluster, Collection<JsonNode> requests, List<String> dimensions) {
    Map<String, List<JsonNode>> series = new TreeMap<>();
    for (JsonNode e : requests) {
      long received = CrossClusterLogs.micros(receivedAt(e));
      String window = Rows.timestamp(received - Math.floorMod(received, 60_000_000L));
      TreeMap<String, String> values = new TreeMap<>();
      JsonNode ref = e.path("objectRef");
      for (String d : dimensions) {
        values.put(d, switch (d) {
          case "cluster" -> cluster;
          case "verb" -> e.path("verb").asText();
          case "user" -> e.path("user").path("username").asText();
          case "code" -> code(e) == 0 ? "" : String.valueOf(code(e));
          default -> ref.path(d).asText(""); // resource, subresource, namespace
        });
      }
      series.computeIfAbsent(window + " " + values, k -> new ArrayList<>()).add(e);
    }
    return series;
  }

  /** Old audit writers (and some fixtures) name the receipt time {@code timestamp}. */
  static String receivedAt(JsonNode e) {
    String received = e.path("requestReceivedTimestamp").asText("");
    return received.isEmpty() ? e.path("timestamp").asText() : received;
  }

  static int code(JsonNode e) {
    return e.path("responseStatus").path("code").asInt(0);
  }
}
