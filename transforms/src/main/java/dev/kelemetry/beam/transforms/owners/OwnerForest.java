package dev.kelemetry.beam.transforms.owners;

import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.spans.SpanAttributes;
import dev.kelemetry.beam.transforms.spans.SpanIds;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The owner tree of one cluster in one window: for every object active in the window, the chain of owners up to its
 * root, and the object spans of every object on those chains (an owner with no activity in the window, or known only
 * from an ownerReference, still gets its span so the tree stays connected). Chains stop at {@code maxDepth} hops and
 * at cycles; the object where a chain stops is the root of its trace. Plain Java; {@code ResolveOwners} calls it.
 */
public final class OwnerForest {
  /** Where an active object's audit spans go: its trace. */
  public record Placement(String objectId, String traceId) {}

  public record Result(List<SpanRow> objectSpans, List<Placement> placements, int traces, int placeholders) {}

  private final String cluster;
  private final long windowStart;
  private final long windowMicros;
  private final int maxDepth;
  private final Function<String, ObjectSighting> known;

  /**
   * @param known looks up the last known sighting of an object by id, from this and earlier windows (null if none)
   */
  public OwnerForest(String cluster, long windowStart, long windowMicros, int maxDepth, Function<String, ObjectSighting> known) {
    this.cluster = cluster;
    this.windowStart = windowStart;
    this.windowMicros = windowMicros;
    this.maxDepth = maxDepth;
    this.known = known;
  }

  private record Chain(List<ObjectSighting> nodes, boolean cycle, boolean truncated) {}

  public Result resolve(List<ObjectSighting> active) {
    Map<String, ObjectSighting> onChains = new LinkedHashMap<>();
    Map<String, Chain> chainOf = new TreeMap<>();
    List<Placement> placements = new ArrayList<>();
    Set<String> roots = new HashSet<>();
    List<ObjectSighting> sorted = new ArrayList<>(active);
    sorted.sort((a, b) -> a.objectId().compareTo(b.objectId()));
    for (ObjectSighting object : sorted) {
      Chain chain = chainUp(object);
      ObjectSighting root = chain.nodes.get(chain.nodes.size() - 1);
      roots.add(root.objectId());
      placements.add(new Placement(object.objectId(), SpanIds.traceId(cluster, root.objectId(), windowStart)));
      for (ObjectSighting node : chain.nodes) {
        onChains.putIfAbsent(node.objectId(), node);
      }
      chainOf.put(object.objectId(), chain);
    }
    List<SpanRow> spans = new ArrayList<>();
    int placeholders = 0;
    for (ObjectSighting node : onChains.values()) {
      Chain chain = chainOf.computeIfAbsent(node.objectId(), id -> chainUp(node));
      ObjectSighting root = chain.nodes.get(chain.nodes.size() - 1);
      String parentSpan = chain.nodes.size() > 1 ? SpanIds.objectSpanId(cluster, chain.nodes.get(1).objectId(), windowStart) : "";
      spans.add(objectSpan(node, SpanIds.traceId(cluster, root.objectId(), windowStart), parentSpan,
          node == root && chain.cycle, node == root && chain.truncated));
      if (node.placeholder()) {
        placeholders++;
      }
    }
    return new Result(spans, placements, roots.size(), placeholders);
  }

  private Chain chainUp(ObjectSighting start) {
    List<ObjectSighting> nodes = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    nodes.add(start);
    seen.add(start.objectId());
    ObjectSighting current = start;
    while (current.owner() != null) {
      if (nodes.size() - 1 >= maxDepth) {
        return new Chain(nodes, false, true);
      }
      OwnerRef ref = current.owner();
      if (seen.contains(ref.uid())) {
        return new Chain(nodes, true, false);
      }
      ObjectSighting owner = known.apply(ref.uid());
      owner = owner == null ? ObjectSighting.placeholderFor(cluster, ref, windowStart) : owner.inWindow(windowStart);
      nodes.add(owner);
      seen.add(owner.objectId());
      current = owner;
    }
    return new Chain(nodes, false, false);
  }

  private SpanRow objectSpan(ObjectSighting o, String traceId, String parentSpanId, boolean cycle, boolean truncated) {
    Map<String, Object> attrs = new TreeMap<>(SpanAttributes.forObject(cluster, o.apiGroup(), o.apiVersion(), o.kind(),
        o.resource(), o.namespace(), o.name(), o.uid()));
    if (o.placeholder()) {
      attrs.put("kelemetry.object.known_from", "ownerReference");
    }
    if (cycle) {
      attrs.put("kelemetry.owner_cycle", true);
    }
    if (truncated) {
      attrs.put("kelemetry.owner_chain_truncated", true);
    }
    return new SpanRow(traceId, SpanIds.objectSpanId(cluster, o.objectId(), windowStart), parentSpanId, SpanRow.KIND_OBJECT,
        o.resource() + "/" + o.name(), Rows.timestamp(windowStart), Rows.timestamp(windowStart + windowMicros),
        SpanRow.STATUS_UNSET, cluster, o.apiGroup(), o.resource(), o.namespace(), o.name(), o.uid(),
        Rows.timestamp(windowStart), attrs, List.of());
  }
}
