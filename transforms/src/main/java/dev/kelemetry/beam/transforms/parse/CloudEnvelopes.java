package dev.kelemetry.beam.transforms.parse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The envelopes managed Kubernetes services wrap audit events and Events in, opened into what {@link RecordParser}
 * reads natively, with the cluster the envelope names:
 * <ul>
 *   <li>GKE: a Cloud Logging {@code LogEntry}. Audit entries ({@code protoPayload} of type AuditLog from
 *       {@code k8s.io}) are rewritten as a native {@code audit.k8s.io/v1} event; {@code events} entries carry the
 *       Kubernetes Event as {@code jsonPayload}. The cluster is {@code resource.labels.cluster_name}.
 *   <li>AKS: Azure diagnostic records ({@code category} {@code kube-audit} or {@code kube-audit-admin}) hold the native
 *       event in {@code properties.log}, as an object or as JSON text; {@code {"records":[...]}} batches them. The
 *       cluster is the last segment of {@code resourceId}.
 *   <li>EKS: CloudWatch Logs subscription exports hold native events as {@code logEvents[].message}; the cluster is in
 *       the log group {@code /aws/eks/<cluster>/cluster}.
 * </ul>
 * Plain Java; what is inside is parsed as any other input, so counters and dead letters work the same.
 */
final class CloudEnvelopes {
  private CloudEnvelopes() {}

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Pattern EKS_LOG_GROUP = Pattern.compile("^/aws/eks/([^/]+)/cluster$");
  private static final Pattern AKS_RESOURCE = Pattern.compile("/managedclusters/([^/]+)$", Pattern.CASE_INSENSITIVE);

  /** Counter names for well-formed envelopes that hold nothing to trace. */
  static final String FILTER_GKE_NOT_KUBERNETES = "gke_log_entry_not_kubernetes_api";
  static final String FILTER_LOG_ENTRY_TEXT = "log_entry_text_payload";
  static final String FILTER_AKS_OTHER_CATEGORY = "aks_record_not_kube_audit";
  static final String FILTER_EKS_CONTROL = "eks_control_message";

  /** What an envelope opened into: native items each with its cluster (empty: the input's), or one outcome. */
  record Opened(List<Item> items, ParseOutcome outcome) {
    static Opened of(ParseOutcome outcome) {
      return new Opened(List.of(), outcome);
    }
  }

  record Item(JsonNode node, String cluster) {}

  static boolean isLogEntry(JsonNode n) {
    return n.has("protoPayload") || (n.has("logName") && (n.has("jsonPayload") || n.has("textPayload")));
  }

  static boolean isAzureRecord(JsonNode n) {
    return (n.has("category") && n.has("properties")) || (n.path("records").isArray() && n.size() == 1);
  }

  static boolean isCloudWatchExport(JsonNode n) {
    return n.has("logEvents") && n.has("messageType");
  }

  static Opened logEntry(JsonNode entry, long line) {
    String cluster = entry.path("resource").path("labels").path("cluster_name").asText("");
    JsonNode proto = entry.path("protoPayload");
    if (proto.isObject()) {
      String method = proto.path("methodName").asText("");
      if (!method.startsWith("io.k8s.")) {
        return Opened.of(new ParseOutcome.Filtered(line, FILTER_GKE_NOT_KUBERNETES));
      }
      return new Opened(List.of(new Item(nativeAuditEvent(entry, proto, method), cluster)), null);
    }
    JsonNode json = entry.path("jsonPayload");
    if (json.isObject()) {
      return new Opened(List.of(new Item(json, cluster)), null);
    }
    return Opened.of(new ParseOutcome.Filtered(line, FILTER_LOG_ENTRY_TEXT));
  }

