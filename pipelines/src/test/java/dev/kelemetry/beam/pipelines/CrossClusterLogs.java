package dev.kelemetry.beam.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.pipelines.generate.WorkloadGenerator;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.spans.SpanIds;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Logs of two clusters where one object of the member cluster names a parent in the hub cluster with the
 * {@code kelemetry.kubewharf.io/parent-link} annotation, as a federation controller would write it: the generated
 * rollout for the member, every Deployment body annotated, and one create of the parent object in the hub.
 */
final class CrossClusterLogs {
  static final String HUB = "hub";
  static final String MEMBER = "member";
  static final String PARENT_UID = "5d0c6a52-7b1e-4a8e-9d53-fed000000001";
  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private CrossClusterLogs() {}

  /** The generated rollout of the member cluster, JSON lines, with or without the parent-link annotation. */
  static List<String> memberLog(boolean annotated) throws IOException {
    StringWriter text = new StringWriter();
    WorkloadGenerator.generate("deployment-rollout", 1, 1, START, text);
    List<String> lines = new ArrayList<>();
    for (String line : text.toString().split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      ObjectNode event = (ObjectNode) Rows.JSON.readTree(line);
      if (annotated) {
        annotate(event.path("requestObject"));
        annotate(event.path("responseObject"));
      }
      lines.add(event.toString());
    }
    return lines;
  }

  private static void annotate(JsonNode body) {
    if (body.isObject() && "Deployment".equals(body.path("kind").asText())) {
      ((ObjectNode) body).with("metadata").with("annotations").put("kelemetry.kubewharf.io/parent-link",
          "{\"cluster\":\"" + HUB + "\",\"group\":\"types.kubefed.io\",\"version\":\"v1beta1\","
              + "\"resource\":\"federateddeployments\",\"namespace\":\"default\",\"name\":\"demo\",\"uid\":\"" + PARENT_UID + "\"}");
    }
  }

  /** The hub's log: the create of the FederatedDeployment, a second before the member's first request. */
  static List<String> hubLog() {
    String created = "2025-12-31T23:59:59.000000Z";
    String object = "{\"apiVersion\":\"types.kubefed.io/v1beta1\",\"kind\":\"FederatedDeployment\",\"metadata\":{"
        + "\"name\":\"demo\",\"namespace\":\"default\",\"uid\":\"" + PARENT_UID + "\",\"resourceVersion\":\"100\"},"
        + "\"spec\":{\"placement\":{\"clusters\":[{\"name\":\"" + MEMBER + "\"}]}}}";
    return List.of("{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"RequestResponse\","
        + "\"auditID\":\"hub-create-1\",\"stage\":\"ResponseComplete\",\"verb\":\"create\","
        + "\"requestURI\":\"/apis/types.kubefed.io/v1beta1/namespaces/default/federateddeployments\","
        + "\"user\":{\"username\":\"alice\"},\"objectRef\":{\"resource\":\"federateddeployments\",\"namespace\":\"default\","
        + "\"name\":\"demo\",\"apiGroup\":\"types.kubefed.io\",\"apiVersion\":\"v1beta1\"},\"responseStatus\":{\"code\":201},"
        + "\"requestObject\":" + object + ",\"responseObject\":" + object + ","
        + "\"requestReceivedTimestamp\":\"" + created + "\",\"stageTimestamp\":\"" + created + "\"}");
  }

  /**
   * Checks what the annotation must do, against a run of the same member log without it: every member span that
   * was in a trace rooted at the Deployment is now in the hub object's trace of its window, nothing else moved, no
   * span was lost, and the Deployment's object span hangs under the hub object's span. Returns the spans checked.
   */
  static int assertMemberTreeUnderHubParent(List<SpanRow> plain, List<SpanRow> linked) {
    Map<String, SpanRow> before = plain.stream().collect(Collectors.toMap(SpanRow::spanId, Function.identity()));
    Map<String, SpanRow> after = linked.stream().filter(s -> s.cluster().equals(MEMBER))
        .collect(Collectors.toMap(SpanRow::spanId, Function.identity()));
    check(after.keySet().equals(before.keySet()), "the same member spans with and without the annotation");
    List<SpanRow> deployments = plain.stream()
        // with a uid: a get before the create is about a name, not yet the object that carries the annotation
        .filter(s -> s.kind().equals(SpanRow.KIND_OBJECT) && s.resource().equals("deployments") && !s.uid().isEmpty())
        .toList();
    check(!deployments.isEmpty(), "the member log has Deployment object spans");
    Map<String, String> deploymentTraces = deployments.stream()
        .collect(Collectors.toMap(SpanRow::traceId, SpanRow::windowStart, (a, b) -> a));
    int moved = 0;
    for (SpanRow s : before.values()) {
      SpanRow now = after.get(s.spanId());
      String window = deploymentTraces.get(s.traceId());
      if (window == null) {
        check(now.traceId().equals(s.traceId()), "a span outside the Deployment's trees keeps its trace: " + s.name());
        continue;
      }
      String hubTrace = SpanIds.traceId(HUB, PARENT_UID, micros(window));
      check(now.traceId().equals(hubTrace), "span " + s.name() + " of window " + window + " is in the hub's trace");
      moved++;
    }
    for (SpanRow d : deployments) {
      SpanRow now = after.get(d.spanId());
      check(now.parentSpanId().equals(SpanIds.objectSpanId(HUB, PARENT_UID, micros(d.windowStart()))),
          "the Deployment's object span hangs under the hub object's span in " + d.windowStart());
      SpanRow parent = linked.stream().filter(s -> s.spanId().equals(now.parentSpanId())).findFirst().orElse(null);
      check(parent != null && parent.cluster().equals(HUB) && parent.traceId().equals(now.traceId()),
          "the hub object's span is in the output, in the hub cluster and the same trace");
    }
    return moved;
  }

  static long micros(String timestamp) {
    Instant t = Instant.parse(timestamp);
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }

  static void write(Path file, List<String> lines) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, lines);
  }
}
