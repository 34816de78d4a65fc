package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;

import com.google.api.services.bigquery.model.Table;
import com.google.api.services.bigquery.model.TableReference;
import com.google.api.services.bigquery.model.TableRow;
import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.io.bigquery.BigQueryTarget;
import dev.kelemetry.beam.io.bigquery.TableRows;
import dev.kelemetry.beam.pipelines.generate.WorkloadGenerator;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.Counters;
import java.io.BufferedWriter;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.gcp.testing.FakeBigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;
import org.apache.beam.sdk.io.gcp.testing.FakeJobService;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code --bigquery-dataset}: the spans and dead letters tables, written with the Storage Write API through Beam's own
 * fake BigQuery services (no BigQuery runs here), hold the rows of the local output, field for field; the tables are
 * created from {@code schemas/}, day-partitioned and clustered; a row BigQuery refuses is a dead letter.
 */
public class BigQueryOutputTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final String PROJECT = "kelemetry-test";
  private static int datasetsMade;
  private FakeDatasetService datasets;
  private String dataset;

  /**
   * A new dataset per test: BigQueryIO remembers in static state which tables it created in this JVM, so a table of
   * the same name in a fresh fake would not be created again.
   */
  @Before
  public void freshDataset() throws Exception {
    FakeDatasetService.setUp();
    datasets = new FakeDatasetService();
    dataset = "traces_" + (++datasetsMade);
    datasets.createDataset(PROJECT, dataset, "", "", null);
  }

  private record Run(RunSummary summary, List<SpanRow> spans, List<DeadLetterRow> deadLetters, Path output) {}

  private Run backfill(FakeDatasetService fake) throws Exception {
    Path log = tmp.newFile().toPath();
    try (BufferedWriter out = Files.newBufferedWriter(log)) {
      WorkloadGenerator.generate("deployment-rollout", 1, 5, Instant.parse("2026-01-01T00:00:00Z"), out);
    }
    Files.writeString(log, "{not json\n", StandardOpenOption.APPEND);
    Path out = tmp.newFolder().toPath();
    BigQueryTarget target = BigQueryTarget.parse(PROJECT + ":" + dataset)
        .withServices(new FakeBigQueryServices().withDatasetService(fake).withJobService(new FakeJobService()));
    RunSummary summary = Kelemetry.Backfills.run(TracingConfig.defaults(List.of(new InputSpec(log.toString(), "")),
        out.toString()).withCluster("bq").withBigQuery(target), "direct", false);
    return new Run(summary, SpanFiles.read(out), SpanFiles.readRows(out.resolve("dead_letters"), DeadLetterRow.class), out);
  }

  /**
   * A table row in comparable form: timestamps as instants, JSON columns as parsed JSON, numbers as longs, and an empty
   * repeated field as absent (BigQuery returns none for it).
   */
  private static Map<String, Object> comparable(Map<String, Object> row) {
    Map<String, Object> out = new TreeMap<>();
    row.forEach((k, v) -> {
      if (!(v instanceof List<?> list && list.isEmpty())) {
        out.put(k, normal(k, v));
      }
    });
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object normal(String key, Object v) {
    if (v == null) {
      return null;
    }
    if (key.equals("attributes")) {
      try {
        return Rows.JSON.readTree(v.toString());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
    if (key.endsWith("_time") || key.endsWith("_seen") || key.equals("window_start") || key.equals("time")) {
      return timestamp(v.toString());
    }
    if (v instanceof List<?> list) {
      return list.stream().map(i -> i instanceof Map<?, ?> m ? comparable((Map<String, Object>) m) : i).toList();
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    if (v instanceof String s && s.matches("-?\\d+") && (key.equals("line") || key.equals("raw_length"))) {
      return Long.parseLong(s);
    }
    return v;
  }

  /** BigQuery's text forms of a TIMESTAMP ({@code 2026-01-01 00:00:01.5 UTC}, ISO with or without a zone). */
  private static Instant timestamp(String text) {
    String t = text.replace(" UTC", "").replaceAll("[ T]+", "T");
    return Instant.parse(t.endsWith("Z") || t.matches(".*[+-]\\d\\d:\\d\\d$") ? t : t + "Z");
  }

  /** A metrics row as text: its series, window, counts and latency figures, whatever form the fake gives numbers. */
  @SuppressWarnings("unchecked")
  private static String metricSummary(Map<String, Object> row) {
    StringBuilder text = new StringBuilder();
    text.append(row.get("metric")).append(' ').append(timestamp(row.get("window_start").toString())).append(' ');
    try {
      text.append(Rows.JSON.readTree(row.get("dimensions").toString()));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    text.append(" count=").append(Long.parseLong(row.get("count").toString()))
        .append(" errors=").append(Long.parseLong(row.get("error_count").toString()));
    if (row.get("latency_ms") instanceof Map<?, ?> latency) {
      for (String f : List.of("count", "sum", "min", "max", "p50", "p90", "p99")) {
        text.append(' ').append(f).append('=').append(Double.parseDouble(latency.get(f).toString()));
      }
      text.append(" buckets=").append(((List<Object>) latency.get("buckets")).size());
    }
    return text.toString();
  }

  @Test
  public void theTablesHoldTheRowsOfTheLocalOutput() throws Exception {
    Run run = backfill(datasets);
    assertThat(run.spans().size(), greaterThan(100));

    Map<String, Map<String, Object>> inTable = datasets.getAllRows(PROJECT, dataset, "spans").stream()
        .map(BigQueryOutputTest::comparable).collect(Collectors.toMap(r -> (String) r.get("span_id"), Function.identity()));
    Map<String, Map<String, Object>> local = run.spans().stream().map(TableRows::span).map(BigQueryOutputTest::comparable)
        .collect(Collectors.toMap(r -> (String) r.get("span_id"), Function.identity()));
    assertThat(inTable.keySet(), equalTo(local.keySet()));
    for (String id : local.keySet()) {
      assertThat(id, inTable.get(id), equalTo(local.get(id)));
    }

    List<Map<String, Object>> linksInTable = datasets.getAllRows(PROJECT, dataset, "links").stream()
        .map(BigQueryOutputTest::comparable).sorted(java.util.Comparator.comparing(Object::toString)).toList();
    List<Map<String, Object>> localLinks = SpanFiles.readRows(run.output().resolve("links"), LinkRow.class).stream()
        .map(TableRows::link).map(BigQueryOutputTest::comparable).sorted(java.util.Comparator.comparing(Object::toString))
        .toList();
    assertThat(localLinks.size(), greaterThan(10));
    assertThat(linksInTable, equalTo(localLinks));

    List<String> metricsInTable = datasets.getAllRows(PROJECT, dataset, "metrics").stream()
        .map(BigQueryOutputTest::metricSummary).sorted().toList();
    List<String> localMetrics = SpanFiles.readRows(run.output().resolve("metrics"), MetricRow.class).stream()
        .map(TableRows::metric).map(BigQueryOutputTest::metricSummary).sorted().toList();
    assertThat(localMetrics.size(), greaterThan(10));
    assertThat(metricsInTable, equalTo(localMetrics));
    Table metrics = datasets.getTable(new TableReference().setProjectId(PROJECT).setDatasetId(dataset)
        .setTableId("metrics"));
    assertThat(metrics.getTimePartitioning().getField(), equalTo("window_start"));
    assertThat(metrics.getClustering().getFields(), equalTo(List.of("metric")));

    List<TableRow> dead = datasets.getAllRows(PROJECT, dataset, "dead_letters");
    assertThat(dead, hasSize(run.deadLetters().size()));
    assertThat(dead.get(0).get("step"), equalTo("ParseRecords"));

    Table spans = datasets.getTable(new TableReference().setProjectId(PROJECT).setDatasetId(dataset).setTableId("spans"));
    assertThat(spans.getTimePartitioning().getField(), equalTo("start_time"));
    assertThat(spans.getClustering().getFields(), equalTo(List.of("cluster", "resource", "namespace", "object_name")));
    assertThat(spans.getSchema().getFields().stream().map(f -> f.getName()).toList(),
        equalTo(TableRows.schema("spans").getFields().stream().map(f -> f.getName()).toList()));
  }

  @Test
  public void aRowBigQueryRefusesIsADeadLetterWithItsReason() throws Exception {
    datasets.setShouldFailRow((Function<TableRow, Boolean> & Serializable)
        row -> "event".equals(row.get("kind")));
    Run run = backfill(datasets);
    long events = run.spans().stream().filter(s -> s.kind().equals(SpanRow.KIND_EVENT)).count();
    assertThat(events, greaterThan(0L));
    List<DeadLetterRow> refused = run.deadLetters().stream().filter(d -> d.step().equals("WriteBigQuery")).toList();
    assertThat(refused, hasSize((int) events));
    assertThat(refused.get(0).reason(), containsString("refused by BigQuery"));
    assertThat(run.summary().get(Counters.BIGQUERY_ROWS_REFUSED), equalTo(events));
    assertThat(datasets.getAllRows(PROJECT, dataset, "spans"), hasSize(run.spans().size() - (int) events));
  }
}
