package dev.kelemetry.beam.pipelines.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.schemas.Rows;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A query's answer, read off the database into plain values: times as {@link Instant}, numbers as {@link Long} or
 * {@link Double}, JSON as its text, the rest as text; and the three ways the command prints it.
 */
public record ResultTable(List<Column> columns, List<List<Object>> rows) {

  /** What a column holds, which decides how it prints and what a chart does with it. */
  public enum Kind { TIME, NUMBER, JSON, TEXT }

  public record Column(String name, Kind kind) {}

  private static final DateTimeFormatter READABLE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  public static ResultTable read(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    List<Column> columns = new ArrayList<>();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      columns.add(new Column(md.getColumnLabel(i), kind(md.getColumnTypeName(i))));
    }
    List<List<Object>> rows = new ArrayList<>();
    while (rs.next()) {
      List<Object> row = new ArrayList<>(columns.size());
      for (int i = 1; i <= columns.size(); i++) {
        row.add(value(rs, i, columns.get(i - 1).kind(), md.getColumnTypeName(i)));
      }
      rows.add(row);
    }
    return new ResultTable(columns, rows);
  }

  private static Kind kind(String duckDbType) {
    String t = duckDbType.toUpperCase(Locale.ROOT);
    if (t.startsWith("TIMESTAMP")) {
      return Kind.TIME;
    }
    if (t.matches("(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT))|FLOAT|DOUBLE|DECIMAL.*")) {
      return Kind.NUMBER;
    }
    return t.equals("JSON") ? Kind.JSON : Kind.TEXT;
  }

  /** Timestamps without a zone are UTC (the rows' times all are): read as a local date-time, never through the JVM's zone. */
  private static Object value(ResultSet rs, int i, Kind kind, String duckDbType) throws SQLException {
    if (rs.getObject(i) == null) {
      return null;
    }
    return switch (kind) {
      case TIME -> duckDbType.toUpperCase(Locale.ROOT).contains("TIME ZONE")
          ? rs.getObject(i, OffsetDateTime.class).toInstant()
          : rs.getObject(i, LocalDateTime.class).toInstant(ZoneOffset.UTC);
      case NUMBER -> number(rs.getObject(i));
      default -> rs.getObject(i).toString();
    };
  }

  private static Object number(Object n) {
    if (n instanceof BigInteger big) {
      return big.bitLength() < 64 ? (Object) big.longValue() : (Object) big.doubleValue();
    }
    if (n instanceof BigDecimal dec) {
      return dec.scale() <= 0 && dec.precision() - dec.scale() < 19 ? (Object) dec.longValueExact() : (Object) dec.doubleValue();
    }
    if (n instanceof Double || n instanceof Float) {
      return ((Number) n).doubleValue();
    }
    return ((Number) n).longValue();
  }

  /** A longer text is cut in the table, so one long value (a list of writers, a raw record) keeps the rest readable. */
  static final int MAX_CELL = 60;

  /**
   * Columns aligned under their names, numbers to the right, times as {@code 2026-01-01 00:01:00} (UTC), texts cut
   * at {@value #MAX_CELL} characters and kept to one line (csv and json keep them whole).
   */
  public String table() {
    List<List<String>> cells = new ArrayList<>();
    for (List<Object> row : rows) {
      List<String> line = new ArrayList<>();
      for (int c = 0; c < columns.size(); c++) {
        String cell = readable(row.get(c));
        line.add(cell.length() > MAX_CELL ? cell.substring(0, MAX_CELL - 3) + "..." : cell);
      }
      cells.add(line);
    }
    int[] width = new int[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      width[c] = columns.get(c).name().length();
      for (List<String> line : cells) {
        width[c] = Math.max(width[c], line.get(c).length());
      }
    }
    StringBuilder out = new StringBuilder();
    List<String> header = columns.stream().map(Column::name).toList();
    appendLine(out, header, width);
    appendLine(out, header.stream().map(h -> "").toList(), width, '-');
    for (List<String> line : cells) {
      appendLine(out, line, width);
    }
    out.append(rows.size()).append(rows.size() == 1 ? " row" : " rows").append('\n');
    return out.toString();
  }

  private void appendLine(StringBuilder out, List<String> line, int[] width) {
    appendLine(out, line, width, ' ');
  }

  private void appendLine(StringBuilder out, List<String> line, int[] width, char pad) {
    StringBuilder text = new StringBuilder();
    for (int c = 0; c < line.size(); c++) {
      String cell = line.get(c);
      String fill = String.valueOf(pad).repeat(width[c] - cell.length());
      if (c > 0) {
        text.append("  ");
      }
      text.append(columns.get(c).kind() == Kind.NUMBER ? fill + cell : cell + fill);
    }
    out.append(text.toString().stripTrailing()).append('\n');
  }

  private static String readable(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Instant t) {
      int micros = t.getNano() / 1000;
      String seconds = READABLE.format(t);
      return micros == 0 ? seconds : micros % 1000 == 0 ? seconds + String.format(".%03d", micros / 1000)
          : seconds + String.format(".%06d", micros);
    }
    if (value instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        return d.toString();
      }
      // three decimals: a latency in ms to the microsecond, a ratio to a tenth of a percent
      return new BigDecimal(d).setScale(3, java.math.RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
    }
    return value.toString().replaceAll("\\R", " ");
  }

  /** RFC 4180 CSV with a header; times as RFC 3339 with microseconds, as in the rows; numbers in full. */
  public String csv() {
    StringBuilder out = new StringBuilder();
    out.append(columns.stream().map(c -> csvCell(c.name())).collect(Collectors.joining(","))).append("\r\n");
    for (List<Object> row : rows) {
      out.append(row.stream().map(v -> v == null ? "" : csvCell(exact(v))).collect(Collectors.joining(","))).append("\r\n");
    }
    return out.toString();
  }

  private static String csvCell(String text) {
    boolean quoted = text.chars().anyMatch(ch -> ch == '"' || ch == ',' || ch == '\r' || ch == '\n');
    return quoted ? '"' + text.replace("\"", "\"\"") + '"' : text;
  }

  private static String exact(Object value) {
    return value instanceof Instant t ? Rows.timestamp(t.getEpochSecond() * 1_000_000L + t.getNano() / 1000) : value.toString();
  }

  /** One JSON object per row and line, like the output's own rows: JSON columns as JSON, times as RFC 3339 text. */
  public String jsonLines() {
    StringBuilder out = new StringBuilder();
    for (List<Object> row : rows) {
      ObjectNode o = Rows.JSON.createObjectNode();
      for (int c = 0; c < columns.size(); c++) {
        Object v = row.get(c);
        String name = columns.get(c).name();
        if (v == null) {
          o.putNull(name);
        } else if (v instanceof Long l) {
          o.put(name, l);
        } else if (v instanceof Double d) {
          o.put(name, d);
        } else if (columns.get(c).kind() == Kind.JSON) {
          try {
            o.set(name, Rows.JSON.readTree((String) v));
          } catch (JsonProcessingException e) {
            o.put(name, (String) v);
          }
        } else {
          o.put(name, exact(v));
        }
      }
      out.append(Rows.toJson(o)).append('\n');
    }
    return out.toString();
  }
}
