package dev.kelemetry.beam.transforms.owners;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.transforms.spans.ObjectKinds;
import java.io.Serializable;

/**
 * A link from an object to its parent: the {@code ownerReference} with {@code controller: true}, or Kelemetry's
 * {@code kelemetry.kubewharf.io/parent-link} annotation. Namespace is resolved already: an owner lives in its
 * child's namespace unless its kind is cluster-scoped.
 */
public record OwnerRef(String uid, String apiGroup, String apiVersion, String kind, String resource, String namespace, String name)
    implements Serializable {

  public static final String PARENT_LINK_ANNOTATION = "kelemetry.kubewharf.io/parent-link";

  /** The controlling owner of {@code object}, or null. {@code cluster} is the object's own cluster. */
  public static OwnerRef controllerOf(JsonNode object, String cluster) {
    if (object == null) {
      return null;
    }
    JsonNode metadata = object.path("metadata");
    String childNamespace = metadata.path("namespace").asText("");
    for (JsonNode ref : metadata.path("ownerReferences")) {
      if (ref.path("controller").asBoolean(false) && !ref.path("uid").asText("").isEmpty()) {
        String kind = ref.path("kind").asText("");
        String apiVersion = ref.path("apiVersion").asText("");
        return new OwnerRef(ref.path("uid").asText(), ObjectKinds.groupOf(apiVersion), apiVersion, kind,
            ObjectKinds.resourceOf(kind), ObjectKinds.isClusterScoped(kind) ? "" : childNamespace, ref.path("name").asText(""));
      }
    }
    JsonNode link = metadata.path("annotations").path(PARENT_LINK_ANNOTATION);
    if (link.isTextual()) {
      try {
        JsonNode parent = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(link.asText());
        String linkCluster = parent.path("cluster").asText("");
        // Links to other clusters need the multi-cluster resolver of [3/7]; within one cluster they work now.
        if ((linkCluster.isEmpty() || linkCluster.equals(cluster)) && !parent.path("uid").asText("").isEmpty()) {
          String group = parent.path("group").asText("");
          String version = parent.path("version").asText("");
          return new OwnerRef(parent.path("uid").asText(), group, group.isEmpty() ? version : group + "/" + version,
              "", parent.path("resource").asText(""), parent.path("namespace").asText(""), parent.path("name").asText(""));
        }
      } catch (java.io.IOException e) {
        return null; // a malformed annotation links nothing; the object stays its own root
      }
    }
    return null;
  }
}
