package dev.kelemetry.beam.transforms.owners;

import dev.kelemetry.beam.plugins.ObjectLink;
import java.io.Serializable;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;

/**
 * An object seen active in one window, with its controlling owner as last known: what owner resolution needs, and
 * nothing of the object's content. {@code objectId} is the uid, or a name-based id when no record gave the uid.
 * {@code related} holds the object's related links (linker name to objects), shown on its object span.
 */
public record ObjectSighting(
    String cluster,
    String objectId,
    String uid,
    String apiGroup,
    String apiVersion,
    String kind,
    String resource,
    String namespace,
    String name,
    long windowStartMicros,
    long seenMicros,
    OwnerRef owner,
    boolean placeholder,
    SortedMap<String, List<ObjectLink>> related)
    implements Serializable {

  public ObjectSighting {
    related = related == null ? Collections.emptySortedMap() : related;
  }

  /**
   * Of two sightings of one object in one window, the later one knows the current owner. At the same time (an Event
   * and a state are often stamped with the same whole second), the one that knows an owner at all wins, so the result
   * does not depend on which the tracker saw first.
   */
  public ObjectSighting latest(ObjectSighting other) {
    if (other == null) {
      return this;
    }
    if (other.seenMicros != seenMicros) {
      return other.seenMicros > seenMicros ? other : this;
    }
    if ((other.owner == null) != (owner == null)) {
      return owner == null ? other : this;
    }
    return String.valueOf(other.owner).compareTo(String.valueOf(owner)) > 0 ? other : this;
  }

  /** An object known only from a child's ownerReference (e.g. created before the log starts). */
  public static ObjectSighting placeholderFor(String cluster, OwnerRef ref, long windowStartMicros) {
    return new ObjectSighting(cluster, ref.uid(), ref.uid(), ref.apiGroup(), ref.apiVersion(), ref.kind(), ref.resource(),
        ref.namespace(), ref.name(), windowStartMicros, windowStartMicros, null, true, null);
  }

  public ObjectSighting inWindow(long windowStart) {
    return new ObjectSighting(cluster, objectId, uid, apiGroup, apiVersion, kind, resource, namespace, name, windowStart,
        seenMicros, owner, placeholder, related);
  }
}
