package dev.kelemetry.beam.pipelines.query;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Every query of the library, run as {@code kelemetry query NAME --format json} over a made-up output directory, against
 * answers computed here from the fixture's samples with plain loops (and, for quantiles, one DDSketch of all samples).
 */
public class QueryLibraryTest {
  @ClassRule
  public static final TemporaryFolder TMP = new TemporaryFolder();

  private static QueryFixture fixture;
  private static Path data;

  @BeforeClass
  public static void writeFixture() throws Exception {
    fixture = QueryFixture.random(7);
    data = TMP.newFolder("out").toPath();
    fixture.write(data);
  }

  private static List<JsonNode> query(String name, String... params) {
    List<String> args = new ArrayList<>(List.of("--data", data.toString(), "--format", "json", name));
    for (String p : params) {
      args.add("--param");
      args.add(p);
    }
    QueryCli.Run run = QueryCli.run(args.toArray(String[]::new));
    assertEquals(name + " failed: " + run.err(), 0, run.exitCode());
    return run.rows();
  }

  /**
   * {@code answer} is {@code exact} rounded to {@code decimals} places. Not compared with a rounding done here: a value
   * that is a half in decimal is not one in binary, and the engines may round it either way.
   */
  private static void assertRounded(String what, double exact, int decimals, double answer) {
    assertThat(what + ": " + answer + " is not " + exact + " rounded to " + decimals + " places", Math.abs(answer - exact),
        lessThanOrEqualTo(0.5 * Math.pow(10, -decimals) + 1e-9));
  }

  /** Counts and failures of the requests, grouped by {@code key}. */
  private static <K extends Comparable<K>> Map<K, long[]> countBy(List<QueryFixture.Request> requests,
      Function<QueryFixture.Request, K> key) {
    Map<K, long[]> counts = new TreeMap<>();
    for (QueryFixture.Request r : requests) {
      long[] c = counts.computeIfAbsent(key.apply(r), k -> new long[3]);
      c[0]++;
      c[1] += r.failed() ? 1 : 0;
      c[2] += r.code().equals("429") ? 1 : 0;
    }
    return counts;
  }

  @Test
  public void topUsersAreRankedByRequestsWithTheirFailuresAndShare() {
    Map<String, long[]> byUser = countBy(fixture.requests, QueryFixture.Request::user);
    List<String> expectedOrder = byUser.keySet().stream()
        .sorted(Comparator.comparingLong((String u) -> -byUser.get(u)[0]).thenComparing(u -> u)).toList();
    List<JsonNode> rows = query("top_users");
    assertUsers(expectedOrder, byUser, rows);
    for (JsonNode row : rows) {
      long[] c = byUser.get(row.get("user").asText());
      assertRounded(row.toString(), 100.0 * c[0] / fixture.requests.size(), 2, row.get("percent_of_all").asDouble());
    }
  }

  /** The rows are these users in this order, each with its requests and failed requests. */
  private static void assertUsers(List<String> users, Map<String, long[]> counts, List<JsonNode> rows) {
    assertThat(rows.stream().map(r -> r.get("user").asText()).toList(), equalTo(users));
    for (JsonNode row : rows) {
      long[] c = counts.get(row.get("user").asText());
      assertEquals(row.toString(), c[0], row.get("requests").asLong());
      assertEquals(row.toString(), c[1], row.get("errors").asLong());
    }
  }

  @Test
  public void topUsersOfOneClusterCountOnlyItsRequestsAndStopAtTheLimit() {
    List<QueryFixture.Request> staging = fixture.requests.stream().filter(r -> r.cluster().equals("staging")).toList();
    Map<String, long[]> byUser = countBy(staging, QueryFixture.Request::user);
    List<JsonNode> rows = query("top_users", "cluster=staging", "limit=2");
    assertEquals(2, rows.size());
    long most = byUser.values().stream().mapToLong(c -> c[0]).max().orElseThrow();
    assertEquals(most, rows.get(0).get("requests").asLong());
    assertEquals(byUser.get(rows.get(1).get("user").asText())[0], rows.get(1).get("requests").asLong());
  }

  @Test
  public void topUserAgentsAreRankedByRequests() {
    Map<String, long[]> byAgent = countBy(fixture.requests, QueryFixture.Request::agent);
    List<JsonNode> rows = query("top_user_agents");
    assertEquals(byAgent.size(), rows.size());
    long previous = Long.MAX_VALUE;
    for (JsonNode row : rows) {
      long requests = row.get("requests").asLong();
      assertEquals(byAgent.get(row.get("user_agent").asText())[0], requests);
      assertThat(requests, lessThanOrEqualTo(previous));
      previous = requests;
    }
  }

