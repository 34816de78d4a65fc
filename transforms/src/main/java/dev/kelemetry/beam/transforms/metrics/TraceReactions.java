package dev.kelemetry.beam.transforms.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.parse.RecordParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The controller reactions in the spans of one trace: a write that asks a controller for work (trigger), and the first
 * write by which a controller did it (reaction), one {@link MetricSample} per pair. Plain Java, so the rules are
 * tested without a pipeline; see docs/reaction-times.md for what each metric means.
 *
 * <p>The spans are sorted by start time and span id before anything is read, so the samples do not depend on the order
 * the spans arrive in. Only successful requests (2xx) count on either side: a refused write asked for nothing, and a
 * refused reaction did nothing.
 */
public final class TraceReactions {
  public static final String DEPLOYMENT_TO_REPLICASET = "reaction.deployment_to_replicaset";
  public static final String REPLICASET_TO_PODS = "reaction.replicaset_to_pods";
  public static final String POD_SCHEDULING = "reaction.pod_scheduling";
  public static final String POD_DELETION = "reaction.pod_deletion";

  // extensions/v1beta1 served Deployments and ReplicaSets until Kubernetes 1.16, and old logs still have them.
  private static final Set<String> WORKLOAD_GROUPS = Set.of("apps", "extensions");
  private static final Set<String> WRITES = Set.of("create", "update", "patch", "delete");
  private static final Comparator<SpanRow> BY_TIME =
      Comparator.comparingLong(TraceReactions::micros).thenComparing(SpanRow::spanId);

  private TraceReactions() {}

  /**
   * Whether a span can take part in a reaction: the object spans of Deployments, ReplicaSets and Pods (they give the
   * owner tree), successful writes on them, and watch sightings of a removal. The rest need not be shuffled.
   */
  public static boolean mayMatter(SpanRow span) {
    if (!isWorkload(span)) {
      return false;
    }
    return switch (span.kind()) {
      case SpanRow.KIND_OBJECT -> true;
      case SpanRow.KIND_AUDIT -> succeeded(span) && WRITES.contains(verb(span));
      case SpanRow.KIND_STATE -> seenDeleted(span);
      default -> false;
    };
  }

  /** The samples of one trace's spans, in no particular order. */
  public static List<MetricSample> find(Iterable<SpanRow> spans) {
    Trace trace = new Trace(spans);
    List<MetricSample> out = new ArrayList<>();
    for (SpanRow deployment : trace.objects("deployments")) {
      pair(DEPLOYMENT_TO_REPLICASET,
          trace.writesOn(deployment, s -> created(s) || changes(s, "spec.template")),
          trace.writesUnder(deployment, "replicasets", s -> created(s) || changes(s, "spec.replicas")),
          out);
    }
    for (SpanRow replicaSet : trace.objects("replicasets")) {
      pair(REPLICASET_TO_PODS,
          trace.writesOn(replicaSet, s -> (created(s) && createdReplicas(s) > 0) || raisesReplicas(s)),
          trace.writesUnder(replicaSet, "pods", TraceReactions::created),
          out);
    }
    for (SpanRow pod : trace.objects("pods")) {
      pair(POD_SCHEDULING,
          trace.writesOn(pod, TraceReactions::created),
          trace.writesOn(pod, s -> verb(s).equals("create") && subresource(s).equals("binding")),
          out);
      podDeletion(trace, pod, out);
    }
    return out;
  }

  /**
   * Pairs each trigger with the first reaction at or after it, unless another trigger comes first: a controller works
   * toward the latest spec, so a change it never got to act on before the next one (two template changes in a row)
   * has no reaction of its own, and the reaction is counted once, from the change it answered.
   */
  private static void pair(String metric, List<SpanRow> triggers, List<SpanRow> reactions, List<MetricSample> out) {
    for (int i = 0; i < triggers.size(); i++) {
      long t0 = micros(triggers.get(i));
      SpanRow reaction = reactions.stream().filter(r -> micros(r) >= t0).findFirst().orElse(null);
      if (reaction == null) {
        continue; // not seen in this trace window: the reaction came later, or was not audited
      }
      long t1 = micros(reaction);
      if (i + 1 < triggers.size() && micros(triggers.get(i + 1)) <= t1) {
        continue;
      }
      out.add(sample(metric, reaction, user(reaction), t0, t1));
    }
  }

