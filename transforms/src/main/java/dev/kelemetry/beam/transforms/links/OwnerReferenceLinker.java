package dev.kelemetry.beam.transforms.links;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.plugins.Linker;
import dev.kelemetry.beam.plugins.ObjectLink;
import dev.kelemetry.beam.transforms.spans.ObjectKinds;
import java.util.List;

/**
 * The parent Kubernetes itself names: the ownerReference with {@code controller: true} (at most one per object), as
 * Kelemetry and the garbage collector read it. Other ownerReferences do not make a tree. The owner lives in the
 * child's namespace unless its kind is cluster-scoped (a mirror Pod owned by its Node).
 */
public final class OwnerReferenceLinker implements Linker {
  @Override
  public String name() {
    return "owner-references";
  }

  @Override
  public int order() {
    return 0;
  }

  @Override
  public List<ObjectLink> links(String cluster, JsonNode object) {
    JsonNode metadata = object.path("metadata");
    for (JsonNode ref : metadata.path("ownerReferences")) {
      String uid = ref.path("uid").asText("");
      String kind = ref.path("kind").asText("");
      String name = ref.path("name").asText("");
      if (ref.path("controller").asBoolean(false) && !uid.isEmpty() && !kind.isEmpty() && !name.isEmpty()) {
        String apiVersion = ref.path("apiVersion").asText("");
        String group = ObjectKinds.groupOf(apiVersion);
        String version = group.isEmpty() ? apiVersion : apiVersion.substring(group.length() + 1);
        String namespace = ObjectKinds.isClusterScoped(kind) ? "" : metadata.path("namespace").asText("");
        return List.of(ObjectLink.parent(group, version, kind, ObjectKinds.resourceOf(kind), namespace, name, uid));
      }
    }
    return List.of();
  }
}
