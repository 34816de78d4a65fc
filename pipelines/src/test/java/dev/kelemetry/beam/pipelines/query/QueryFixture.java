package dev.kelemetry.beam.pipelines.query;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An output directory made up for the query tests: random requests, reactions, audit spans, dead letters and links,
 * kept here as plain samples (what the tests compute their expectations from) and written as the pipeline writes
 * them (metric rows aggregated per one-minute window and dimensions, with DDSketch bins at relative accuracy 0.01).
 */
final class QueryFixture {
  static final double RELATIVE_ACCURACY = 0.01;
  static final long START_MICROS = 1_767_225_600_000_000L; // 2026-01-01T00:00:00Z
  static final long MINUTE_MICROS = 60_000_000L;
  static final int WINDOWS = 5;

  static final List<String> USERS = List.of("alice", "bob", "system:serviceaccount:kube-system:replicaset-controller",
      "system:kube-scheduler", "ci-bot");
  static final List<String> AGENTS = List.of("kubectl/v1.31.0", "kube-controller-manager/v1.31.0", "helm/3.16", "argocd/2.13");
  static final List<String> VERBS = List.of("get", "list", "patch", "create", "delete");
  static final List<String> RESOURCES = List.of("pods", "deployments", "configmaps");
  static final List<String> CODES = List.of("200", "200", "200", "200", "201", "404", "409", "429", "500");
  static final List<String> CLUSTERS = List.of("prod", "staging");
  static final List<String> REACTIONS = List.of("reaction.deployment_to_replicaset", "reaction.replicaset_to_pods",
      "reaction.pod_scheduling", "reaction.pod_deletion");
  /** Who reacts in each reaction metric; pod deletions have two controllers, so a metric has several lines. */
  static final Map<String, List<String>> CONTROLLERS = Map.of(
      "reaction.deployment_to_replicaset", List.of("deployment-controller"),
      "reaction.replicaset_to_pods", List.of("replicaset-controller"),
      "reaction.pod_scheduling", List.of("default-scheduler"),
      "reaction.pod_deletion", List.of("replicaset-controller", "statefulset-controller"));

  /** One audited request as the metrics see it. */
  record Request(String cluster, String user, String agent, String verb, String resource, String namespace, String code,
      long timeMicros, double latencyMs) {
    boolean failed() {
      return Integer.parseInt(code) >= 400;
    }

    long windowStart() {
      return windowOf(timeMicros);
    }
  }

  /** One controller reaction: the time from a change to the controller's answer to it. */
  record Reaction(String metric, String cluster, String namespace, String controller, long timeMicros, double latencyMs) {}

  final List<Request> requests = new ArrayList<>();
  final List<Reaction> reactions = new ArrayList<>();
  final List<SpanRow> spans = new ArrayList<>();
  final List<DeadLetterRow> deadLetters = new ArrayList<>();
  final List<LinkRow> links = new ArrayList<>();

  static long windowOf(long micros) {
    return Math.floorDiv(micros, MINUTE_MICROS) * MINUTE_MICROS;
  }

  static QueryFixture random(long seed) {
    Random random = new Random(seed);
    QueryFixture f = new QueryFixture();
    for (int i = 0; i < 3000; i++) {
      long time = START_MICROS + (long) (random.nextDouble() * WINDOWS * MINUTE_MICROS);
      String verb = pick(random, VERBS);
      // list calls are slower and spread wider, so the verbs' percentiles differ
      double latency = Math.exp(random.nextGaussian() * (verb.equals("list") ? 1.2 : 0.6) + (verb.equals("list") ? 4 : 2));
      // bob is throttled far more than the others, so the throttled ranking has a clear top
      String user = random.nextInt(4) == 0 ? "bob" : pick(random, USERS);
      String code = user.equals("bob") && random.nextInt(3) == 0 ? "429" : pick(random, CODES);
      f.requests.add(new Request(pick(random, CLUSTERS), user, pick(random, AGENTS), verb, pick(random, RESOURCES),
          pick(random, List.of("default", "kube-system")), code, time, latency));
    }
    for (int i = 0; i < 600; i++) {
      long time = START_MICROS + (long) (random.nextDouble() * WINDOWS * MINUTE_MICROS);
      String metric = pick(random, REACTIONS);
      String controller = pick(random, CONTROLLERS.get(metric));
      f.reactions.add(new Reaction(metric, pick(random, CLUSTERS), "default", controller, time,
          Math.exp(random.nextGaussian() + 5)));
    }
    f.addSpans(random);
    for (int i = 0; i < 40; i++) {
      String step = pick(random, List.of("ParseRecords", "TrackObjects", "WriteOtlp"));
      String reason = pick(random, List.of("not JSON", "unknown envelope", "object has no name"));
      f.deadLetters.add(DeadLetterRow.of("logs/audit-" + random.nextInt(3) + ".log", 1 + random.nextInt(500), step,
          reason, "{broken"));
    }
    f.addLinks();
    return f;
  }

