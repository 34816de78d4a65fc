package dev.kelemetry.beam.io.bigquery;

import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TableSchema;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * Rows as BigQuery takes them, field for field the local output's (the names and types of {@code schemas/}); the
 * table schemas are read from the same JSON files, the one definition of every table.
 */
public final class TableRows {
  private TableRows() {}

  /** The table's schema from {@code schemas/src/main/resources/bigquery/<table>.json}. */
  public static TableSchema schema(String table) {
    try {
      List<TableFieldSchema> fields = Rows.JSON.readValue(Rows.tableSchema(table), new TypeReference<List<Map<String, Object>>>() {})
          .stream().map(TableRows::field).toList();
      return new TableSchema().setFields(fields);
    } catch (IOException e) {
      throw new UncheckedIOException("the schema of table " + table + " is not valid JSON", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static TableFieldSchema field(Map<String, Object> f) {
    TableFieldSchema field = new TableFieldSchema().setName((String) f.get("name")).setType((String) f.get("type"))
        .setMode((String) f.getOrDefault("mode", "NULLABLE")).setDescription((String) f.get("description"));
    if (f.get("fields") instanceof List<?> nested) {
      field.setFields(nested.stream().map(n -> field((Map<String, Object>) n)).toList());
    }
    return field;
  }

  public static TableRow span(SpanRow s) {
    List<TableRow> events = new ArrayList<>();
    for (SpanEvent e : s.events() == null ? List.<SpanEvent>of() : s.events()) {
      events.add(new TableRow().set("time", e.time()).set("name", e.name()).set("attributes", json(e.attributes())));
    }
    return new TableRow()
        .set("trace_id", s.traceId()).set("span_id", s.spanId()).set("parent_span_id", s.parentSpanId())
        .set("kind", s.kind()).set("name", s.name()).set("start_time", s.startTime()).set("end_time", s.endTime())
        .set("status", s.status()).set("cluster", s.cluster()).set("api_group", s.apiGroup())
        .set("resource", s.resource()).set("namespace", s.namespace()).set("object_name", s.objectName())
        .set("uid", s.uid()).set("window_start", s.windowStart()).set("attributes", json(s.attributes()))
        .set("events", events);
  }

  /**
   * A span row back from the Avro the Storage Read API sends (the inverse of {@link #span(SpanRow)}): TIMESTAMP columns
   * arrive as epoch microseconds and become the rows' own RFC 3339 text, JSON columns arrive as text. Columns a read
   * left out are null.
   */
  public static SpanRow span(GenericRecord r) {
    List<SpanEvent> events = new ArrayList<>();
    if (field(r, "events") instanceof List<?> list) {
      for (Object o : list) {
        GenericRecord e = (GenericRecord) o;
        events.add(new SpanEvent(time(field(e, "time")), text(field(e, "name")), map(field(e, "attributes"))));
      }
    }
    String parent = text(field(r, "parent_span_id"));
    return new SpanRow(text(field(r, "trace_id")), text(field(r, "span_id")), parent == null ? "" : parent,
        text(field(r, "kind")), text(field(r, "name")), time(field(r, "start_time")), time(field(r, "end_time")),
        text(field(r, "status")), text(field(r, "cluster")), text(field(r, "api_group")), text(field(r, "resource")),
        text(field(r, "namespace")), text(field(r, "object_name")), text(field(r, "uid")), time(field(r, "window_start")),
        map(field(r, "attributes")), events);
  }

  /** A column's value; null for a column the read did not select. */
  private static Object field(GenericRecord r, String name) {
    return r.hasField(name) ? r.get(name) : null;
  }

  private static String text(Object avro) {
    return avro == null ? null : avro.toString(); // Avro strings are Utf8 unless told otherwise
  }

  private static String time(Object avro) {
    return avro == null ? null : Rows.timestamp((Long) avro);
  }

  private static Map<String, Object> map(Object json) {
    if (json == null) {
      return null;
    }
    try {
      return Rows.JSON.readValue(json.toString(), new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException("a JSON column holds no JSON object: " + json, e);
    }
  }

  public static TableRow link(LinkRow l) {
    return new TableRow().set("window_start", l.windowStart()).set("cluster", l.cluster()).set("api_group", l.apiGroup())
        .set("resource", l.resource()).set("namespace", l.namespace()).set("object_name", l.objectName())
        .set("uid", l.uid()).set("role", l.role()).set("linker", l.linker()).set("target", l.target())
        .set("target_cluster", l.targetCluster()).set("target_uid", l.targetUid()).set("first_seen", l.firstSeen())
        .set("last_seen", l.lastSeen());
  }

  public static TableRow deadLetter(DeadLetterRow d) {
    return new TableRow().set("source", d.source()).set("line", d.line()).set("step", d.step())
        .set("reason", d.reason()).set("raw", d.raw()).set("raw_length", d.rawLength());
  }

  public static TableRow metric(MetricRow m) {
    TableRow row = new TableRow().set("metric", m.metric()).set("window_start", m.windowStart())
        .set("window_end", m.windowEnd()).set("dimensions", Rows.toJson(m.dimensions())).set("count", m.count())
        .set("error_count", m.errorCount());
    if (m.latencyMs() != null) {
      row.set("latency_ms", distribution(m.latencyMs()));
    }
    if (m.timeoutRatio() != null) {
      row.set("timeout_ratio", distribution(m.timeoutRatio()));
    }
    if (m.bytes() != null) {
      row.set("bytes", m.bytes());
    }
    return row;
  }

  private static TableRow distribution(MetricRow.Distribution d) {
    List<TableRow> buckets = d.buckets().stream()
        .map(b -> new TableRow().set("value", b.value()).set("count", b.count())).toList();
    return new TableRow().set("count", d.count()).set("sum", d.sum()).set("min", d.min()).set("max", d.max())
        .set("p50", d.p50()).set("p90", d.p90()).set("p99", d.p99()).set("relative_accuracy", d.relativeAccuracy())
        .set("buckets", buckets);
  }

  /** A JSON column takes the JSON text. */
  private static String json(Map<String, Object> map) {
    return map == null ? null : Rows.toJson(map);
  }
}