  /**
   * The merged quantile is exactly what one sketch of every sample says; and, independently of sketches, within the
   * relative accuracy of the sample at the quantile's rank. An average of the windows' p99s would fail both.
   */
  @Test
  public void slowRequestsMergeTheWindowsBinsIntoTheQuantilesOfAllSamples() {
    Map<String, List<Double>> latencies = new TreeMap<>();
    for (QueryFixture.Request r : fixture.requests) {
      latencies.computeIfAbsent(r.verb() + " " + r.resource(), k -> new ArrayList<>()).add(r.latencyMs());
    }
    List<JsonNode> rows = query("slow_requests", "limit=100");
    assertEquals(latencies.size(), rows.size());
    double previousP99 = Double.MAX_VALUE;
    for (JsonNode row : rows) {
      List<Double> samples = latencies.get(row.get("verb").asText() + " " + row.get("resource").asText());
      assertEquals(samples.size(), row.get("requests").asLong());
      assertQuantiles(samples, row);
      assertThat(row.get("p99_ms").asDouble(), lessThanOrEqualTo(previousP99));
      previousP99 = row.get("p99_ms").asDouble();
    }
  }

  private static void assertQuantiles(List<Double> samples, JsonNode row) {
    DDSketch all = QueryFixture.sketch(samples);
    List<Double> sorted = samples.stream().sorted().toList();
    for (double q : new double[] {0.5, 0.9, 0.99}) {
      double answer = row.get(String.format("p%02d_ms", Math.round(q * 100))).asDouble();
      assertEquals("p" + q + " of " + row, all.getValueAtQuantile(q), answer, 1e-9 * answer);
      double exact = sorted.get((int) Math.floor(q * (sorted.size() - 1)));
      assertThat("p" + q + " of " + row + " against the exact " + exact, Math.abs(answer - exact),
          lessThanOrEqualTo(QueryFixture.RELATIVE_ACCURACY * exact + 1e-9));
    }
  }

