package dev.kelemetry.beam.transforms.owners;

import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.links.ObjectLinks;
import dev.kelemetry.beam.transforms.spans.SpanAttributes;
import dev.kelemetry.beam.transforms.spans.SpanIds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The owner trees of one window, across clusters: for every object active in the window, the chain of parents up to
 * its root, and the object spans of every object on those chains (an owner with no activity in the window, or known
 * only from an ownerReference, still gets its span so the tree stays connected). A parent may live in another cluster
 * (the parent-link annotation); the trace is then the root's, in the root's cluster. Chains stop at {@code maxDepth}
 * hops and at cycles; the object where a chain stops is the root of its trace. Plain Java; {@code ResolveOwners}
 * calls it.
 */
public final class OwnerForest {
  /** Where an active object's audit spans go: its trace. */
  public record Placement(String cluster, String objectId, String traceId) {}

  public record Result(List<SpanRow> objectSpans, List<Placement> placements, int traces, int placeholders) {}

  private final long windowStart;
  private final long windowMicros;
  private final int maxDepth;
  private final Function<String, ObjectSighting> known;

  /**
   * @param known looks up the last known sighting of an object by its {@link #key}, from this and earlier windows
   *     (null if none)
   */
  public OwnerForest(long windowStart, long windowMicros, int maxDepth, Function<String, ObjectSighting> known) {
    this.windowStart = windowStart;
    this.windowMicros = windowMicros;
    this.maxDepth = maxDepth;
    this.known = known;
  }

  /**
   * Builds one forest for the window, so every object has one parent and one root whoever reached it: walk up at most
   * {@code maxDepth} hops from each active object, then break cycles (the smallest id in a cycle loses its parent
   * edge and becomes a root). A root whose owner was not walked to (the depth ran out) is marked truncated.
   */
  public Result resolve(List<ObjectSighting> active) {
    Map<String, ObjectSighting> nodes = new LinkedHashMap<>();
    Map<String, String> parentOf = new HashMap<>();
    List<ObjectSighting> sorted = new ArrayList<>(active);
    sorted.sort((a, b) -> key(a).compareTo(key(b)));
    for (ObjectSighting object : sorted) {
      nodes.put(key(object), object);
    }
    for (ObjectSighting object : sorted) {
      walkUp(object, nodes, parentOf);
    }
    Set<String> cycleRoots = breakCycles(nodes.keySet(), parentOf);

    Map<String, String> rootOf = new HashMap<>();
    List<SpanRow> spans = new ArrayList<>();
    int placeholders = 0;
    for (Map.Entry<String, ObjectSighting> e : nodes.entrySet()) {
      ObjectSighting node = e.getValue();
      ObjectSighting root = nodes.get(rootOf(e.getKey(), parentOf, rootOf));
      ObjectSighting parent = nodes.get(parentOf.get(e.getKey()));
      boolean isCycleRoot = cycleRoots.contains(e.getKey());
      boolean truncated = parent == null && !isCycleRoot && node.owner() != null;
      spans.add(objectSpan(node, traceIdOf(root),
          parent == null ? "" : SpanIds.objectSpanId(parent.cluster(), parent.objectId(), windowStart),
          isCycleRoot, truncated));
      if (node.placeholder()) {
        placeholders++;
      }
    }
    Set<String> roots = new HashSet<>();
    List<Placement> placements = new ArrayList<>();
    for (ObjectSighting object : sorted) {
      String root = rootOf(key(object), parentOf, rootOf);
      roots.add(root);
      placements.add(new Placement(object.cluster(), object.objectId(), traceIdOf(nodes.get(root))));
    }
    return new Result(spans, placements, roots.size(), placeholders);
  }

  /** An object's key across clusters: object ids (uids, or name ids) are only unique within a cluster. */
  public static String key(String cluster, String objectId) {
    return cluster + "\u0001" + objectId;
  }

  private static String key(ObjectSighting s) {
    return key(s.cluster(), s.objectId());
  }

  private String traceIdOf(ObjectSighting root) {
    return SpanIds.traceId(root.cluster(), root.objectId(), windowStart);
  }

  private void walkUp(ObjectSighting start, Map<String, ObjectSighting> nodes, Map<String, String> parentOf) {
    Set<String> onThisWalk = new HashSet<>();
    onThisWalk.add(key(start));
    ObjectSighting current = start;
    for (int hops = 0; hops < maxDepth && current.owner() != null; hops++) {
      OwnerRef ref = current.owner();
      String ownerCluster = ref.clusterFrom(current.cluster());
      String ownerKey = key(ownerCluster, ref.uid());
      ObjectSighting owner = nodes.get(ownerKey);
      if (owner == null) {
        ObjectSighting knownOwner = known.apply(ownerKey);
        owner = knownOwner == null ? ObjectSighting.placeholderFor(ownerCluster, ref, windowStart) : knownOwner.inWindow(windowStart);
        nodes.put(ownerKey, owner);
      }
      parentOf.put(key(current), ownerKey);
      if (!onThisWalk.add(ownerKey)) {
        return; // a cycle: breakCycles decides where it is cut
      }
      current = owner;
    }
  }

  /** Cuts every cycle of parent edges at its smallest id, deterministically; returns the ids that lost their parent. */
  private static Set<String> breakCycles(Set<String> ids, Map<String, String> parentOf) {
    Set<String> cut = new HashSet<>();
    Set<String> done = new HashSet<>();
    for (String id : new TreeSet<>(ids)) {
      List<String> path = new ArrayList<>();
      Set<String> onPath = new HashSet<>();
      String cur = id;
      while (cur != null && !done.contains(cur) && onPath.add(cur)) {
        path.add(cur);
        cur = parentOf.get(cur);
      }
      if (cur != null && onPath.contains(cur)) {
        List<String> cycle = path.subList(path.indexOf(cur), path.size());
        String loser = cycle.stream().min(String::compareTo).orElseThrow();
        parentOf.remove(loser);
        cut.add(loser);
      }
      done.addAll(path);
    }
    return cut;
  }

  private static String rootOf(String id, Map<String, String> parentOf, Map<String, String> memo) {
    List<String> path = new ArrayList<>();
    String cur = id;
    while (!memo.containsKey(cur) && parentOf.containsKey(cur)) {
      path.add(cur);
      cur = parentOf.get(cur);
    }
    String root = memo.getOrDefault(cur, cur);
    path.add(cur);
    for (String p : path) {
      memo.put(p, root);
    }
    return root;
  }

  private SpanRow objectSpan(ObjectSighting o, String traceId, String parentSpanId, boolean cycle, boolean truncated) {
    String cluster = o.cluster();
    Map<String, Object> attrs = new TreeMap<>(SpanAttributes.forObject(cluster, o.apiGroup(), o.apiVersion(), o.kind(),
        o.resource(), o.namespace(), o.name(), o.uid()));
    o.related().forEach((linker, objects) -> attrs.put(ObjectLinks.ATTRIBUTE_PREFIX + linker,
        ObjectLinks.describe(objects, cluster)));
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
