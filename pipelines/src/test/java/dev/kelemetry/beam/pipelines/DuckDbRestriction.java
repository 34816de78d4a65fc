package dev.kelemetry.beam.pipelines;

import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableRow;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * A Storage Read API row restriction evaluated by a real SQL engine, DuckDB, over the rows' scalar columns: the
 * comparisons, IN, AND/OR, IS NULL and {@code CAST('...' AS TIMESTAMP)} that readers send mean the same in both
 * dialects. TIMESTAMP columns are timestamps (UTC), INTEGER ones numbers, every other scalar is text.
 */
final class DuckDbRestriction {
  private DuckDbRestriction() {}

  /** The last table loaded, kept while the same rows are asked about: a test reads one table many times. */
  private static Connection loaded;
  private static List<TableRow> loadedRows;

  static synchronized List<TableRow> filter(List<TableRow> rows, List<TableFieldSchema> schema, String restriction) {
    try {
      if (!rows.equals(loadedRows)) {
        if (loaded != null) {
          loaded.close();
        }
        loaded = load(rows, schema);
        loadedRows = rows;
      }
      List<TableRow> kept = new ArrayList<>();
      try (Statement statement = loaded.createStatement();
          ResultSet r = statement.executeQuery("SELECT row_index FROM t WHERE " + restriction + " ORDER BY row_index")) {
        while (r.next()) {
          kept.add(rows.get(r.getInt(1)));
        }
      }
      return kept;
    } catch (SQLException e) {
      throw new IllegalArgumentException("a row restriction DuckDB cannot evaluate: " + restriction, e);
    }
  }

  private static Connection load(List<TableRow> rows, List<TableFieldSchema> schema) throws SQLException {
    List<TableFieldSchema> columns = schema.stream()
        .filter(f -> !"REPEATED".equals(f.getMode()) && !f.getType().equals("RECORD") && !f.getType().equals("JSON"))
        .toList();
    StringBuilder create = new StringBuilder("CREATE TABLE t (row_index INTEGER");
    columns.forEach(f -> create.append(", \"").append(f.getName()).append("\" ").append(switch (f.getType()) {
      case "TIMESTAMP" -> "TIMESTAMP";
      case "INTEGER" -> "BIGINT";
      default -> "VARCHAR";
    }));
    create.append(")");
    Connection db = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement statement = db.createStatement()) {
      statement.execute(create.toString());
      String insert = "INSERT INTO t VALUES (?" + ", ?".repeat(columns.size()) + ")";
      try (PreparedStatement put = db.prepareStatement(insert)) {
        for (int i = 0; i < rows.size(); i++) {
          put.setInt(1, i);
          for (int c = 0; c < columns.size(); c++) {
            Object v = rows.get(i).get(columns.get(c).getName());
            put.setObject(c + 2, v == null ? null : switch (columns.get(c).getType()) {
              case "TIMESTAMP" -> LocalDateTime.ofInstant(
                  Instant.parse(v.toString().replace(" UTC", "Z").replace(' ', 'T')), ZoneOffset.UTC);
              case "INTEGER" -> Long.parseLong(v.toString());
              default -> v.toString();
            });
          }
          put.addBatch();
        }
        put.executeBatch();
      }
    }
    return db;
  }
}
