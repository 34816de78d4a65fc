package dev.kelemetry.beam.schemas;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * How rows become text and back: newline-delimited JSON with sorted map keys, so the same rows always give the same
 * bytes, and the table schemas shipped as resources.
 */
public final class Rows {
  private Rows() {}

  public static final ObjectMapper JSON =
      JsonMapper.builder().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true).build();

  private static final DateTimeFormatter RFC3339_MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  public static String toJson(Object row) {
    try {
      return JSON.writeValueAsString(row);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("row cannot be written as JSON: " + row, e);
    }
  }

  public static <T> T fromJson(String json, Class<T> type) {
    try {
      return JSON.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a " + type.getSimpleName() + " row: " + json, e);
    }
  }

  /** Epoch microseconds as the RFC 3339 text every row uses. */
  public static String timestamp(long epochMicros) {
    Instant instant = Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L), Math.floorMod(epochMicros, 1_000_000L) * 1000L);
    return RFC3339_MICROS.format(instant);
  }

  /** The BigQuery schema (a JSON array of fields) of one table, e.g. {@code spans}. */
  public static String tableSchema(String table) {
    String path = "/bigquery/" + table + ".json";
    try (InputStream in = Rows.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no schema for table " + table + " at " + path);
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
