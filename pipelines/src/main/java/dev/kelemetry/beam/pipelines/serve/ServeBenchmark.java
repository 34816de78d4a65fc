package dev.kelemetry.beam.pipelines.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.spans.SpanIds;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How long {@code GET /api/traces/{id}} takes on one big root: a Deployment with many ReplicaSets and Pods, each Pod
 * with several audited writes carrying a diff, over two trace windows. The rows are built here rather than generated
 * and backfilled: the generator's scale multiplies deployments as well, and one root with 10,000 spans would take a
 * log of gigabytes. Not a test: it prints numbers and asserts nothing.
 *
 * <pre>KELEMETRY_MAIN=dev.kelemetry.beam.pipelines.serve.ServeBenchmark ./kelemetry [replicaSets podsPerReplicaSet writesPerPod windows]</pre>
 */
public final class ServeBenchmark {
  private ServeBenchmark() {}

  private static final String CLUSTER = "bench";
  private static final long WINDOW_MICROS = 30 * 60 * 1_000_000L;
  private static final long START_MICROS = 1_772_359_200_000_000L; // 2026-03-01T10:00:00Z

  public static void main(String[] args) throws Exception {
    int replicaSets = args.length > 0 ? Integer.parseInt(args[0]) : 25;
    int podsPerReplicaSet = args.length > 1 ? Integer.parseInt(args[1]) : 25;
    int writesPerPod = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int windows = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    List<SpanRow> rows = rows(replicaSets, podsPerReplicaSet, writesPerPod, windows);
    SpanStore store = new SpanStore(rows);
    System.out.printf("%,d span rows: 1 Deployment, %d ReplicaSets x %d Pods, %d writes per Pod, over %d windows%n",
        rows.size(), replicaSets, podsPerReplicaSet, writesPerPod, windows);
    HttpClient http = HttpClient.newHttpClient();
    try (JaegerServer server = JaegerServer.start(LocalSpans.fixed(store), "127.0.0.1", 0)) {
      for (String service : List.of("tree [full tree]", "tracing [full tree]")) {
        URI search = server.uri().resolve("/api/traces?service=" + URLEncoder.encode(service, StandardCharsets.UTF_8)
            + "&operation=" + CLUSTER + "&tags="
            + URLEncoder.encode("{\"resource\":\"deployments\",\"name\":\"big\"}", StandardCharsets.UTF_8));
        long searchStart = System.nanoTime();
        JsonNode found = Rows.JSON.readTree(get(http, search)).get("data").get(0);
        double searchMs = (System.nanoTime() - searchStart) / 1e6;
        URI byId = server.uri().resolve("/api/traces/" + found.get("traceID").asText());
        int logs = 0;
        for (JsonNode span : found.get("spans")) {
          logs += span.get("logs").size();
        }
        for (int i = 0; i < 5; i++) {
          get(http, byId); // warm-up: JIT, connection
        }
        double[] ms = new double[20];
        int bytes = 0;
        for (int i = 0; i < ms.length; i++) {
          long t = System.nanoTime();
          bytes = get(http, byId).length();
          ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        // the same answer without HTTP: building the trace, then writing its JSON
        String id = found.get("traceID").asText();
        TraceIds.Merged merged = TraceIds.decode(id).orElseThrow();
        double[] buildMs = new double[20];
        double[] writeMs = new double[20];
        for (int i = 0; i < buildMs.length; i++) {
          long t = System.nanoTime();
          JsonNode trace = TraceAssembler.merged(store, id, merged).orElseThrow();
          buildMs[i] = (System.nanoTime() - t) / 1e6;
          t = System.nanoTime();
          Rows.JSON.writeValueAsBytes(trace);
          writeMs[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(buildMs);
        Arrays.sort(writeMs);
        System.out.printf("%-20s %,6d spans %,6d logs %,11d chars: /api/traces/{id} median %.1f ms, max %.1f ms"
            + " (20 runs after 5 warm-up); first search %.1f ms%n", service, found.get("spans").size(), logs, bytes,
            ms[ms.length / 2], ms[ms.length - 1], searchMs);
        System.out.printf("%-20s in-process: build median %.1f ms, JSON median %.1f ms%n", "", buildMs[10], writeMs[10]);
      }
    }
  }

  private static String get(HttpClient http, URI uri) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(uri + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  /** The span rows of one Deployment's rollout as a backfill would write them, window after window. */
  static List<SpanRow> rows(int replicaSets, int podsPerReplicaSet, int writesPerPod, int windows) {
    List<SpanRow> rows = new ArrayList<>();
    for (int w = 0; w < windows; w++) {
      long window = START_MICROS + w * WINDOW_MICROS;
      String traceId = SpanIds.traceId(CLUSTER, "uid-deployment", window);
      String deployment = object(rows, traceId, window, "", "apps", "deployments", "big", "uid-deployment");
      writes(rows, traceId, window, deployment, "deployments", "big", 3);
      for (int r = 0; r < replicaSets; r++) {
        String rsName = "big-" + r;
        String rs = object(rows, traceId, window, deployment, "apps", "replicasets", rsName, "uid-rs-" + r);
        writes(rows, traceId, window, rs, "replicasets", rsName, 3);
        for (int p = 0; p < podsPerReplicaSet; p++) {
          String podName = rsName + "-" + p;
          String pod = object(rows, traceId, window, rs, "", "pods", podName, "uid-pod-" + r + "-" + p);
          writes(rows, traceId, window, pod, "pods", podName, writesPerPod);
        }
      }
    }
    return rows;
  }

  private static String object(List<SpanRow> rows, String traceId, long window, String parent, String group,
      String resource, String name, String uid) {
    String spanId = SpanIds.objectSpanId(CLUSTER, uid, window);
    rows.add(new SpanRow(traceId, spanId, parent, SpanRow.KIND_OBJECT, resource + "/" + name, Rows.timestamp(window),
        Rows.timestamp(window + WINDOW_MICROS), SpanRow.STATUS_UNSET, CLUSTER, group, resource, "default", name, uid,
        Rows.timestamp(window), attributes(resource, name, uid), List.of()));
    return spanId;
  }

  /** Audited updates of one object, a second apart, each with a two-line diff: what a controller's status writes look like. */
  private static void writes(List<SpanRow> rows, String traceId, long window, String objectSpanId, String resource,
      String name, int count) {
    for (int i = 0; i < count; i++) {
      long start = window + (i + 1) * 1_000_000L;
      String auditId = traceId + "-" + resource + "-" + name + "-" + i;
      Map<String, Object> attributes = attributes(resource, name, "");
      attributes.put("k8s.audit.id", auditId);
      attributes.put("k8s.audit.verb", "update");
      attributes.put("k8s.audit.user", "system:serviceaccount:kube-system:controller");
      attributes.put("k8s.audit.response_code", 200);
      SpanEvent diff = new SpanEvent(Rows.timestamp(start + 5_000), SpanEvent.DIFF, Map.of("diff",
          List.of("status.observedGeneration " + i + " -> " + (i + 1), "status.replicas " + i + " -> " + (i + 1))));
      rows.add(new SpanRow(traceId, SpanIds.auditSpanId(CLUSTER, auditId), objectSpanId, SpanRow.KIND_AUDIT,
          "system:serviceaccount:kube-system:controller update status", Rows.timestamp(start),
          Rows.timestamp(start + 5_000), SpanRow.STATUS_OK, CLUSTER, "", resource, "default", name, "",
          Rows.timestamp(window), attributes, List.of(diff)));
    }
  }

  private static Map<String, Object> attributes(String resource, String name, String uid) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("k8s.cluster.name", CLUSTER);
    attributes.put("k8s.namespace.name", "default");
    attributes.put("kelemetry.object.resource", resource);
    attributes.put("kelemetry.object.name", name);
    if (!uid.isEmpty()) {
      attributes.put("kelemetry.object.uid", uid);
    }
    return attributes;
  }
}
