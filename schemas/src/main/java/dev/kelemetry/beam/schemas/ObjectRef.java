package dev.kelemetry.beam.schemas;

import java.io.Serializable;

/**
 * The object an API request touched, as the audit log names it. Subresources ({@code status}, {@code scale},
 * {@code binding}) are kept apart here and folded onto their parent object by the identity.
 */
public record ObjectRef(
    String apiGroup,
    String apiVersion,
    String resource,
    String subresource,
    String namespace,
    String name,
    String uid,
    String resourceVersion)
    implements Serializable {

  /** The core group has no name in the audit log; we spell it as the empty string everywhere. */
  public ObjectRef {
    apiGroup = nz(apiGroup);
    apiVersion = nz(apiVersion);
    resource = nz(resource);
    subresource = nz(subresource);
    namespace = nz(namespace);
    name = nz(name);
    uid = nz(uid);
    resourceVersion = nz(resourceVersion);
  }

  /** {@code apps/v1}, or {@code v1} for the core group: the object's apiVersion as its manifest spells it. */
  public String groupVersion() {
    return apiGroup.isEmpty() ? apiVersion : apiGroup + "/" + apiVersion;
  }

  public ObjectRef withName(String newName) {
    return new ObjectRef(apiGroup, apiVersion, resource, subresource, namespace, newName, uid, resourceVersion);
  }

  public ObjectRef withUid(String newUid) {
    return new ObjectRef(apiGroup, apiVersion, resource, subresource, namespace, name, newUid, resourceVersion);
  }

  static String nz(String s) {
    return s == null ? "" : s;
  }
}
