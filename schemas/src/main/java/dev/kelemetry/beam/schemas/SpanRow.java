package dev.kelemetry.beam.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * One span as stored: a row of the local {@code spans/} files and of the BigQuery {@code spans} table (same field
 * names; schemas/bigquery/spans.json is the schema). Times are RFC 3339 UTC strings with microseconds, which both
 * BigQuery and DuckDB read as TIMESTAMP.
 *
 * @param kind {@code object}, {@code audit}, {@code event} or {@code state} (an object version seen by a watch or a dump)
 * @param parentSpanId empty for the root span of a trace
 * @param attributes flat key/value attributes (strings, numbers, booleans, lists of strings)
 * @param events span events: diffs, snapshots, errors, notes
 */
@JsonPropertyOrder({
  "trace_id", "span_id", "parent_span_id", "kind", "name", "start_time", "end_time", "status",
  "cluster", "api_group", "resource", "namespace", "object_name", "uid", "window_start", "attributes", "events"
})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record SpanRow(
    @JsonProperty("trace_id") String traceId,
    @JsonProperty("span_id") String spanId,
    @JsonProperty("parent_span_id") String parentSpanId,
    @JsonProperty("kind") String kind,
    @JsonProperty("name") String name,
    @JsonProperty("start_time") String startTime,
    @JsonProperty("end_time") String endTime,
    @JsonProperty("status") String status,
    @JsonProperty("cluster") String cluster,
    @JsonProperty("api_group") String apiGroup,
    @JsonProperty("resource") String resource,
    @JsonProperty("namespace") String namespace,
    @JsonProperty("object_name") String objectName,
    @JsonProperty("uid") String uid,
    @JsonProperty("window_start") String windowStart,
    @JsonProperty("attributes") Map<String, Object> attributes,
    @JsonProperty("events") List<SpanEvent> events)
    implements Serializable {

  public static final String KIND_OBJECT = "object";
  public static final String KIND_AUDIT = "audit";
  public static final String KIND_EVENT = "event";
  public static final String KIND_STATE = "state";

  public static final String STATUS_OK = "ok";
  public static final String STATUS_ERROR = "error";
  public static final String STATUS_UNSET = "unset";
}