  private void addSpans(Random random) {
    for (int i = 0; i < 400; i++) {
      long start = START_MICROS + (long) (random.nextDouble() * WINDOWS * MINUTE_MICROS);
      long duration = 200 + random.nextInt(2_000_000);
      String name = "app-" + random.nextInt(12);
      String resource = pick(random, RESOURCES);
      String verb = pick(random, VERBS);
      String user = pick(random, USERS);
      boolean failed = random.nextInt(6) == 0;
      Map<String, Object> attributes = new LinkedHashMap<>();
      attributes.put("k8s.audit.verb", verb);
      attributes.put("k8s.audit.user", user);
      attributes.put("k8s.audit.response_code", failed ? 409 : 200);
      spans.add(new SpanRow(String.format("%032x", i), String.format("%016x", i), "", SpanRow.KIND_AUDIT,
          user + " " + verb, Rows.timestamp(start), Rows.timestamp(start + duration),
          failed ? SpanRow.STATUS_ERROR : SpanRow.STATUS_OK, "prod", resource.equals("deployments") ? "apps" : "",
          resource, "default", name, "uid-" + resource + "-" + name, Rows.timestamp(windowOf(start)), attributes,
          List.of()));
    }
    // object spans are not requests: the span queries must leave them out
    spans.add(new SpanRow(String.format("%032x", 9999), String.format("%016x", 9999), "", SpanRow.KIND_OBJECT,
        "pods/app-0", Rows.timestamp(START_MICROS), Rows.timestamp(START_MICROS + 30 * MINUTE_MICROS), SpanRow.STATUS_UNSET,
        "prod", "", "pods", "default", "app-0", "uid-pods-app-0", Rows.timestamp(START_MICROS), Map.of(), List.of()));
  }

  private void addLinks() {
    for (int w = 0; w < 3; w++) {
      long window = START_MICROS + w * 30 * MINUTE_MICROS;
      for (int r = 0; r < 2; r++) {
        String rs = "web-" + (7 + r);
        links.add(link(window, "apps", "replicasets", rs, LinkRow.PARENT, "owner-references",
            "deployments.apps/default/web", w * 10 + r));
        for (int p = 0; p < 2; p++) {
          links.add(link(window, "", "pods", rs + "-p" + p, LinkRow.PARENT, "owner-references",
              "replicasets.apps/default/" + rs, w * 10 + p));
          links.add(link(window, "", "pods", rs + "-p" + p, LinkRow.RELATED, "pod-node", "nodes/node-" + p, w * 10));
        }
      }
    }
  }

  private static LinkRow link(long window, String group, String resource, String name, String role, String linker,
      String target, int secondsIn) {
    return new LinkRow(Rows.timestamp(window), "prod", group, resource, "default", name, "uid-" + name, role, linker,
        target, "prod", role.equals(LinkRow.PARENT) ? "uid-" + target : "", Rows.timestamp(window + secondsIn * 1_000_000L),
        Rows.timestamp(window + (secondsIn + 5) * 1_000_000L));
  }

  private static <T> T pick(Random random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }

