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
