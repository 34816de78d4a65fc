package dev.kelemetry.beam.transforms.track;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.plugins.ObjectLink;
import dev.kelemetry.beam.transforms.owners.OwnerRef;
import java.io.Serializable;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;

/**
 * What the tracker remembers of one object between its requests.
 *
 * @param state the last known object, redacted and without managedFields; null when no body was ever seen. Kept as a
 *     tree, not text, so a write costs no re-parse of the state before it; never modified once stored.
 * @param deleted whether the last write deleted it (a create after this is a new incarnation with a new uid)
 * @param sightedWindow the window of the last sighting sent to owner resolution (to send one per window)
 * @param related the object's related links as the linkers last found them (linker name to objects)
 * @param sightedLinks the owner and related links in that sighting (new links within the window send another)
 * @param stateFromWatch whether {@code state} was last set by a watch or a dump rather than by an audited write: an
 *     audit event of that same version then finds its diff already shown on the state's span
 */
public record ObjectState(
    String uid,
    String kind,
    String apiVersion,
    JsonNode state,
    String resourceVersion,
    boolean deleted,
    OwnerRef owner,
    SortedMap<String, List<ObjectLink>> related,
    long sightedWindow,
    String sightedLinks,
    boolean stateFromWatch)
    implements Serializable {

  /** A state that went through a coder comes back with a JSON null node for "no body seen": that is Java null here. */
  public ObjectState {
    if (state != null && (state.isNull() || state.isMissingNode())) {
      state = null;
    }
    related = related == null ? Collections.emptySortedMap() : related;
  }

  public static ObjectState empty() {
    return new ObjectState("", "", "", null, "", false, null, Collections.emptySortedMap(), Long.MIN_VALUE, "", false);
  }

  /** The same state, with the sighting sent for {@code window} and its {@code links} remembered. */
  public ObjectState sighted(long window, String links) {
    return new ObjectState(uid, kind, apiVersion, state, resourceVersion, deleted, owner, related, window, links,
        stateFromWatch);
  }
}
