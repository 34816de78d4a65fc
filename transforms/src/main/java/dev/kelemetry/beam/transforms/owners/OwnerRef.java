package dev.kelemetry.beam.transforms.owners;

import dev.kelemetry.beam.plugins.ObjectLink;
import java.io.Serializable;

/**
 * A link from an object to its parent in the trace tree, as a linker found it (the controlling ownerReference, the
 * {@code kelemetry.kubewharf.io/parent-link} annotation, a plugin's rule). Namespace is resolved already: an owner
 * lives in its child's namespace unless its kind is cluster-scoped.
 *
 * @param cluster the parent's cluster; empty for the child's own
 * @param linker the name of the linker that found it; empty when unknown
 */
public record OwnerRef(String uid, String apiGroup, String apiVersion, String kind, String resource, String namespace,
    String name, String cluster, String linker) implements Serializable {

  public OwnerRef {
    cluster = cluster == null ? "" : cluster;
    linker = linker == null ? "" : linker;
  }

  /** A parent in the child's own cluster. */
  public OwnerRef(String uid, String apiGroup, String apiVersion, String kind, String resource, String namespace,
      String name) {
    this(uid, apiGroup, apiVersion, kind, resource, namespace, name, "", "");
  }

  public OwnerRef(String uid, String apiGroup, String apiVersion, String kind, String resource, String namespace,
      String name, String cluster) {
    this(uid, apiGroup, apiVersion, kind, resource, namespace, name, cluster, "");
  }

  public static OwnerRef of(ObjectLink parent, String linker) {
    String apiVersion = parent.apiGroup().isEmpty() ? parent.version() : parent.apiGroup() + "/" + parent.version();
    return new OwnerRef(parent.uid(), parent.apiGroup(), apiVersion, parent.kind(), parent.resource(),
        parent.namespace(), parent.name(), parent.cluster(), linker);
  }

  /** Back to the plugin API's form, e.g. to write it as {@link ObjectLink#describe} does. */
  public ObjectLink toLink() {
    String version = apiGroup.isEmpty() || !apiVersion.startsWith(apiGroup + "/") ? apiVersion
        : apiVersion.substring(apiGroup.length() + 1);
    return new ObjectLink(ObjectLink.Role.PARENT, cluster, apiGroup, version, kind, resource, namespace, name, uid);
  }

  /** The parent's cluster, given the child's. */
  public String clusterFrom(String childCluster) {
    return cluster.isEmpty() ? childCluster : cluster;
  }
}
