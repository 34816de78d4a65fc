package dev.kelemetry.beam.pipelines.query;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The views have the BigQuery tables' columns and types, whether the folders hold rows or are absent. */
public class LocalTablesTest {
  @Rule
  public final TemporaryFolder tmp = new TemporaryFolder();

  private static Map<String, String> columns(Path directory, String table) throws Exception {
    Map<String, String> types = new LinkedHashMap<>();
    try (Connection db = LocalTables.open(directory);
        Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("DESCRIBE " + table)) {
      while (rs.next()) {
        types.put(rs.getString("column_name"), rs.getString("column_type"));
      }
    }
    return types;
  }

  private static long count(Path directory, String table) throws Exception {
    try (Connection db = LocalTables.open(directory);
        Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  public void timesAreTimestampsJsonIsJsonAndRecordsAreStructs() throws Exception {
    Map<String, String> metrics = columns(tmp.getRoot().toPath(), "metrics");
    assertThat(metrics.keySet().stream().toList(), equalTo(java.util.List.of("metric", "window_start", "window_end",
        "dimensions", "count", "error_count", "latency_ms", "timeout_ratio", "bytes")));
    assertThat(metrics.get("window_start"), equalTo("TIMESTAMP"));
    assertThat(metrics.get("dimensions"), equalTo("JSON"));
    assertThat(metrics.get("count"), equalTo("BIGINT"));
    assertThat(metrics.get("latency_ms"), startsWith("STRUCT(count BIGINT, sum DOUBLE, min DOUBLE, max DOUBLE"));
    assertThat(metrics.get("latency_ms").endsWith("buckets STRUCT(\"value\" DOUBLE, count BIGINT)[])"), equalTo(true));
    Map<String, String> spans = columns(tmp.getRoot().toPath(), "spans");
    assertThat(spans.get("events"), equalTo("STRUCT(\"time\" TIMESTAMP, \"name\" VARCHAR, attributes JSON)[]"));
  }

  @Test
  public void aFolderWithRowsHasTheSameColumnsAsAnAbsentOne() throws Exception {
    Path full = tmp.newFolder("full").toPath();
    QueryFixture fixture = QueryFixture.random(3);
    fixture.write(full);
    for (String table : LocalTables.TABLES) {
      assertThat(table, columns(full, table), equalTo(columns(tmp.newFolder("empty-" + table).toPath(), table)));
    }
    assertThat(count(full, "metrics"), equalTo((long) fixture.metricRows().size()));
    assertThat(count(full, "spans"), equalTo((long) fixture.spans.size()));
    assertThat(count(tmp.getRoot().toPath(), "spans"), equalTo(0L));
  }

  @Test
  public void anEmptyFolderIsAnEmptyTable() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    Files.createDirectories(out.resolve("links"));
    assertThat(count(out, "links"), equalTo(0L));
  }

  @Test
  public void aMissingDirectoryIsAnErrorNamingIt() {
    QueryException e = assertThrows(QueryException.class, () -> LocalTables.open(tmp.getRoot().toPath().resolve("nope")));
    assertThat(e.getMessage(), startsWith("no data directory " + tmp.getRoot().toPath().resolve("nope")));
  }
}
