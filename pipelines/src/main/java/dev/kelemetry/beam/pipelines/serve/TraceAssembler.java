package dev.kelemetry.beam.pipelines.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Builds a trace in the Jaeger query API's JSON from stored span rows, the way Kelemetry's storage plugin does at query
 * time: the windows of one root are merged, each object becomes one span over all its windows, and the display mode
 * decides which objects come along and whether their requests are logs or spans.
 */
final class TraceAssembler {
  private TraceAssembler() {}

  /** The merged trace a synthetic id stands for; empty when the data has no such object in those windows. */
  static Optional<ObjectNode> merged(SpanStore store, String traceId, TraceIds.Merged merged) {
    ObjectKey searched = store.objectByHash(merged.objectHash());
    if (searched == null) {
      return Optional.empty();
    }
    // every stored trace (root and window) in which the object has a span, within the merged windows
    Set<String> stored = new TreeSet<>();
    for (SpanRow span : store.objectSpans().get(searched)) {
      long window = SpanStore.micros(span.windowStart());
      if (window >= merged.firstWindowMicros() && window <= merged.lastWindowMicros()) {
        stored.add(span.traceId());
      }
    }
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(build(store, traceId, merged.mode(), searched, stored));
  }

  /** A stored trace (one root, one window) as it is, each request its own span. */
  static Optional<ObjectNode> stored(SpanStore store, String traceId) {
    if (store.trace(traceId).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(build(store, traceId,
        new DisplayMode(DisplayMode.Base.TREE, DisplayMode.Modifier.FULL_TREE), null, Set.of(traceId)));
  }

  /** One object of the merged trace: its object spans (one per window) and its requests, Events and states. */
  private static final class Node {
    final ObjectKey key;
    final List<SpanRow> windows = new ArrayList<>();
    final List<SpanRow> happenings = new ArrayList<>();
    ObjectKey parent;

    Node(ObjectKey key) {
      this.key = key;
    }

    /** Set once all rows are in: the object spans' range (its requests' when it has no object span). */
    long start;
    long end;

    void measure() {
      List<SpanRow> timed = windows.isEmpty() ? happenings : windows;
      start = timed.stream().mapToLong(s -> SpanStore.micros(s.startTime())).min().orElse(0);
      end = timed.stream().mapToLong(s -> SpanStore.micros(s.endTime())).max().orElse(0);
    }
  }

  private static ObjectNode build(SpanStore store, String traceId, DisplayMode mode, ObjectKey searched,
      Set<String> storedTraces) {
    Map<ObjectKey, Node> nodes = nodes(store, storedTraces);
    Set<ObjectKey> shown = select(nodes, mode.modifier(), searched);
    DisplayMode.Base base = mode.base();

    Map<List<String>, String> processIds = new LinkedHashMap<>(); // [cluster, resource] -> p1, p2, ...
    ArrayNode spans = Rows.JSON.createArrayNode();
    List<Node> ordered = shown.stream().map(nodes::get)
        .sorted(Comparator.comparingLong((Node n) -> n.start).thenComparing(n -> n.key.operationName())).toList();
    for (Node node : ordered) {
      String processId = processIds.computeIfAbsent(List.of(node.key.cluster(), node.key.resource()),
          k -> "p" + (processIds.size() + 1));
      boolean root = node.parent == null || !shown.contains(node.parent);
      if (base == DisplayMode.Base.TIMELINE) {
        // one flat list under the root: other objects have no span, their requests say whose they are by name
        ObjectKey top = topShown(node, nodes, shown);
        String topSpanId = top.spanId();
        for (SpanRow happening : node.happenings) {
          spans.add(happeningSpan(traceId, happening, node.key.operationName() + " " + happening.name(), topSpanId,
              processId));
        }
        if (!root) {
          continue;
        }
      }
      spans.add(objectSpan(traceId, node, root ? null : node.parent.spanId(), root, node.key.equals(searched),
          base != DisplayMode.Base.TRACING, processId));
      if (base == DisplayMode.Base.GROUPED && !node.happenings.isEmpty()) {
        spans.add(groupSpan(traceId, node, processId));
      }
      if (base == DisplayMode.Base.TREE) {
        String objectSpanId = node.key.spanId(); // a hash: once per object, not once per request
        for (SpanRow happening : node.happenings) {
          spans.add(happeningSpan(traceId, happening, happening.name(), objectSpanId, processId));
        }
      }
    }

    ObjectNode processes = Rows.JSON.createObjectNode();
    processIds.forEach((clusterAndResource, id) -> {
      ObjectNode process = processes.putObject(id);
      // the resource as the "service": the Jaeger UI colours spans by service, so each kind of object gets a colour
      process.put("serviceName", clusterAndResource.get(1));
      process.putArray("tags").add(keyValue("k8s.cluster.name", clusterAndResource.get(0)));
    });
    ObjectNode trace = Rows.JSON.createObjectNode();
    trace.put("traceID", traceId);
    trace.set("spans", spans);
    trace.set("processes", processes);
    trace.putNull("warnings");
    return trace;
  }

  /** Every object of the stored traces, merged across them, with its parent and the spans about it. */
  private static Map<ObjectKey, Node> nodes(SpanStore store, Set<String> storedTraces) {
    List<SpanRow> rows = new ArrayList<>();
    storedTraces.forEach(t -> rows.addAll(store.trace(t)));
    // window order, so that when an object's owner changed between windows the latest one is its parent
    rows.sort(Comparator.comparing(SpanRow::windowStart).thenComparing(SpanRow::startTime).thenComparing(SpanRow::spanId));
    Map<ObjectKey, Node> nodes = new LinkedHashMap<>();
    for (SpanRow row : rows) {
      boolean isObject = row.kind().equals(SpanRow.KIND_OBJECT);
      ObjectKey owner = isObject ? ObjectKey.of(row) : store.objectOfSpan(row.traceId(), row.parentSpanId());
      Node node = nodes.computeIfAbsent(owner == null ? ObjectKey.of(row) : owner, Node::new);
      if (!isObject) {
        node.happenings.add(row);
        continue;
      }
      node.windows.add(row);
      ObjectKey parent = row.parentSpanId().isEmpty() ? null : store.objectOfSpan(row.traceId(), row.parentSpanId());
      if (parent != null && !parent.equals(node.key)) {
        node.parent = parent;
      }
    }
    nodes.values().forEach(Node::measure);
    return nodes;
  }

  /** The objects a modifier shows, around the searched one (all of them when nothing was searched). */
  private static Set<ObjectKey> select(Map<ObjectKey, Node> nodes, DisplayMode.Modifier modifier, ObjectKey searched) {
    if (searched == null || modifier == DisplayMode.Modifier.FULL_TREE) {
      return nodes.keySet();
    }
    Set<ObjectKey> shown = new LinkedHashSet<>();
    shown.add(searched);
    if (modifier == DisplayMode.Modifier.ANCESTORS) {
      // up the owner chain; the set stops a cycle of owners, which the rows can hold when the log had one
      for (Node n = nodes.get(searched); n != null && n.parent != null && shown.add(n.parent); ) {
        n = nodes.get(n.parent);
      }
    } else if (modifier == DisplayMode.Modifier.OWNED_OBJECTS) {
      Map<ObjectKey, List<ObjectKey>> children = nodes.values().stream().filter(n -> n.parent != null)
          .collect(Collectors.groupingBy(n -> n.parent, Collectors.mapping(n -> n.key, Collectors.toList())));
      Deque<ObjectKey> todo = new ArrayDeque<>(List.of(searched));
      while (!todo.isEmpty()) {
        for (ObjectKey child : children.getOrDefault(todo.pop(), List.of())) {
          if (shown.add(child)) {
            todo.push(child);
          }
        }
      }
    }
    shown.retainAll(nodes.keySet());
    return shown;
  }

  /** The highest shown object above {@code node} (itself when its owner is not shown). */
  private static ObjectKey topShown(Node node, Map<ObjectKey, Node> nodes, Set<ObjectKey> shown) {
    Set<ObjectKey> seen = new HashSet<>(); // an owner cycle in the rows must not loop here
    Node top = node;
    while (top.parent != null && shown.contains(top.parent) && seen.add(top.key)) {
      top = nodes.get(top.parent);
    }
    return top.key;
  }

  private static ObjectNode objectSpan(String traceId, Node node, String parentSpanId, boolean root, boolean searched,
      boolean requestsAsSpans, String processId) {
    ArrayNode tags = Rows.JSON.createArrayNode();
    Map<String, Object> attributes = new TreeMap<>();
    node.windows.forEach(w -> attributes.putAll(w.attributes() == null ? Map.of() : w.attributes()));
    attributes.forEach((k, v) -> tags.add(keyValue(k, v)));
    if (root) {
      // what the search form asks for, so a root span shows how to find it again
      tags.add(keyValue("cluster", node.key.cluster()));
      tags.add(keyValue("resource", node.key.resource()));
      tags.add(keyValue("namespace", node.key.namespace()));
      tags.add(keyValue("name", node.key.name()));
      tags.add(keyValue("uid", node.windows.stream().map(SpanRow::uid).filter(u -> u != null && !u.isEmpty())
          .distinct().collect(Collectors.joining(","))));
    }
    if (searched) {
      tags.add(keyValue("kelemetry.searched", true));
    }
    tags.add(keyValue("kelemetry.windows", (long) node.windows.size()));
    ArrayNode logs = requestsAsSpans ? Rows.JSON.createArrayNode() : happeningLogs(node);
    return span(traceId, node.key.spanId(), node.key.operationName(), parentSpanId, node.start, node.end - node.start, tags,
        logs, processId);
  }

  /**
   * The {@code grouped} base's one child span per object that gathers its requests, Events and watched versions as
   * logs, so the object's own span stays short in the UI's tree.
   */
  private static ObjectNode groupSpan(String traceId, Node node, String processId) {
    long start = node.happenings.stream().mapToLong(h -> SpanStore.micros(h.startTime())).min().orElseThrow();
    long end = node.happenings.stream().mapToLong(h -> SpanStore.micros(h.endTime())).max().orElseThrow();
    ArrayNode tags = Rows.JSON.createArrayNode();
    tags.add(keyValue("kelemetry.kind", "group"));
    tags.add(keyValue("kelemetry.count", (long) node.happenings.size()));
    return span(traceId, node.key.groupSpanId(), node.key.operationName() + " requests", node.key.spanId(), start,
        end - start, tags, happeningLogs(node), processId);
  }

  private static ArrayNode happeningLogs(Node node) {
    ArrayNode logs = Rows.JSON.createArrayNode();
    node.happenings.stream().sorted(Comparator.comparing(SpanRow::startTime)).forEach(h -> logs.add(happeningLog(h)));
    return logs;
  }

  /** A request, Event or watched state folded into a log line of its object's span (the {@code tracing} base). */
  private static ObjectNode happeningLog(SpanRow h) {
    ObjectNode log = Rows.JSON.createObjectNode();
    log.put("timestamp", SpanStore.micros(h.startTime()));
    ArrayNode fields = log.putArray("fields");
    fields.add(keyValue("event", h.name()));
    fields.add(keyValue("kelemetry.kind", h.kind()));
    // a log has no duration of its own: without this field a request's latency would be lost in the log modes
    fields.add(keyValue("kelemetry.duration_us", SpanStore.micros(h.endTime()) - SpanStore.micros(h.startTime())));
    if (SpanRow.STATUS_ERROR.equals(h.status())) {
      fields.add(keyValue("error", true));
    }
    addKeyValues(fields, h.attributes());
    for (SpanEvent e : h.events() == null ? List.<SpanEvent>of() : h.events()) {
      addKeyValues(fields, e.attributes());
    }
    return log;
  }

  /** A request, Event or watched state as its own child span of its object (the {@code tree} base). */
  private static ObjectNode happeningSpan(String traceId, SpanRow h, String operation, String parentSpanId,
      String processId) {
    ArrayNode tags = Rows.JSON.createArrayNode();
    tags.add(keyValue("kelemetry.kind", h.kind()));
    if (SpanRow.STATUS_ERROR.equals(h.status())) {
      tags.add(keyValue("error", true)); // the tag the Jaeger UI marks red
    }
    addKeyValues(tags, h.attributes());
    ArrayNode logs = Rows.JSON.createArrayNode();
    for (SpanEvent e : h.events() == null ? List.<SpanEvent>of() : h.events()) {
      ObjectNode log = logs.addObject();
      log.put("timestamp", SpanStore.micros(e.time()));
      ArrayNode fields = log.putArray("fields");
      fields.add(keyValue("event", e.name()));
      addKeyValues(fields, e.attributes());
    }
    long start = SpanStore.micros(h.startTime());
    return span(traceId, h.spanId(), operation, parentSpanId, start, SpanStore.micros(h.endTime()) - start, tags, logs,
        processId);
  }

  private static ObjectNode span(String traceId, String spanId, String operation, String parentSpanId, long startMicros,
      long durationMicros, ArrayNode tags, ArrayNode logs, String processId) {
    ObjectNode span = Rows.JSON.createObjectNode();
    span.put("traceID", traceId);
    span.put("spanID", spanId);
    span.put("operationName", operation);
    ArrayNode references = span.putArray("references");
    if (parentSpanId != null) {
      ObjectNode ref = references.addObject();
      ref.put("refType", "CHILD_OF");
      ref.put("traceID", traceId);
      ref.put("spanID", parentSpanId);
    }
    span.put("startTime", startMicros);
    span.put("duration", durationMicros);
    span.put("flags", 1);
    span.set("tags", tags);
    span.set("logs", logs);
    span.put("processID", processId);
    span.putNull("warnings");
    return span;
  }

  /** Each attribute as a key/value, in key order so that an answer does not change from one request to the next. */
  private static void addKeyValues(ArrayNode target, Map<String, Object> attributes) {
    new TreeMap<>(attributes == null ? Map.<String, Object>of() : attributes).forEach((k, v) -> target.add(keyValue(k, v)));
  }

  /**
   * A Jaeger key/value: its type from the attribute's JSON type. Lists (diff lines, source IPs) become one string, a
   * line per item, which the Jaeger UI shows as it is.
   */
  static ObjectNode keyValue(String key, Object value) {
    ObjectNode kv = Rows.JSON.createObjectNode();
    kv.put("key", key);
    if (value instanceof Boolean b) {
      kv.put("type", "bool").put("value", b);
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      kv.put("type", "int64").put("value", ((Number) value).longValue());
    } else if (value instanceof Number n) {
      kv.put("type", "float64").put("value", n.doubleValue());
    } else if (value instanceof List<?> list) {
      kv.put("type", "string").put("value", list.stream().map(Objects::toString).collect(Collectors.joining("\n")));
    } else if (value instanceof Map<?, ?>) {
      kv.put("type", "string").put("value", Rows.toJson(value));
    } else {
      kv.put("type", "string").put("value", Objects.toString(value, ""));
    }
    return kv;
  }
}
