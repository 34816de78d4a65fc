package dev.kelemetry.beam.transforms.spans;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Attributes that name an object, in OpenTelemetry's {@code k8s.*} conventions where one exists
 * ({@code k8s.cluster.name}, {@code k8s.namespace.name}, {@code k8s.pod.name}, {@code k8s.deployment.uid}, ...) and
 * under {@code kelemetry.object.*} for the rest.
 */
public final class SpanAttributes {
  private SpanAttributes() {}

  /** Kinds that have {@code k8s.<kind>.name} and {@code k8s.<kind>.uid} attributes in the OpenTelemetry conventions. */
  private static final Set<String> OTEL_KINDS =
      Set.of("pod", "deployment", "replicaset", "statefulset", "daemonset", "job", "cronjob", "node", "namespace",
          "container", "replicationcontroller", "hpa", "resourcequota");

  public static Map<String, Object> forObject(String cluster, String apiGroup, String apiVersion, String kind,
      String resource, String namespace, String name, String uid) {
    Map<String, Object> a = new TreeMap<>();
    a.put("k8s.cluster.name", cluster);
    if (!namespace.isEmpty()) {
      a.put("k8s.namespace.name", namespace);
    }
    a.put("kelemetry.object.group", apiGroup);
    a.put("kelemetry.object.version", versionOf(apiVersion));
    a.put("kelemetry.object.resource", resource);
    a.put("kelemetry.object.name", name);
    if (!kind.isEmpty()) {
      a.put("kelemetry.object.kind", kind);
    }
    if (!uid.isEmpty()) {
      a.put("kelemetry.object.uid", uid);
    }
    String otelKind = kind.isEmpty() ? singular(resource) : kind.toLowerCase(Locale.ROOT);
    if (OTEL_KINDS.contains(otelKind) && !otelKind.equals("namespace")) {
      a.put("k8s." + otelKind + ".name", name);
      if (!uid.isEmpty()) {
        a.put("k8s." + otelKind + ".uid", uid);
      }
    }
    if (otelKind.equals("namespace")) {
      a.put("k8s.namespace.name", name);
    }
    return a;
  }

  private static String versionOf(String apiVersion) {
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
  }

  private static String singular(String resource) {
    if (resource.endsWith("ies")) {
      return resource.substring(0, resource.length() - 3) + "y";
    }
    if (resource.endsWith("sses") || resource.endsWith("xes")) {
      return resource.substring(0, resource.length() - 2);
    }
    return resource.endsWith("s") ? resource.substring(0, resource.length() - 1) : resource;
  }
}