  /**
   * A Pod's first delete to its removal. Two successful deletes of one Pod mean the first was graceful (it only set
   * deletionTimestamp, or the second would have found nothing), and the last is the removal, usually the kubelet's
   * once the containers stopped. A single delete is either an immediate removal (grace period 0, a Pod never bound
   * to a node), which no controller reacted to, or a graceful one whose end is outside this window or not audited:
   * no sample, unless a watch saw the Pod go (then the removal time is the watch's, and who removed it is unknown).
   */
  private static void podDeletion(Trace trace, SpanRow pod, List<MetricSample> out) {
    List<SpanRow> deletes = trace.writesOn(pod, s -> verb(s).equals("delete") && subresource(s).isEmpty());
    if (deletes.isEmpty()) {
      return;
    }
    long t0 = micros(deletes.get(0));
    if (deletes.size() > 1) {
      SpanRow removal = deletes.get(deletes.size() - 1);
      out.add(sample(POD_DELETION, removal, user(removal), t0, micros(removal)));
      return;
    }
    trace.childrenOf(pod).stream()
        .filter(s -> s.kind().equals(SpanRow.KIND_STATE) && seenDeleted(s) && micros(s) >= t0)
        .findFirst()
        .ifPresent(seen -> out.add(sample(POD_DELETION, seen, "", t0, micros(seen))));
  }

  private static MetricSample sample(String metric, SpanRow reaction, String controller, long t0, long t1) {
    TreeMap<String, String> dimensions = new TreeMap<>();
    dimensions.put("cluster", reaction.cluster());
    dimensions.put("namespace", reaction.namespace());
    dimensions.put("controller", controller);
    return MetricSample.latency(metric, dimensions, t0, (t1 - t0) / 1000.0);
  }

  /** The spans of one trace, indexed by the object span they hang under. */
  private static final class Trace {
    private final Map<String, SpanRow> objects = new LinkedHashMap<>();
    private final Map<String, List<SpanRow>> children = new HashMap<>();

    Trace(Iterable<SpanRow> spans) {
      Map<String, SpanRow> unique = new TreeMap<>(); // a span seen twice (a replayed bundle) counts once
      for (SpanRow s : spans) {
        unique.putIfAbsent(s.kind() + "/" + s.spanId(), s);
      }
      List<SpanRow> sorted = new ArrayList<>(unique.values());
      sorted.sort(BY_TIME);
      for (SpanRow s : sorted) {
        if (s.kind().equals(SpanRow.KIND_OBJECT)) {
          objects.put(s.spanId(), s);
        } else {
          children.computeIfAbsent(s.parentSpanId(), k -> new ArrayList<>()).add(s);
        }
      }
    }

    List<SpanRow> objects(String resource) {
      return objects.values().stream().filter(o -> o.resource().equals(resource) && isWorkload(o)).toList();
    }

    List<SpanRow> childrenOf(SpanRow object) {
      return children.getOrDefault(object.spanId(), List.of());
    }

    /** Successful writes on {@code object} that {@code which} accepts, in time order. */
    List<SpanRow> writesOn(SpanRow object, Predicate<SpanRow> which) {
      return childrenOf(object).stream()
          .filter(s -> s.kind().equals(SpanRow.KIND_AUDIT) && succeeded(s) && WRITES.contains(verb(s)) && which.test(s))
          .toList();
    }

