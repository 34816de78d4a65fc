package dev.kelemetry.beam.transforms.links;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.plugins.Linker;
import dev.kelemetry.beam.plugins.ObjectLink;
import dev.kelemetry.beam.plugins.Plugins;
import dev.kelemetry.beam.transforms.owners.OwnerRef;
import java.io.Serializable;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The enabled linkers, applied together to an object's state: its parent (the first parent link, in linker order)
 * and its related objects by linker name. Serializable, so the linkers chosen when the pipeline is built are the ones
 * the workers run.
 */
public final class ObjectLinks implements Serializable {
  /** The span attribute prefix of related links: {@code kelemetry.link.<linker>}. */
  public static final String ATTRIBUTE_PREFIX = "kelemetry.link.";

  /**
   * What the linkers found.
   *
   * @param related per linker, the related objects, each once, in the order of {@link #describe}
   */
  public record Found(OwnerRef parent, SortedMap<String, List<ObjectLink>> related) {
    public static final Found NONE = new Found(null, Collections.emptySortedMap());
  }

  private final List<Linker> linkers;

  private ObjectLinks(List<Linker> linkers) {
    this.linkers = List.copyOf(linkers);
  }

  /** The linkers on the classpath (built-in and plugins) but the disabled ones. */
  public static ObjectLinks discovered(Collection<String> disabled) {
    return new ObjectLinks(Plugins.linkers(disabled));
  }

  public static ObjectLinks of(List<Linker> linkers) {
    return new ObjectLinks(linkers);
  }

  public List<String> names() {
    return linkers.stream().map(Linker::name).toList();
  }

  /**
   * The links of {@code object} in {@code cluster}. A linker that throws fails the record with its name in the
   * message (the tracker turns that into a dead letter).
   */
  public Found of(String cluster, JsonNode object) {
    if (object == null) {
      return Found.NONE;
    }
    OwnerRef parent = null;
    Map<String, TreeMap<String, ObjectLink>> related = new TreeMap<>();
    for (Linker linker : linkers) {
      List<ObjectLink> links;
      try {
        links = linker.links(cluster, object);
      } catch (RuntimeException e) {
        throw new IllegalStateException("linker '" + linker.name() + "' failed: " + e, e);
      }
      for (ObjectLink link : links == null ? List.<ObjectLink>of() : links) {
        if (link.role() == ObjectLink.Role.PARENT && parent == null) {
          parent = OwnerRef.of(link, linker.name());
        } else {
          related.computeIfAbsent(linker.name(), k -> new TreeMap<>()).putIfAbsent(link.describe(cluster), link);
        }
      }
    }
    SortedMap<String, List<ObjectLink>> byLinker = new TreeMap<>();
    related.forEach((name, objects) -> byLinker.put(name, List.copyOf(objects.values())));
    return parent == null && byLinker.isEmpty() ? Found.NONE : new Found(parent, byLinker);
  }

  /** Related objects as a span attribute shows them: {@link ObjectLink#describe}, comma-separated. */
  public static String describe(List<ObjectLink> objects, String fromCluster) {
    return String.join(", ", objects.stream().map(o -> o.describe(fromCluster)).toList());
  }
}
