package dev.kelemetry.beam.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
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
