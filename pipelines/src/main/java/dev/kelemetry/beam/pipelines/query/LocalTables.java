package dev.kelemetry.beam.pipelines.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.schemas.Rows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An in-memory DuckDB database whose views {@code spans}, {@code links}, {@code dead_letters} and {@code metrics} read
 * an output directory's JSON rows, typed as the BigQuery tables are (the schemas in {@code schemas/}, read here, not
 * restated), so a query sees the same columns and types on both engines.
 */
public final class LocalTables {
  private LocalTables() {}

  /** The tables of an output directory, each in the sub-folder of its name. */
  public static final List<String> TABLES = List.of("spans", "links", "dead_letters", "metrics");

  /**
   * BigQuery functions the library uses that DuckDB lacks or spells differently, as DuckDB macros of the same name
   * and meaning. DuckDB's own {@code json_value} returns JSON ({@code "bob"} with its quotes); BigQuery's returns the
   * string, which the macro, declared after it, stands in for.
   */
  private static final List<String> BIGQUERY_FUNCTIONS = List.of(
      "CREATE MACRO json_value(j, path) AS json_extract_string(j, path)",
      "CREATE MACRO safe_divide(a, b) AS CASE WHEN b = 0 THEN NULL ELSE a / b END",
      "CREATE MACRO unix_seconds(ts) AS CAST(floor(epoch_us(ts) / 1000000) AS BIGINT)",
      "CREATE MACRO unix_micros(ts) AS epoch_us(ts)",
      "CREATE TYPE FLOAT64 AS DOUBLE");

  /** A database with the four views over {@code directory}; the caller closes it. */
  public static Connection open(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new QueryException("no data directory " + directory + " (a backfill's --output, holding "
          + String.join("/, ", TABLES) + "/)");
    }
    try {
      Connection connection = DriverManager.getConnection("jdbc:duckdb:");
      try (Statement s = connection.createStatement()) {
        for (String function : BIGQUERY_FUNCTIONS) {
          s.execute(function);
        }
        for (String table : TABLES) {
          s.execute(viewSql(table, rowFiles(directory.resolve(table))));
        }
      }
      return connection;
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB could not set up the views over " + directory + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every file under {@code folder}, at any depth, whatever its name (a backfill's shards, a stream's per-window
   * files); not hidden ones, which are a writer's files in progress ({@code .temp-beam-...}). None when the folder is
   * absent.
   */
  public static List<Path> rowFiles(Path folder) {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(folder)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> noHiddenPart(folder.relativize(p)))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean noHiddenPart(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return false;
      }
    }
    return true;
  }

  /** The view of one table: its files read with the table's column types, or no rows of those types when there are none. */
  static String viewSql(String table, List<Path> files) {
    Map<String, String> columns = new LinkedHashMap<>();
    for (JsonNode field : schema(table)) {
      columns.put(field.get("name").asText(), duckDbType(field));
    }
    if (files.isEmpty()) {
      String typedNulls = columns.entrySet().stream()
          .map(c -> "CAST(NULL AS " + c.getValue() + ") AS " + c.getKey())
          .collect(Collectors.joining(", "));
      return "CREATE VIEW " + table + " AS SELECT " + typedNulls + " WHERE false";
    }
    String paths = files.stream().map(p -> quote(p.toAbsolutePath().toString())).collect(Collectors.joining(", "));
    String types = columns.entrySet().stream()
        .map(c -> c.getKey() + ": " + quote(c.getValue()))
        .collect(Collectors.joining(", "));
    return "CREATE VIEW " + table + " AS SELECT * FROM read_json([" + paths + "], format = 'newline_delimited', columns = {"
        + types + "})";
  }

  private static JsonNode schema(String table) {
    try {
      return Rows.JSON.readTree(Rows.tableSchema(table));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A BigQuery field's type in DuckDB's words: RECORD is a STRUCT, REPEATED a list, TIMESTAMP and JSON themselves. */
  static String duckDbType(JsonNode field) {
    String type = switch (field.get("type").asText().toUpperCase(Locale.ROOT)) {
      case "STRING" -> "VARCHAR";
      case "INTEGER", "INT64" -> "BIGINT";
      case "FLOAT", "FLOAT64" -> "DOUBLE";
      case "BOOLEAN", "BOOL" -> "BOOLEAN";
      case "TIMESTAMP" -> "TIMESTAMP";
      case "JSON" -> "JSON";
      case "RECORD", "STRUCT" -> {
        List<String> fields = new ArrayList<>();
        for (JsonNode f : field.get("fields")) {
          fields.add('"' + f.get("name").asText() + "\" " + duckDbType(f));
        }
        yield "STRUCT(" + String.join(", ", fields) + ")";
      }
      default -> throw new IllegalArgumentException("no DuckDB type for BigQuery type " + field.get("type")
          + " of field " + field.get("name"));
    };
    return "REPEATED".equalsIgnoreCase(field.path("mode").asText()) ? type + "[]" : type;
  }

  private static String quote(String text) {
    return "'" + text.replace("'", "''") + "'";
  }
}