    /** The same, on every object of {@code resource} whose object span hangs directly under {@code owner}'s. */
    List<SpanRow> writesUnder(SpanRow owner, String resource, Predicate<SpanRow> which) {
      List<SpanRow> all = new ArrayList<>();
      for (SpanRow o : objects(resource)) {
        if (o.parentSpanId().equals(owner.spanId())) {
          all.addAll(writesOn(o, which));
        }
      }
      all.sort(BY_TIME);
      return all;
    }
  }

  private static boolean isWorkload(SpanRow s) {
    return switch (s.resource()) {
      case "deployments", "replicasets" -> WORKLOAD_GROUPS.contains(s.apiGroup());
      case "pods" -> s.apiGroup().isEmpty();
      default -> false;
    };
  }

  static long micros(SpanRow s) {
    return RecordParser.micros(s.startTime());
  }

  private static String attribute(SpanRow s, String key) {
    Object value = s.attributes() == null ? null : s.attributes().get(key);
    return value == null ? "" : value.toString();
  }

  private static String verb(SpanRow s) {
    return attribute(s, "k8s.audit.verb");
  }

  private static String subresource(SpanRow s) {
    return attribute(s, "k8s.audit.subresource");
  }

  private static String user(SpanRow s) {
    return attribute(s, "k8s.audit.user");
  }

  private static boolean succeeded(SpanRow s) {
    Object code = s.attributes() == null ? null : s.attributes().get("k8s.audit.response_code");
    return code instanceof Number n && n.intValue() >= 200 && n.intValue() < 300;
  }

  private static boolean seenDeleted(SpanRow s) {
    return s.kind().equals(SpanRow.KIND_STATE) && attribute(s, "kelemetry.state.seen_as").equals("DELETED");
  }

  private static boolean created(SpanRow s) {
    return verb(s).equals("create") && subresource(s).isEmpty();
  }

  /** Whether a diff line of the span names {@code path} or a field below it. */
  private static boolean changes(SpanRow s, String path) {
    return diffLines(s).stream().anyMatch(line -> {
      String changed = pathOf(line);
      return changed.equals(path) || changed.startsWith(path + ".") || changed.startsWith(path + "[");
    });
  }

  /** Whether the span's diff shows {@code spec.replicas} going up ({@code null} counts as 0). */
  private static boolean raisesReplicas(SpanRow s) {
    for (String line : diffLines(s)) {
      if (pathOf(line).equals("spec.replicas")) {
        String[] values = line.substring("spec.replicas ".length()).split(" -> ", 2);
        if (values.length == 2 && count(values[1]) > count(values[0])) {
          return true;
        }
      }
    }
    return false;
  }

  private static long count(String json) {
    try {
      return json.equals("null") ? 0 : Long.parseLong(json);
    } catch (NumberFormatException e) {
      return 0; // a redacted or odd value: not a count that could have gone up
    }
  }

  /**
   * The replicas a create asked for, from its snapshot. Without one (Metadata-level audit) the API default, 1: a Pod
   * create that follows is then only possible from a positive count, so a pair found is still a real reaction.
   */
  private static long createdReplicas(SpanRow s) {
    for (SpanEvent e : events(s)) {
      if (e.name().equals(SpanEvent.SNAPSHOT) && e.attributes().get("snapshot") instanceof String json) {
        return Rows.fromJson(json, JsonNode.class).path("spec").path("replicas").asLong(1);
      }
    }
    return 1;
  }

  @SuppressWarnings("unchecked")
  private static List<String> diffLines(SpanRow s) {
    List<String> lines = new ArrayList<>();
    for (SpanEvent e : events(s)) {
      if (e.name().equals(SpanEvent.DIFF) && e.attributes().get("diff") instanceof List<?> l) {
        lines.addAll((List<String>) l);
      }
    }
    return lines;
  }

  private static List<SpanEvent> events(SpanRow s) {
    return s.events() == null ? List.of() : s.events();
  }

  /** The path of a diff line: {@code <path> <old> -> <new>}, or {@code <path> changed|added|removed} when redacted. */
  private static String pathOf(String line) {
    int space = line.indexOf(' ');
    return space < 0 ? line : line.substring(0, space);
  }
}
