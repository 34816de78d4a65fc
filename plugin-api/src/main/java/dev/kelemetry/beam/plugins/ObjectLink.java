package dev.kelemetry.beam.plugins;

import java.io.Serializable;

/**
 * A link a {@link Linker} found from one object to another.
 *
 * <p>A {@link Role#PARENT} link places the object under the other one in the trace tree, as a controlling
 * ownerReference does; the other object may live in another cluster. It must name the parent's uid, because that is
 * how the parent is recognised when it shows up in the logs. A {@link Role#RELATED} link does not change the tree: it
 * becomes a searchable attribute of the object's span ({@code kelemetry.link.<linker>}), e.g. the Node a Pod runs on.
 *
 * @param cluster the other object's cluster, or empty for the object's own cluster
 * @param apiGroup empty for the core group
 * @param version the API version without the group, e.g. {@code v1}; may be empty when unknown
 * @param kind may be empty when unknown
 * @param resource the plural resource name, e.g. {@code replicasets}
 * @param namespace empty for a cluster-scoped object
 * @param uid required for a parent, may be empty for a related object
 */
public record ObjectLink(Role role, String cluster, String apiGroup, String version, String kind, String resource,
    String namespace, String name, String uid) implements Serializable {

  public enum Role { PARENT, RELATED }

  public ObjectLink {
    if (role == null) {
      throw new IllegalArgumentException("a link needs a role, PARENT or RELATED");
    }
    cluster = orEmpty(cluster);
    apiGroup = orEmpty(apiGroup);
    version = orEmpty(version);
    kind = orEmpty(kind);
    resource = orEmpty(resource);
    namespace = orEmpty(namespace);
    name = orEmpty(name);
    uid = orEmpty(uid);
    if (resource.isEmpty() || name.isEmpty()) {
      throw new IllegalArgumentException("a link needs the other object's resource and name, got resource '"
          + resource + "' name '" + name + "'");
    }
    if (role == Role.PARENT && uid.isEmpty()) {
      throw new IllegalArgumentException("a parent link needs the parent's uid: " + resource + "/" + name);
    }
  }

  /** A parent in the object's own cluster. */
  public static ObjectLink parent(String apiGroup, String version, String kind, String resource, String namespace,
      String name, String uid) {
    return new ObjectLink(Role.PARENT, "", apiGroup, version, kind, resource, namespace, name, uid);
  }

  /** A related object in the object's own cluster; the uid may be empty. */
  public static ObjectLink related(String apiGroup, String version, String kind, String resource, String namespace,
      String name, String uid) {
    return new ObjectLink(Role.RELATED, "", apiGroup, version, kind, resource, namespace, name, uid);
  }

  /** The same link to an object in {@code otherCluster}. */
  public ObjectLink inCluster(String otherCluster) {
    return new ObjectLink(role, otherCluster, apiGroup, version, kind, resource, namespace, name, uid);
  }

  /**
   * How the other object is written in a span attribute, short enough to type in a search:
   * {@code [cluster:]resource[.group]/[namespace/]name}, e.g. {@code nodes/node-1} or
   * {@code prod:deployments.apps/default/web}. The cluster is left out when it is {@code fromCluster}.
   */
  public String describe(String fromCluster) {
    StringBuilder b = new StringBuilder();
    if (!cluster.isEmpty() && !cluster.equals(fromCluster)) {
      b.append(cluster).append(':');
    }
    b.append(resource);
    if (!apiGroup.isEmpty()) {
      b.append('.').append(apiGroup);
    }
    b.append('/');
    if (!namespace.isEmpty()) {
      b.append(namespace).append('/');
    }
    return b.append(name).toString();
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
