package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;

import com.google.api.services.bigquery.model.Table;
import com.google.api.services.bigquery.model.TableReference;
import com.google.api.services.bigquery.model.TableRow;
import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.io.ReadBigQueryLogEntries;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.transforms.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.gcp.testing.FakeBigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code backfill --bigquery-table}: the tables a GKE log sink writes to BigQuery, held by Beam's fake BigQuery services
 * (no BigQuery service here) and read through the Storage Read API (the default; a small fake of it,
 * {@link FakeStorageReadApi}, since Beam's fakes have none and their export job writes only flat rows), give the span
 * rows and counters a backfill of the same entries as a file gives, ids included (only {@code kelemetry.source},
 * where a record was read, differs). The rows are made
 * in the test from the entries by the sink's rules (see {@link GkeLogEntries#asBigQueryRow}): KHI's real GKE audit
 * and events entries and the generated rollout as GKE audit entries.
 */
public class BigQueryBackfillTest {
  private static final String PROJECT = "gke-prod-123";
  private static final String DATASET = "k8s_logs";

  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static List<String> entries;
  private static List<String> batch;
  private static RunSummary batchSummary;

  private FakeDatasetService datasets;

  @BeforeClass
  public static void backfillTheEntriesAsAFile() throws Exception {
    entries = GkeLogEntries.sample(SharedData.real(), TMP.getRoot().toPath(), PROJECT);
    Path file = TMP.getRoot().toPath().resolve("gke-entries.json");
    Files.write(file, entries);
    TracingConfig config = TracingConfig.defaults(List.of(new InputSpec(file.toString(), "")),
        TMP.newFolder("batch").toString());
    batchSummary = Kelemetry.Backfills.run(config, "direct", false);
    batch = StreamCommandIT.comparable(SpanFiles.read(Path.of(config.output())));
    assertThat(batch.size(), greaterThan(100));
  }

  @Before
  public void emptyBigQuery() throws Exception {
    FakeDatasetService.setUp();
    FakeStorageReadApi.reset();
    datasets = new FakeDatasetService();
    datasets.createDataset(PROJECT, DATASET, "", "", null);
  }

  /** The table a sink writes an entry to: its log's name with dots, slashes and dashes as underscores. */
  private static String tableOf(String entry) {
    String log = Rows.fromJson(entry, com.fasterxml.jackson.databind.JsonNode.class).path("logName").asText();
    String id = java.net.URLDecoder.decode(log.substring(log.indexOf("/logs/") + "/logs/".length()),
        java.nio.charset.StandardCharsets.UTF_8);
    return id.replaceAll("[./-]", "_");
  }

  /** Creates each table with the schema its rows grow and inserts them; returns the table specs. */
  private List<String> sinkToBigQuery(Map<String, List<TableRow>> rowsByTable) throws Exception {
    List<String> specs = new ArrayList<>();
    for (Map.Entry<String, List<TableRow>> table : rowsByTable.entrySet()) {
      TableReference ref = new TableReference().setProjectId(PROJECT).setDatasetId(DATASET).setTableId(table.getKey());
      datasets.createTable(new Table().setTableReference(ref).setSchema(GkeLogEntries.schemaOf(table.getValue())));
      List<String> insertIds = new ArrayList<>();
      table.getValue().forEach(r -> insertIds.add(String.valueOf(r.get("insertId"))));
      datasets.insertAll(ref, table.getValue(), insertIds);
      specs.add(PROJECT + ":" + DATASET + "." + table.getKey());
    }
    return specs;
  }

  private RunSummary backfill(ReadBigQueryLogEntries read, Path out) throws Exception {
    return backfill(read, out, "direct");
  }

  private RunSummary backfill(ReadBigQueryLogEntries read, Path out, String runner) throws Exception {
    return Kelemetry.Backfills.run(TracingConfig.defaults(List.of(), out.toString()),
        read.withTestServices(new FakeBigQueryServices().withDatasetService(datasets)
            .withStorageClient(new FakeStorageReadApi())), null, runner, false);
  }

  private Map<String, List<TableRow>> rowsByTable(List<String> entries) {
    Map<String, List<TableRow>> rowsByTable = new LinkedHashMap<>();
    for (String entry : entries) {
      rowsByTable.computeIfAbsent(tableOf(entry), t -> new ArrayList<>()).add(GkeLogEntries.asBigQueryRow(entry));
    }
    return rowsByTable;
  }

  @Test
  public void aLogSinksTablesGiveTheSpansOfTheSameEntriesAsAFile() throws Exception {
    readTheSinksTablesAndCompare("direct");
  }

  /** The command line's default runner, the embedded Flink runner, reads the tables the same way. */
  @Test
  public void onTheEmbeddedFlinkRunnerTooALogSinksTablesGiveTheSpansOfTheSameEntriesAsAFile() throws Exception {
    readTheSinksTablesAndCompare("flink");
  }

  private void readTheSinksTablesAndCompare(String runner) throws Exception {
    Map<String, List<TableRow>> rowsByTable = rowsByTable(entries);
    assertThat(rowsByTable.keySet(), equalTo(java.util.Set.of("cloudaudit_googleapis_com_activity", "events")));
    Path out = TMP.newFolder().toPath();
    RunSummary summary = backfill(ReadBigQueryLogEntries.from(sinkToBigQuery(rowsByTable)), out, runner);

    assertThat(SpanFiles.readRows(out.resolve("dead_letters"), DeadLetterRow.class), empty());
    assertThat(StreamCommandIT.comparable(SpanFiles.read(out)), equalTo(batch));
    for (String counter : List.of(Counters.RECORDS_READ, Counters.RECORDS_PARSED, Counters.RECORDS_FILTERED)) {
      assertThat(counter, summary.get(counter), equalTo(batchSummary.get(counter)));
    }
  }

  @Test
  public void aRowThatIsNoLogEntryIsADeadLetterNamingItsTableAndInsertId() throws Exception {
    List<TableRow> rows = new ArrayList<>();
    for (String entry : entries.subList(entries.size() - 3, entries.size())) {
      rows.add(GkeLogEntries.asBigQueryRow(entry));
    }
    TableRow broken = rows.get(1);
    ((TableRow) broken.get("protopayload_auditlog")).set("responseJson", "{\"kind\":\"Pod\",");
    Path out = TMP.newFolder("broken").toPath();
    RunSummary summary = backfill(
        ReadBigQueryLogEntries.from(sinkToBigQuery(Map.of("cloudaudit_googleapis_com_activity", rows))), out);

    List<DeadLetterRow> dead = SpanFiles.readRows(out.resolve("dead_letters"), DeadLetterRow.class);
    assertThat(dead, hasSize(1));
    assertThat(dead.get(0).source(), equalTo("bigquery://" + PROJECT + ":" + DATASET + ".cloudaudit_googleapis_com_activity"));
    assertThat(dead.get(0).reason(), containsString("row with insertId " + broken.get("insertId") + ": "));
    assertThat(dead.get(0).reason(), containsString("protopayload_auditlog.responseJson is not JSON"));
    assertThat(summary.get(Counters.RECORDS_READ), equalTo(summary.get(Counters.RECORDS_PARSED)
        + summary.get(Counters.RECORDS_DEAD_LETTERED) + summary.get(Counters.RECORDS_FILTERED)));
    assertThat(summary.get(Counters.RECORDS_DEAD_LETTERED), equalTo(1L));
  }

  @Test
  public void aTimeRangeAndAFilterGoToBigQueryAsTheReadSessionsRowRestriction() throws Exception {
    List<String> tables = sinkToBigQuery(rowsByTable(entries));
    backfill(ReadBigQueryLogEntries.from(tables)
        .withTimeRange(java.time.Instant.parse("2026-02-01T08:00:00Z"), java.time.Instant.parse("2026-02-01T09:00:00Z"))
        .withFilter("resource.labels.cluster_name = 'prod'"), TMP.newFolder("restricted").toPath());
    assertThat(FakeStorageReadApi.RESTRICTIONS.keySet(), hasSize(2));
    for (List<String> restrictions : FakeStorageReadApi.RESTRICTIONS.values()) {
      assertThat(restrictions, equalTo(List.of("timestamp >= CAST('2026-02-01T08:00:00Z' AS TIMESTAMP)"
          + " AND timestamp < CAST('2026-02-01T09:00:00Z' AS TIMESTAMP) AND (resource.labels.cluster_name = 'prod')")));
    }
  }
}