  /**
   * A GKE audit LogEntry as the native event it was made from. {@code operation.id} is the auditID and
   * {@code operation.first}/{@code last} the stages of a long request; the verb ends {@code methodName}
   * ({@code io.k8s.core.v1.pods.status.patch}); the object is {@code resourceName}
   * ({@code core/v1/namespaces/ns/pods/name/status}); {@code status} is a google.rpc.Status with a gRPC code.
   */
  static ObjectNode nativeAuditEvent(JsonNode entry, JsonNode proto, String method) {
    ObjectNode e = JSON.createObjectNode();
    e.put("apiVersion", "audit.k8s.io/v1");
    e.put("kind", "Event");
    JsonNode request = withoutType(proto.get("request"));
    JsonNode response = withoutType(proto.get("response"));
    e.put("level", request != null || response != null ? "RequestResponse" : "Metadata");
    JsonNode operation = entry.path("operation");
    e.put("auditID", operation.path("id").asText(entry.path("insertId").asText("")));
    e.put("stage", operation.path("last").asBoolean(true) ? "ResponseComplete" : "RequestReceived");
    e.put("verb", method.substring(method.lastIndexOf('.') + 1));
    e.putObject("user").put("username", proto.path("authenticationInfo").path("principalEmail").asText(""));
    JsonNode metadata = proto.path("requestMetadata");
    if (metadata.hasNonNull("callerIp")) {
      e.putArray("sourceIPs").add(metadata.path("callerIp").asText());
    }
    if (metadata.hasNonNull("callerSuppliedUserAgent")) {
      e.put("userAgent", metadata.path("callerSuppliedUserAgent").asText());
    }
    ObjectNode ref = objectRef(proto.path("resourceName").asText(""));
    if (ref != null) {
      e.set("objectRef", ref);
    }
    JsonNode status = proto.path("status");
    ObjectNode responseStatus = e.putObject("responseStatus");
    responseStatus.put("code", httpCode(status.path("code").asInt(0)));
    if (status.hasNonNull("message") && !status.path("message").asText().isEmpty()) {
      responseStatus.put("message", status.path("message").asText());
    }
    String at = entry.path("timestamp").asText("");
    e.put("requestReceivedTimestamp", at);
    e.put("stageTimestamp", at);
    if (request != null) {
      e.set("requestObject", request);
    }
    if (response != null) {
      e.set("responseObject", response);
    }
    return e;
  }

  /**
   * {@code <group>/<version>[/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]}, the core group spelled
   * {@code core}; null when there is no resource (a discovery call).
   */
  static ObjectNode objectRef(String resourceName) {
    String[] s = resourceName.split("/");
    if (s.length < 3) {
      return null;
    }
    ObjectNode ref = JSON.createObjectNode();
    ref.put("apiGroup", s[0].equals("core") ? "" : s[0]);
    ref.put("apiVersion", s[1]);
    int at = 2;
    boolean namespaceSubresource = s.length == 5 && (s[4].equals("status") || s[4].equals("finalize"));
    if (s[2].equals("namespaces") && s.length >= 5 && !namespaceSubresource) {
      ref.put("namespace", s[3]);
      at = 4;
    }
    ref.put("resource", s[at]);
    if (s.length > at + 1) {
      ref.put("name", s[at + 1]);
    }
    if (s.length > at + 2) {
      ref.put("subresource", s[at + 2]);
    }
    return ref;
  }

  /** google.rpc.Code to the HTTP status the API server answered with (the mapping of google.rpc's own docs). */
  static int httpCode(int grpc) {
    return switch (grpc) {
      case 0 -> 200;
      case 1 -> 499;
      case 3, 9, 11 -> 400;
      case 4 -> 504;
      case 5 -> 404;
      case 6, 10 -> 409;
      case 7 -> 403;
      case 8 -> 429;
      case 12 -> 501;
      case 14 -> 503;
      case 16 -> 401;
      default -> 500;
    };
  }

  private static JsonNode withoutType(JsonNode body) {
    if (body == null || body.isNull() || body.isMissingNode()) {
      return null;
    }
    if (body instanceof ObjectNode o && o.has("@type")) {
      ObjectNode copy = o.deepCopy();
      copy.remove("@type");
      return copy;
    }
    return body;
  }

  static Opened azure(JsonNode record, long line) {
    if (record.path("records").isArray()) {
      List<Item> items = new ArrayList<>();
      for (JsonNode r : record.path("records")) {
        items.add(new Item(r, ""));
      }
      return new Opened(items, null);
    }
    String category = record.path("category").asText("").toLowerCase(Locale.ROOT);
    if (!category.equals("kube-audit") && !category.equals("kube-audit-admin")) {
      return Opened.of(new ParseOutcome.Filtered(line, FILTER_AKS_OTHER_CATEGORY));
    }
    Matcher m = AKS_RESOURCE.matcher(record.path("resourceId").asText(""));
    String cluster = m.find() ? m.group(1).toLowerCase(Locale.ROOT) : "";
    JsonNode log = record.path("properties").path("log");
    return new Opened(List.of(new Item(log.isTextual() ? readOrKeep(log.asText()) : log, cluster)), null);
  }

  /** JSON text held in a string field, parsed; left as text (a dead letter later) when it is not JSON. */
  private static JsonNode readOrKeep(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return JSON.getNodeFactory().textNode(text);
    }
  }

  static Opened cloudWatch(JsonNode export, long line) {
    if (!export.path("messageType").asText("").equals("DATA_MESSAGE")) {
      return Opened.of(new ParseOutcome.Filtered(line, FILTER_EKS_CONTROL));
    }
    Matcher m = EKS_LOG_GROUP.matcher(export.path("logGroup").asText(""));
    String cluster = m.find() ? m.group(1) : "";
    List<Item> items = new ArrayList<>();
    for (JsonNode event : export.path("logEvents")) {
      items.add(new Item(readOrKeep(event.path("message").asText("")), cluster));
    }
    return new Opened(items, null);
  }
}
