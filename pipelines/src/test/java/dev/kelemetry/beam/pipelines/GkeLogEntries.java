package dev.kelemetry.beam.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TableSchema;
import dev.kelemetry.beam.schemas.Rows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * GKE Cloud Logging {@code LogEntry} JSON lines for the tests of the GKE sources (files, Pub/Sub, BigQuery): KHI's
 * real entries from ../shared, and the generator's native audit events dressed as GKE writes them. Built here, in the
 * tests, so no data is copied into the project.
 */
final class GkeLogEntries {
  private GkeLogEntries() {}

  private static final YAMLMapper YAML = new YAMLMapper();

  /**
   * KHI's GKE audit entries (a Pod create by the ReplicaSet controller, two status patches by the kubelet) as JSON
   * lines. KHI's authors gave all three the same second; a real log orders them, so they are spaced one second apart
   * from 2024-01-01T01:00:01Z, in file order.
   */
  static List<String> khiAudit(Path real) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      for (JsonNode entry : yamlDocuments(real.resolve("khi/k8s_audit/container_recorder_test_1_" + i + ".yaml"))) {
        ((ObjectNode) entry).put("timestamp", "2024-01-01T01:00:0" + i + "Z");
        lines.add(entry.toString());
      }
    }
    return lines;
  }

  /** KHI's GKE {@code events} entries (a Node's Event, and the exporter's text-only start line) as JSON lines. */
  static List<String> khiEvents(Path real) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String file : List.of("sample.yaml", "cluster-scoped.yaml")) {
      yamlDocuments(real.resolve("khi/k8s_event/" + file)).forEach(e -> lines.add(e.toString()));
    }
    return lines;
  }

  /**
   * The GKE sample of the Pub/Sub and BigQuery tests, in time order: KHI's real audit and events entries, and the
   * generated deployment rollout (seed 3, from 2026-02-01T08:10Z) as audit entries of cluster {@code prod} in project
   * {@code project}. {@code dir} receives the generator's native log.
   */
  static List<String> sample(Path real, Path dir, String project) throws IOException {
    Path rollout = dir.resolve("rollout.log");
    Kelemetry.generate("deployment-rollout", 1, 3, java.time.Instant.parse("2026-02-01T08:10:00Z"), rollout);
    List<String> all = new ArrayList<>(khiAudit(real));
    all.addAll(khiEvents(real));
    all.addAll(fromNativeAudit(Files.readAllLines(rollout), project, "prod"));
    all.sort(java.util.Comparator.comparing(GkeLogEntries::entryTime));
    return List.copyOf(all);
  }

  /** An entry's {@code timestamp}. */
  static java.time.Instant entryTime(String entry) {
    return java.time.Instant.parse(Rows.fromJson(entry, JsonNode.class).path("timestamp").asText());
  }

  private static List<JsonNode> yamlDocuments(Path file) throws IOException {
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(Files.readString(file))) {
      return it.readAll().stream().filter(n -> n != null && n.isObject()).toList();
    }
  }

  /**
   * Native {@code audit.k8s.io/v1} events as the audit LogEntries GKE writes for them: one entry per request (GKE logs
   * no RequestReceived stage), {@code protoPayload} an AuditLog whose {@code methodName}/{@code resourceName} spell
   * the object the GKE way, the HTTP status as a gRPC code, the cluster in {@code resource.labels.cluster_name}.
   */
  static List<String> fromNativeAudit(List<String> nativeLines, String project, String cluster) {
    List<String> entries = new ArrayList<>();
    for (String line : nativeLines) {
      JsonNode event = Rows.fromJson(line, JsonNode.class);
      if (event.path("stage").asText().equals("RequestReceived")) {
        continue;
      }
      entries.add(logEntry(event, project, cluster).toString());
    }
    return entries;
  }

  private static ObjectNode logEntry(JsonNode event, String project, String cluster) {
    JsonNode ref = event.path("objectRef");
    String group = ref.path("apiGroup").asText("").isEmpty() ? "core" : ref.path("apiGroup").asText();
    String version = ref.path("apiVersion").asText("v1");
    String resource = ref.path("resource").asText();
    String subresource = ref.path("subresource").asText("");
    StringBuilder name = new StringBuilder(group).append('/').append(version);
    if (!ref.path("namespace").asText("").isEmpty()) {
      name.append("/namespaces/").append(ref.path("namespace").asText());
    }
    name.append('/').append(resource);
    if (!ref.path("name").asText("").isEmpty()) {
      name.append('/').append(ref.path("name").asText());
      if (!subresource.isEmpty()) {
        name.append('/').append(subresource);
      }
    }
    String auditId = event.path("auditID").asText();
    ObjectNode entry = Rows.fromJson("{}", ObjectNode.class);
    entry.put("insertId", auditId);
    entry.put("logName", "projects/" + project + "/logs/cloudaudit.googleapis.com%2Factivity");
    ObjectNode operation = entry.putObject("operation");
    operation.put("id", auditId);
    operation.put("producer", "k8s.io");
    operation.put("first", true);
    operation.put("last", true);
    ObjectNode proto = entry.putObject("protoPayload");
    proto.put("@type", "type.googleapis.com/google.cloud.audit.AuditLog");
    proto.put("serviceName", "k8s.io");
    proto.put("methodName", "io.k8s." + group + "." + version + "." + resource
        + (subresource.isEmpty() ? "" : "." + subresource) + "." + event.path("verb").asText());
    proto.put("resourceName", name.toString());
    proto.putObject("authenticationInfo").put("principalEmail", event.path("user").path("username").asText());
    ObjectNode metadata = proto.putObject("requestMetadata");
    metadata.put("callerIp", event.path("sourceIPs").path(0).asText());
    metadata.put("callerSuppliedUserAgent", event.path("userAgent").asText());
    ObjectNode status = proto.putObject("status");
    status.put("code", grpcCode(event.path("responseStatus").path("code").asInt(200)));
    if (event.path("responseStatus").hasNonNull("message")) {
      status.put("message", event.path("responseStatus").path("message").asText());
    }
    if (event.hasNonNull("requestObject")) {
      proto.set("request", event.get("requestObject"));
    }
    if (event.hasNonNull("responseObject")) {
      proto.set("response", event.get("responseObject"));
    }
    ObjectNode labels = entry.putObject("resource").put("type", "k8s_cluster").putObject("labels");
    labels.put("project_id", project);
    labels.put("location", "europe-west1");
    labels.put("cluster_name", cluster);
    entry.put("timestamp", event.path("requestReceivedTimestamp").asText());
    entry.put("receiveTimestamp", event.path("stageTimestamp").asText());
    entry.put("severity", "NOTICE");
    return entry;
  }

  /**
   * The row a log sink writes to BigQuery for this entry, by Cloud Logging's rules ("BigQuery schema for logs"): an
   * AuditLog {@code protoPayload} becomes {@code protopayload_auditlog} with {@code request}/{@code response}/
   * {@code metadata} as JSON text in {@code requestJson}/{@code responseJson}/{@code metadataJson}; the field names
   * of a {@code jsonPayload} and of the entry's {@code labels} are lower-cased, characters other than letters, digits
   * and underscores replaced by underscores; timestamps become TIMESTAMPs (text as Beam reads them back); empty
   * objects, which no BigQuery column can hold, are left out.
   */
  static TableRow asBigQueryRow(String entryJson) {
    JsonNode entry = Rows.fromJson(entryJson, JsonNode.class);
    TableRow row = new TableRow();
    for (var field : (Iterable<java.util.Map.Entry<String, JsonNode>>) entry::fields) {
      String name = field.getKey();
      JsonNode value = field.getValue();
      switch (name) {
        case "protoPayload" -> {
          TableRow audit = new TableRow();
          for (var f : (Iterable<java.util.Map.Entry<String, JsonNode>>) value::fields) {
            switch (f.getKey()) {
              case "@type" -> { } // the column's name says it
              case "request", "response", "metadata" -> audit.set(f.getKey() + "Json", f.getValue().toString());
              default -> putColumn(audit, f.getKey(), f.getValue(), false);
            }
          }
          row.set("protopayload_auditlog", audit);
        }
        case "jsonPayload", "labels" -> row.set(name, (TableRow) column(value, true));
        case "timestamp", "receiveTimestamp" -> row.set(name, bigQueryTimestamp(value.asText()));
        default -> putColumn(row, name, value, false);
      }
    }
    return row;
  }

  /** A BigQuery TIMESTAMP as Beam hands it on from an export or a read session: {@code 2024-01-01 01:00:01.5 UTC}. */
  static String bigQueryTimestamp(String rfc3339) {
    return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS 'UTC'")
        .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.parse(rfc3339));
  }

  private static void putColumn(TableRow row, String name, JsonNode value, boolean userFields) {
    Object column = column(value, userFields);
    if (column != null) {
      row.set(userFields ? bigQueryName(name) : name, column);
    }
  }

  private static Object column(JsonNode value, boolean userFields) {
    if (value.isObject()) {
      TableRow record = new TableRow();
      value.fields().forEachRemaining(f -> putColumn(record, f.getKey(), f.getValue(), userFields));
      return record.isEmpty() ? null : record;
    }
    if (value.isArray()) {
      List<Object> list = new ArrayList<>();
      value.forEach(v -> {
        Object c = column(v, userFields);
        if (c != null) {
          list.add(c);
        }
      });
      return list.isEmpty() ? null : list;
    }
    if (value.isNull() || value.isMissingNode()) {
      return null;
    }
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    if (value.isIntegralNumber()) {
      return value.longValue();
    }
    if (value.isNumber()) {
      return value.doubleValue();
    }
    return value.asText();
  }

  /** A user-supplied field name as a BigQuery column: lower case, anything but [a-z0-9_] an underscore. */
  private static String bigQueryName(String name) {
    return name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_").replaceFirst("^_+", "");
  }

  /**
   * The schema of these rows, as a sink grows it from the entries it writes: a RECORD for each object, REPEATED for
   * lists, TIMESTAMP for the entry's times, INTEGER, FLOAT, BOOLEAN or STRING for the rest.
   */
  static TableSchema schemaOf(List<TableRow> rows) {
    java.util.Map<String, TableFieldSchema> fields = new java.util.LinkedHashMap<>();
    rows.forEach(r -> merge(fields, r, true));
    return new TableSchema().setFields(new ArrayList<>(fields.values()));
  }

  private static void merge(java.util.Map<String, TableFieldSchema> fields, java.util.Map<String, Object> record,
      boolean top) {
    for (var e : record.entrySet()) {
      Object value = e.getValue();
      boolean repeated = value instanceof List<?>;
      List<?> values = repeated ? (List<?>) value : List.of(value);
      for (Object v : values) {
        TableFieldSchema field = fields.computeIfAbsent(e.getKey(), k -> new TableFieldSchema().setName(k)
            .setMode(repeated ? "REPEATED" : "NULLABLE")
            .setType(top && (k.equals("timestamp") || k.equals("receiveTimestamp")) ? "TIMESTAMP" : type(v)));
        if (v instanceof java.util.Map<?, ?> map) {
          java.util.Map<String, TableFieldSchema> nested = new java.util.LinkedHashMap<>();
          if (field.getFields() != null) {
            field.getFields().forEach(f -> nested.put(f.getName(), f));
          }
          @SuppressWarnings("unchecked")
          java.util.Map<String, Object> m = (java.util.Map<String, Object>) map;
          merge(nested, m, false);
          field.setFields(new ArrayList<>(nested.values()));
        }
      }
    }
  }

  private static String type(Object v) {
    if (v instanceof java.util.Map<?, ?>) {
      return "RECORD";
    }
    if (v instanceof Boolean) {
      return "BOOLEAN";
    }
    if (v instanceof Long) {
      return "INTEGER";
    }
    if (v instanceof Double) {
      return "FLOAT";
    }
    return "STRING";
  }

  /** The gRPC code GKE logs for an HTTP status (google.rpc's mapping, one code per status). */
  private static int grpcCode(int http) {
    return switch (http) {
      case 200, 201, 202 -> 0;
      case 400, 422 -> 3;
      case 401 -> 16;
      case 403 -> 7;
      case 404 -> 5;
      case 409 -> 6;
      case 429 -> 8;
      case 503 -> 14;
      case 504 -> 4;
      default -> 13;
    };
  }
}
