package dev.kelemetry.beam.transforms.spans;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What an ownerReference does not say: the resource (plural) of a kind, and whether the kind is cluster-scoped.
 * Built-in kinds come from a table; other kinds use the API server's default plural (lowercase, +s/+es/y->ies).
 */
public final class ObjectKinds {
  private ObjectKinds() {}

  private static final Map<String, String> IRREGULAR = Map.of(
      "Endpoints", "endpoints",
      "PodSecurityPolicy", "podsecuritypolicies",
      "NetworkPolicy", "networkpolicies",
      "Ingress", "ingresses",
      "IngressClass", "ingressclasses",
      "StorageClass", "storageclasses",
      "PriorityClass", "priorityclasses",
      "RuntimeClass", "runtimeclasses");

  private static final Set<String> CLUSTER_SCOPED = Set.of(
      "Node", "Namespace", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
      "CustomResourceDefinition", "APIService", "PriorityClass", "ValidatingWebhookConfiguration",
      "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "CSIDriver",
      "CSINode", "IngressClass", "RuntimeClass", "VolumeAttachment", "CertificateSigningRequest", "FlowSchema",
      "PriorityLevelConfiguration");

  public static String resourceOf(String kind) {
    String irregular = IRREGULAR.get(kind);
    if (irregular != null) {
      return irregular;
    }
    String lower = kind.toLowerCase(Locale.ROOT);
    if (lower.endsWith("s") || lower.endsWith("x") || lower.endsWith("ch") || lower.endsWith("sh")) {
      return lower + "es";
    }
    if (lower.endsWith("y") && lower.length() > 1 && "aeiou".indexOf(lower.charAt(lower.length() - 2)) < 0) {
      return lower.substring(0, lower.length() - 1) + "ies";
    }
    return lower + "s";
  }

  public static boolean isClusterScoped(String kind) {
    return CLUSTER_SCOPED.contains(kind);
  }

  /** {@code apps/v1} -> {@code apps}; {@code v1} -> the core group, spelled as the empty string. */
  public static String groupOf(String apiVersion) {
    int slash = apiVersion == null ? -1 : apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }
}