  @Test
  public void throttledIsThe429sPerUserVerbAndResourceAndTheirShare() {
    Map<String, long[]> byKind = countBy(fixture.requests, r -> r.user() + "|" + r.verb() + "|" + r.resource());
    Map<String, long[]> firstLast = new TreeMap<>();
    for (QueryFixture.Request r : fixture.requests) {
      if (r.code().equals("429")) {
        long[] t = firstLast.computeIfAbsent(r.user() + "|" + r.verb() + "|" + r.resource(),
            k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
        t[0] = Math.min(t[0], r.windowStart());
        t[1] = Math.max(t[1], r.windowStart() + QueryFixture.MINUTE_MICROS);
      }
    }
    List<String> expected = firstLast.keySet().stream()
        .sorted(Comparator.comparingLong((String k) -> -byKind.get(k)[2]).thenComparing(k -> k)).limit(20).toList();
    List<JsonNode> rows = query("throttled");
    List<String> keys = rows.stream()
        .map(r -> r.get("user").asText() + "|" + r.get("verb").asText() + "|" + r.get("resource").asText()).toList();
    assertThat(keys, equalTo(expected));
    assertThat(keys.get(0), org.hamcrest.Matchers.startsWith("bob|"));
    for (JsonNode row : rows) {
      String key = row.get("user").asText() + "|" + row.get("verb").asText() + "|" + row.get("resource").asText();
      long[] c = byKind.get(key);
      assertEquals(c[2], row.get("throttled").asLong());
      assertEquals(c[0], row.get("requests").asLong());
      assertRounded(row.toString(), 100.0 * c[2] / c[0], 2, row.get("percent_throttled").asDouble());
      assertEquals(Rows.timestamp(firstLast.get(key)[0]), row.get("first_throttled").asText());
      assertEquals(Rows.timestamp(firstLast.get(key)[1]), row.get("last_throttled").asText());
    }
  }

  @Test
  public void failingUsersAreRankedByFailuresWithTheirRateAndServerErrors() {
    Map<String, long[]> byUser = countBy(fixture.requests, QueryFixture.Request::user);
    Map<String, Long> serverErrors = new TreeMap<>();
    fixture.requests.forEach(r -> serverErrors.merge(r.user(), r.code().startsWith("5") ? 1L : 0L, Long::sum));
    List<String> expected = byUser.keySet().stream().filter(u -> byUser.get(u)[1] > 0)
        .sorted(Comparator.comparingLong((String u) -> -byUser.get(u)[1])
            .thenComparingDouble(u -> -(double) byUser.get(u)[1] / byUser.get(u)[0]).thenComparing(u -> u))
        .toList();
    List<JsonNode> rows = query("failing_users");
    assertUsers(expected, byUser, rows);
    for (JsonNode row : rows) {
      long[] c = byUser.get(row.get("user").asText());
      assertRounded(row.toString(), 100.0 * c[1] / c[0], 2, row.get("percent_failed").asDouble());
      assertEquals((long) serverErrors.get(row.get("user").asText()), row.get("server_errors").asLong());
    }
  }

  @Test
  public void requestRateIsRequestsPerSecondOfEachWindowAndVerb() {
    Map<String, Long> perWindowAndVerb = new TreeMap<>();
    for (QueryFixture.Request r : fixture.requests) {
      perWindowAndVerb.merge(Rows.timestamp(r.windowStart()) + " " + r.verb(), 1L, Long::sum);
    }
    List<JsonNode> rows = query("request_rate");
    assertEquals(QueryFixture.WINDOWS * QueryFixture.VERBS.size(), rows.size());
    for (JsonNode row : rows) {
      long n = perWindowAndVerb.get(row.get("window_start").asText() + " " + row.get("verb").asText());
      assertRounded(row.toString(), n / 60.0, 3, row.get("requests_per_second").asDouble());
    }
    List<String> keys = rows.stream().map(r -> r.get("window_start").asText() + " " + r.get("verb").asText()).toList();
    assertThat(keys, equalTo(new ArrayList<>(perWindowAndVerb.keySet())));
  }

  @Test
  public void reactionTimesAreTheMergedQuantilesPerReactionAndController() {
    Map<String, List<Double>> latencies = new TreeMap<>();
    for (QueryFixture.Reaction r : fixture.reactions) {
      latencies.computeIfAbsent(r.metric() + " " + r.controller(), k -> new ArrayList<>()).add(r.latencyMs());
    }
    List<JsonNode> rows = query("reaction_times");
    assertThat(rows.stream().map(r -> r.get("metric").asText() + " " + r.get("controller").asText()).toList(),
        equalTo(new ArrayList<>(latencies.keySet())));
    for (JsonNode row : rows) {
      List<Double> samples = latencies.get(row.get("metric").asText() + " " + row.get("controller").asText());
      assertEquals(samples.size(), row.get("reactions").asLong());
      assertQuantiles(samples, row);
    }
  }

  private static String object(SpanRow s) {
    return s.cluster() + "/" + s.resource() + "/" + s.namespace() + "/" + s.objectName();
  }

  private static String object(JsonNode row) {
    return row.get("cluster").asText() + "/" + row.get("resource").asText() + "/" + row.get("namespace").asText() + "/"
        + row.get("object_name").asText();
  }

  private static long durationMicros(SpanRow s) {
    return micros(s.endTime()) - micros(s.startTime());
  }

  private static long micros(String rfc3339) {
    java.time.Instant t = java.time.Instant.parse(rfc3339);
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  @Test
  public void slowestObjectsAreTheAuditSpansLongestRequestsPerObject() {
    Map<String, List<Long>> durations = new TreeMap<>();
    fixture.spans.stream().filter(s -> s.kind().equals(SpanRow.KIND_AUDIT))
        .forEach(s -> durations.computeIfAbsent(object(s), k -> new ArrayList<>()).add(durationMicros(s)));
    Function<String, Long> slowest = k -> durations.get(k).stream().mapToLong(Long::longValue).max().orElseThrow();
    List<String> expected = durations.keySet().stream()
        .sorted(Comparator.comparingLong((String k) -> -slowest.apply(k)).thenComparing(k -> k)).limit(20).toList();
    List<JsonNode> rows = query("slowest_objects");
    assertThat(rows.stream().map(QueryLibraryTest::object).toList(), equalTo(expected));
    for (JsonNode row : rows) {
      List<Long> d = durations.get(object(row));
      assertEquals(d.size(), row.get("requests").asLong());
      assertRounded(row.toString(), slowest.apply(object(row)) / 1000.0, 3, row.get("slowest_ms").asDouble());
      double mean = d.stream().mapToLong(Long::longValue).average().orElseThrow();
      assertRounded(row.toString(), mean / 1000.0, 3, row.get("mean_ms").asDouble());
    }
  }

  @Test
  public void mostWrittenObjectsCountTheirWritesFailuresAndWriters() {
    Set<String> writes = Set.of("create", "update", "patch", "delete", "deletecollection");
    Map<String, List<SpanRow>> byObject = new TreeMap<>();
    fixture.spans.stream()
        .filter(s -> s.kind().equals(SpanRow.KIND_AUDIT) && writes.contains((String) s.attributes().get("k8s.audit.verb")))
        .forEach(s -> byObject.computeIfAbsent(object(s), k -> new ArrayList<>()).add(s));
    List<String> expected = byObject.keySet().stream()
        .sorted(Comparator.comparingInt((String k) -> -byObject.get(k).size()).thenComparing(k -> k)).limit(20).toList();
    List<JsonNode> rows = query("most_written_objects");
    assertThat(rows.stream().map(QueryLibraryTest::object).toList(), equalTo(expected));
    for (JsonNode row : rows) {
      List<SpanRow> spans = byObject.get(object(row));
      assertEquals(spans.size(), row.get("writes").asLong());
      assertEquals(spans.stream().filter(s -> s.status().equals(SpanRow.STATUS_ERROR)).count(), row.get("failed").asLong());
      TreeSet<String> writers = new TreeSet<>();
      spans.forEach(s -> writers.add((String) s.attributes().get("k8s.audit.user")));
      assertEquals(String.join(", ", writers), row.get("writers").asText());
      assertEquals(spans.stream().map(SpanRow::startTime).min(String::compareTo).orElseThrow(), row.get("first_write").asText());
      assertEquals(spans.stream().map(SpanRow::startTime).max(String::compareTo).orElseThrow(), row.get("last_write").asText());
    }
  }

  @Test
  public void deadLettersAreCountedByStepAndReasonWithAPlaceToLook() {
    Map<String, List<DeadLetterRow>> byStepAndReason = new TreeMap<>();
    fixture.deadLetters.forEach(d -> byStepAndReason.computeIfAbsent(d.step() + "|" + d.reason(), k -> new ArrayList<>()).add(d));
    List<JsonNode> rows = query("dead_letters");
    assertEquals(byStepAndReason.size(), rows.size());
    long previous = Long.MAX_VALUE;
    for (JsonNode row : rows) {
      List<DeadLetterRow> letters = byStepAndReason.get(row.get("step").asText() + "|" + row.get("reason").asText());
      assertEquals(letters.size(), row.get("records").asLong());
      assertEquals(letters.stream().map(DeadLetterRow::source).distinct().count(), row.get("sources").asLong());
      assertEquals(letters.stream().map(d -> d.source() + ":" + d.line()).min(String::compareTo).orElseThrow(),
          row.get("example").asText());
      assertThat(row.get("records").asLong(), lessThanOrEqualTo(previous));
      previous = row.get("records").asLong();
    }
  }

  @Test
  public void objectParentsAreTheParentLinksWithTheWindowsTheyWereSeenIn() {
    Map<String, List<LinkRow>> byLink = new TreeMap<>();
    fixture.links.stream().filter(l -> l.role().equals(LinkRow.PARENT))
        .forEach(l -> byLink.computeIfAbsent(l.resource() + "/" + l.objectName() + " -> " + l.target(), k -> new ArrayList<>()).add(l));
    List<JsonNode> rows = query("object_parents");
    assertEquals(byLink.size(), rows.size());
    for (JsonNode row : rows) {
      List<LinkRow> seen = byLink.get(row.get("resource").asText() + "/" + row.get("object_name").asText() + " -> "
          + row.get("target").asText());
      assertEquals(seen.size(), row.get("windows").asLong());
      assertEquals("owner-references", row.get("linker").asText());
      assertEquals(seen.stream().map(LinkRow::firstSeen).min(String::compareTo).orElseThrow(), row.get("first_seen").asText());
      assertEquals(seen.stream().map(LinkRow::lastSeen).max(String::compareTo).orElseThrow(), row.get("last_seen").asText());
    }
  }

  @Test
  public void objectParentsOfOneObjectWithEveryRoleIncludeItsRelatedLinks() {
    List<JsonNode> rows = query("object_parents", "object=web-7-p0", "role=");
    assertThat(rows.stream().map(r -> r.get("role").asText() + " " + r.get("target").asText()).toList(),
        equalTo(List.of("parent replicasets.apps/default/web-7", "related nodes/node-0")));
  }

  @Test
  public void anOutputDirectoryWithoutRowsAnswersEveryQueryWithNone() throws Exception {
    Path empty = TMP.newFolder("empty").toPath();
    for (String name : QueryLibrary.names()) {
      QueryCli.Run run = QueryCli.run("--data", empty.toString(), "--format", "json", name);
      assertEquals(name + ": " + run.err(), 0, run.exitCode());
      assertThat(name, run.rows(), empty());
    }
  }

  @Test
  public void everyLibraryQueryAnswersOnTheFixture() {
    List<String> names = QueryLibrary.names();
    assertThat(names, hasItems("top_users", "top_user_agents", "slow_requests", "throttled", "failing_users",
        "request_rate", "reaction_times", "slowest_objects", "most_written_objects", "dead_letters", "object_parents"));
    for (String name : names) {
      assertThat(name + " gave no rows", query(name), not(empty()));
    }
  }
}