  /** The metric rows the pipeline would write for these samples: one per metric, window and dimension values. */
  List<MetricRow> metricRows() {
    Map<List<Object>, List<Double>> latencies = new LinkedHashMap<>();
    Map<List<Object>, long[]> counts = new LinkedHashMap<>();
    for (Request r : requests) {
      SortedMap<String, String> byRequest = dims("cluster", r.cluster(), "verb", r.verb(), "resource", r.resource(),
          "subresource", "", "namespace", r.namespace(), "user", r.user(), "code", r.code());
      add(latencies, counts, List.of("requests", r.windowStart(), byRequest), r.latencyMs(), r.failed());
      add(latencies, counts, List.of("requests_by_user_agent", r.windowStart(),
          dims("cluster", r.cluster(), "user_agent_product", r.agent())), r.latencyMs(), r.failed());
      if (r.code().equals("429")) {
        add(latencies, counts, List.of("throttled", r.windowStart(),
            dims("cluster", r.cluster(), "user", r.user(), "verb", r.verb(), "resource", r.resource())), r.latencyMs(), true);
      }
    }
    for (Reaction r : reactions) {
      add(latencies, counts, List.of(r.metric(), windowOf(r.timeMicros()),
          dims("cluster", r.cluster(), "namespace", r.namespace(), "controller", r.controller())), r.latencyMs(), false);
    }
    List<MetricRow> rows = new ArrayList<>();
    latencies.forEach((key, samples) -> {
      long window = (Long) key.get(1);
      @SuppressWarnings("unchecked")
      SortedMap<String, String> dimensions = (SortedMap<String, String>) key.get(2);
      rows.add(new MetricRow((String) key.get(0), Rows.timestamp(window), Rows.timestamp(window + MINUTE_MICROS),
          dimensions, counts.get(key)[0], counts.get(key)[1], distribution(samples), null, null));
    });
    return rows;
  }

  private static void add(Map<List<Object>, List<Double>> latencies, Map<List<Object>, long[]> counts, List<Object> key,
      double latency, boolean failed) {
    latencies.computeIfAbsent(key, k -> new ArrayList<>()).add(latency);
    long[] c = counts.computeIfAbsent(key, k -> new long[2]);
    c[0]++;
    c[1] += failed ? 1 : 0;
  }

  private static SortedMap<String, String> dims(String... keysAndValues) {
    SortedMap<String, String> m = new TreeMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  /** The sketch the metrics pipeline keeps: logarithmic bins of relative accuracy 0.01. */
  static DDSketch sketch(List<Double> samples) {
    DDSketch sketch = new DDSketch(new LogarithmicMapping(RELATIVE_ACCURACY), UnboundedSizeDenseStore::new);
    samples.forEach(sketch::accept);
    return sketch;
  }

  static MetricRow.Distribution distribution(List<Double> samples) {
    DDSketch sketch = sketch(samples);
    List<MetricRow.Bucket> buckets = sketch.getPositiveValueStore().getAscendingStream()
        .map(bin -> new MetricRow.Bucket(sketch.getIndexMapping().value(bin.getIndex()), Math.round(bin.getCount())))
        .toList();
    return new MetricRow.Distribution(samples.size(), sketch.getSum(), sketch.getMinValue(), sketch.getMaxValue(),
        sketch.getValueAtQuantile(0.5), sketch.getValueAtQuantile(0.9), sketch.getValueAtQuantile(0.99),
        RELATIVE_ACCURACY, buckets);
  }

  /**
   * Writes the rows as a backfill and a stream would, split over several files per table (sharded and per-window
   * names), plus a writer's hidden file in progress that is not JSON: a reader that took it would fail.
   */
  void write(Path directory) throws IOException {
    writeSplit(directory.resolve("metrics"), "metrics", metricRows());
    writeSplit(directory.resolve("spans"), "spans", spans);
    writeSplit(directory.resolve("dead_letters"), "dead_letters", deadLetters);
    writeSplit(directory.resolve("links"), "links", links);
    Path temp = Files.createDirectories(directory.resolve("metrics").resolve(".temp-beam-0f1e"));
    Files.writeString(temp.resolve("metrics-partial.json"), "{\"metric\": \"requ");
  }

  private static void writeSplit(Path folder, String prefix, List<?> rows) throws IOException {
    Files.createDirectories(folder);
    int half = rows.size() / 2;
    Files.write(folder.resolve(prefix + "-00000-of-00002.json"),
        rows.subList(0, half).stream().map(Rows::toJson).toList());
    Files.write(folder.resolve(prefix + "-2026-01-01T00:00:00.000Z-2026-01-01T00:30:00.000Z-pane-0-last-00000-of-00001.json"),
        rows.subList(half, rows.size()).stream().map(Rows::toJson).toList());
  }
}
