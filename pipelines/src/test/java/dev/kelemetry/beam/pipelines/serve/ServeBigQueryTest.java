package dev.kelemetry.beam.pipelines.serve;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.services.bigquery.model.Table;
import com.google.api.services.bigquery.model.TableReference;
import com.google.api.services.bigquery.model.TableRow;
import dev.kelemetry.beam.io.bigquery.BigQueryTarget;
import dev.kelemetry.beam.io.bigquery.StorageReads;
import dev.kelemetry.beam.io.bigquery.TableRows;
import dev.kelemetry.beam.pipelines.FakeStorageReadApi;
import dev.kelemetry.beam.pipelines.SpanFiles;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.io.gcp.testing.FakeBigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code kelemetry serve --bigquery-dataset}: the same two rollouts as {@link ServeApiTest} (one crossing a trace
 * window), their span rows in the {@code spans} table of Beam's fake dataset (the rows a run writes there equal its
 * local rows: BigQueryOutputTest), read through a Storage Read API fake that applies each row restriction with DuckDB
 * and sends only the selected columns. Every answer must equal the answer of the same service over the directory,
 * byte for byte, and the reads must be narrow: by object, by window range, by trace.
 */
public class ServeBigQueryTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static final String PROJECT = "serve-project";
  private static final String DATASET = "traces";
  private static final String TABLE = "projects/" + PROJECT + "/datasets/" + DATASET + "/tables/spans";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static List<SpanRow> rows;
  private static JaegerServer local;
  private static JaegerServer bigQuery;

  @BeforeClass
  public static void serveOneBackfillFromADirectoryAndFromBigQuery() throws Exception {
    Path steadyLog = TMP.getRoot().toPath().resolve("steady.log");
    Path crossingLog = TMP.getRoot().toPath().resolve("crossing.log");
    Path out = TMP.newFolder("out").toPath();
    ServeApiTest.cli("generate", "--output", steadyLog.toString(), "--seed", "5", "--start", "2026-03-01T10:00:00Z");
    ServeApiTest.cli("generate", "--output", crossingLog.toString(), "--seed", "6", "--start", "2026-03-01T10:29:00Z");
    ServeApiTest.cli("backfill", "--input", steadyLog + "@steady", "--input", crossingLog + "@crossing", "--output",
        out.toString(), "--runner", "direct", "--no-metrics");
    rows = SpanFiles.read(out);
    local = JaegerServer.start(LocalSpans.load(out), "127.0.0.1", 0);

    FakeDatasetService.setUp();
    FakeStorageReadApi.reset();
    FakeDatasetService datasets = new FakeDatasetService();
    datasets.createDataset(PROJECT, DATASET, "", "", null);
    TableReference spans = new TableReference().setProjectId(PROJECT).setDatasetId(DATASET).setTableId("spans");
    datasets.createTable(new Table().setTableReference(spans).setSchema(TableRows.schema("spans")));
    List<TableRow> tableRows = rows.stream().map(TableRows::span).toList();
    List<String> insertIds = new ArrayList<>();
    rows.forEach(r -> insertIds.add(r.traceId() + "/" + r.spanId()));
    datasets.insertAll(spans, tableRows, insertIds);
    BigQueryTarget target = BigQueryTarget.parse(PROJECT + ":" + DATASET).withServices(
        new FakeBigQueryServices().withDatasetService(datasets).withStorageClient(FakeStorageReadApi.strict()));
    bigQuery = JaegerServer.start(new BigQuerySpans(StorageReads.open(target, null)), "127.0.0.1", 0);
  }

  @AfterClass
  public static void stopServing() {
    for (JaegerServer server : new JaegerServer[] {local, bigQuery}) {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  public void everySearchInEveryDisplayModeAnswersAsTheDirectoryDoes() throws Exception {
    Set<String> objects = new LinkedHashSet<>();
    objects.add("{\"resource\":\"deployments\",\"name\":\"demo\"}");
    // a ReplicaSet and a Pod of each rollout, by name; a Node (cluster-scoped, no namespace); a uid
    for (SpanRow row : rows) {
      if (row.kind().equals(SpanRow.KIND_OBJECT) && List.of("replicasets", "pods", "nodes").contains(row.resource())) {
        objects.add("{\"resource\":\"" + row.resource() + "\",\"name\":\"" + row.objectName() + "\"}");
      }
      if (objects.size() == 8) {
        break;
      }
    }
    String uid = rows.stream().filter(r -> r.kind().equals(SpanRow.KIND_OBJECT) && r.uid() != null).findFirst()
        .orElseThrow().uid();
    objects.add("{\"uid\":\"" + uid + "\"}");
    int traces = 0;
    // every display mode from the Deployment, in each cluster and in both; the other objects in one mode per modifier
    for (DisplayMode mode : DisplayMode.all()) {
      for (String cluster : List.of("", "steady", "crossing")) {
        traces += searchBoth(mode, cluster, objects.iterator().next());
      }
    }
    for (String mode : List.of("tracing", "tree [ancestors]", "timeline [owned objects]", "grouped [full tree]")) {
      for (String tags : objects) {
        traces += searchBoth(DisplayMode.parse(mode).orElseThrow(), "", tags);
      }
    }
    assertThat("the searches found traces to compare", traces, greaterThan(80));
  }

  /** One search on both services, then each trace it found by its id, as the UI's trace page asks for it. */
  private static int searchBoth(DisplayMode mode, String cluster, String tags) throws Exception {
    JsonNode answer = same("/api/traces?service=" + encode(mode.serviceName()) + "&operation=" + cluster + "&tags="
        + encode(tags) + "&limit=20");
    for (JsonNode trace : answer.get("data")) {
      same("/api/traces/" + trace.get("traceID").asText());
    }
    return answer.get("data").size();
  }

  @Test
  public void aSearchAcrossTheWindowBoundaryIsOneMergedTraceReadByWindowRange() throws Exception {
    FakeStorageReadApi.RESTRICTIONS.remove(TABLE);
    JsonNode answer = same("/api/traces?service=tracing&operation=crossing&tags="
        + encode("{\"resource\":\"deployments\",\"name\":\"demo\"}"));
    assertThat(answer.get("data").size(), equalTo(1));
    List<String> reads = FakeStorageReadApi.RESTRICTIONS.get(TABLE);
    // the search reads the object's spans by the clustering columns; the trace rows by window range and trace id
    assertThat(reads.get(0), containsString("cluster = 'crossing'"));
    assertThat(reads.get(0), containsString("resource = 'deployments'"));
    assertThat(reads.get(0), containsString("object_name = 'demo'"));
    assertThat(reads.get(reads.size() - 1), containsString("trace_id IN ("));
    assertThat(reads.get(reads.size() - 1), containsString("window_start >= CAST('2026-03-01T10:00:00.000000Z' AS TIMESTAMP)"));
    assertThat(reads.get(reads.size() - 1), containsString("window_start <= CAST('2026-03-01T10:30:00.000000Z' AS TIMESTAMP)"));
    assertThat("every read but the unbounded search has a partition range", reads.subList(1, reads.size()),
        everyItem(containsString("start_time >= CAST(")));
  }

  @Test
  public void timeRangesStoredTracesDependenciesAndErrorsAnswerAsTheDirectoryDoes() throws Exception {
    String deployment = encode("{\"resource\":\"deployments\",\"name\":\"demo\"}");
    long tenOClock = 1_772_359_200_000_000L; // 2026-03-01T10:00:00Z in microseconds
    // only the steady rollout's first minutes; a range before anything; a lookback the UI sends with an end
    same("/api/traces?service=tree&tags=" + deployment + "&start=" + tenOClock + "&end=" + (tenOClock + 300_000_000L));
    same("/api/traces?service=tree&tags=" + deployment + "&start=" + (tenOClock - 7_200_000_000L) + "&end="
        + (tenOClock - 3_600_000_000L));
    same("/api/traces?service=timeline&tags=" + deployment + "&end=" + (tenOClock + 3_600_000_000L) + "&lookback=1h");
    // stored traces, one at a time and several at once, and ids that name nothing
    List<String> stored = rows.stream().map(SpanRow::traceId).distinct().limit(3).toList();
    for (String id : stored) {
      same("/api/traces/" + id);
    }
    same("/api/traces?traceID=" + stored.get(0) + "&traceID=" + stored.get(1));
    JsonNode missing = same("/api/traces/0123456789abcdef0123456789abcdef");
    assertThat(missing.get("errors").get(0).get("code").asInt(), equalTo(404));
    same("/api/traces/f5" + "0".repeat(30));
    // operations are the clusters, read from the table
    JsonNode operations = same("/api/services/tracing/operations");
    assertThat(operations.get("data").size(), equalTo(2));
    same("/api/v3/operations?service=tree");
    same("/api/services");
    // the ownership graph, for all time and for a range
    JsonNode graph = same("/api/dependencies");
    assertThat(graph.get("data").size(), greaterThan(0));
    same("/api/dependencies?endTs=" + (tenOClock / 1000 + 600_000) + "&lookback=600000");
  }

  @Test
  public void aReadOfSelectedColumnsSendsOnlyThose() throws Exception {
    // the strict fake is what makes the comparisons above worth anything: prove it narrows and selects
    BigQueryTarget target = BigQueryTarget.parse(PROJECT + ":" + DATASET).withServices(
        new FakeBigQueryServices().withDatasetService(new FakeDatasetService()).withStorageClient(FakeStorageReadApi.strict()));
    try (StorageReads reads = StorageReads.open(target, null)) {
      var got = reads.read("spans", List.of("cluster"), "kind = 'object' AND cluster = 'steady'");
      long expected = rows.stream().filter(r -> r.kind().equals(SpanRow.KIND_OBJECT) && r.cluster().equals("steady")).count();
      assertThat((long) got.size(), equalTo(expected));
      assertThat(got.get(0).getSchema().getFields(), hasSize(1));
      assertThat(reads.read("spans", List.of(), "cluster = 'nowhere'"), hasSize(0));
    }
  }

  /** The answer of both services to one request: same status, same JSON; returns the JSON. */
  private static JsonNode same(String pathAndQuery) throws Exception {
    HttpResponse<String> fromDirectory = get(local, pathAndQuery);
    HttpResponse<String> fromBigQuery = get(bigQuery, pathAndQuery);
    assertThat(pathAndQuery, fromBigQuery.statusCode(), equalTo(fromDirectory.statusCode()));
    JsonNode expected = Rows.JSON.readTree(fromDirectory.body());
    assertThat(pathAndQuery, Rows.JSON.readTree(fromBigQuery.body()), equalTo(expected));
    assertThat(pathAndQuery, expected.toString(), not(containsString("\"code\":500")));
    return expected;
  }

  private static HttpResponse<String> get(JaegerServer server, String pathAndQuery) throws Exception {
    URI uri = server.uri().resolve(pathAndQuery);
    return HTTP.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
