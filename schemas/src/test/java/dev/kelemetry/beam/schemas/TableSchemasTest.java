package dev.kelemetry.beam.schemas;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/** The JSON schemas are the contract of the tables; the Java rows must write exactly their fields, in order. */
public class TableSchemasTest {

  @Test
  public void spanRowWritesTheFieldsOfTheSpansTable() throws Exception {
    assertThat(jsonNames(SpanRow.class), equalTo(schemaNames("spans")));
  }

  @Test
  public void spanEventWritesTheFieldsOfTheNestedEventsRecord() throws Exception {
    JsonNode events = null;
    for (JsonNode f : Rows.JSON.readTree(Rows.tableSchema("spans"))) {
      if (f.get("name").asText().equals("events")) {
        events = f;
      }
    }
    List<String> nested = new ArrayList<>();
    events.get("fields").forEach(f -> nested.add(f.get("name").asText()));
    assertThat(jsonNames(SpanEvent.class), equalTo(nested));
  }

  @Test
  public void deadLetterRowWritesTheFieldsOfTheDeadLettersTable() throws Exception {
    assertThat(jsonNames(DeadLetterRow.class), equalTo(schemaNames("dead_letters")));
  }

  @Test
  public void linkRowWritesTheFieldsOfTheLinksTable() throws Exception {
    assertThat(jsonNames(LinkRow.class), equalTo(schemaNames("links")));
  }

  @Test
  public void metricRowWritesTheFieldsOfTheMetricsTable() throws Exception {
    assertThat(jsonNames(MetricRow.class), equalTo(schemaNames("metrics")));
    for (String distribution : List.of("latency_ms", "timeout_ratio")) {
      JsonNode fields = field("metrics", distribution).get("fields");
      assertThat(distribution, jsonNames(MetricRow.Distribution.class), equalTo(names(fields)));
      for (JsonNode f : fields) {
        if (f.get("name").asText().equals("buckets")) {
          assertThat(jsonNames(MetricRow.Bucket.class), equalTo(names(f.get("fields"))));
        }
      }
    }
  }

  @Test
  public void metricRowsKeepTheirEmptyMeasuresAsNulls() {
    MetricRow row = new MetricRow("requests", "w0", "w1", new java.util.TreeMap<>(java.util.Map.of("verb", "get")), 3, 1,
        null, null, null);
    String json = Rows.toJson(row);
    assertThat(json, equalTo("{\"metric\":\"requests\",\"window_start\":\"w0\",\"window_end\":\"w1\","
        + "\"dimensions\":{\"verb\":\"get\"},\"count\":3,\"error_count\":1,\"latency_ms\":null,"
        + "\"timeout_ratio\":null,\"bytes\":null}"));
    assertThat(Rows.fromJson(json, MetricRow.class), equalTo(row));
  }

  @Test
  public void rowsSerializeInSchemaOrderWithSortedAttributes() {
    SpanRow row = new SpanRow("t", "s", "", "object", "pods/a", "x", "y", "unset", "c", "", "pods", "ns", "a", "u", "w",
        new java.util.HashMap<>(java.util.Map.of("b", 1, "a", 2)), List.of());
    String json = Rows.toJson(row);
    assertThat(List.of(json.indexOf("\"trace_id\"") < json.indexOf("\"span_id\""),
        json.indexOf("\"a\":2") < json.indexOf("\"b\":1")), contains(true, true));
    assertThat(Rows.fromJson(json, SpanRow.class), equalTo(row));
  }

  @Test
  public void timestampsAreRfc3339WithMicroseconds() {
    assertThat(Rows.timestamp(1_700_000_000_123_456L), equalTo("2023-11-14T22:13:20.123456Z"));
  }

  private static List<String> jsonNames(Class<? extends Record> type) {
    List<String> names = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      names.add(c.getAccessor().getAnnotation(JsonProperty.class).value());
    }
    return names;
  }

  private static JsonNode field(String table, String name) throws Exception {
    for (JsonNode f : Rows.JSON.readTree(Rows.tableSchema(table))) {
      if (f.get("name").asText().equals(name)) {
        return f;
      }
    }
    throw new AssertionError("no field " + name + " in " + table);
  }

  private static List<String> names(JsonNode fields) {
    List<String> names = new ArrayList<>();
    fields.forEach(f -> names.add(f.get("name").asText()));
    return names;
  }

  private static List<String> schemaNames(String table) throws Exception {
    List<String> names = new ArrayList<>();
    for (JsonNode f : Rows.JSON.readTree(Rows.tableSchema(table))) {
      names.add(f.get("name").asText());
    }
    return names;
  }
}
