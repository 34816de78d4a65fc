package dev.kelemetry.beam.transforms.metrics;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.transforms.parse.RequestUris;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What a request metric can be grouped and filtered by, read off one audit record. A value the record does not have
 * is the empty string, so rows of one metric always have the same dimension keys.
 */
public final class RequestDimensions {
  private RequestDimensions() {}

  /**
   * Requests the API server itself leaves out of its latency histogram, because they last as long as the client
   * wants: watches, and the streaming subresources (kube-apiserver's long-running request check).
   */
  private static final Set<String> LONG_RUNNING_SUBRESOURCES = Set.of("attach", "exec", "proxy", "log", "portforward");

  private static final Map<String, Function<ControlPlaneRecord, String>> DIMENSIONS = new LinkedHashMap<>();

  static {
    DIMENSIONS.put("cluster", ControlPlaneRecord::cluster);
    DIMENSIONS.put("verb", ControlPlaneRecord::verb);
    DIMENSIONS.put("api_group", r -> r.objectRef().apiGroup());
    DIMENSIONS.put("api_version", r -> r.objectRef().apiVersion());
    DIMENSIONS.put("resource", r -> r.objectRef().resource());
    DIMENSIONS.put("subresource", r -> r.objectRef().subresource());
    DIMENSIONS.put("namespace", r -> r.objectRef().namespace());
    DIMENSIONS.put("name", r -> r.objectRef().name());
    DIMENSIONS.put("scope", RequestDimensions::scope);
    DIMENSIONS.put("user", ControlPlaneRecord::user);
    DIMENSIONS.put("impersonated_user", ControlPlaneRecord::impersonatedUser);
    DIMENSIONS.put("user_agent", ControlPlaneRecord::userAgent);
    DIMENSIONS.put("user_agent_product", r -> userAgentProduct(r.userAgent()));
    DIMENSIONS.put("source_ip", r -> r.sourceIps().isEmpty() ? "" : r.sourceIps().get(0));
    DIMENSIONS.put("code", r -> r.responseCode() > 0 ? Integer.toString(r.responseCode()) : "");
    DIMENSIONS.put("code_class", r -> r.responseCode() > 0 ? r.responseCode() / 100 + "xx" : "");
    DIMENSIONS.put("stage", ControlPlaneRecord::stage);
    DIMENSIONS.put("long_running", r -> Boolean.toString(isLongRunning(r)));
  }

  /** Every dimension name, in the order the docs list them. */
  public static final List<String> NAMES = List.copyOf(DIMENSIONS.keySet());

  /** Every dimension's value for one record, as filters need them. */
  public static Map<String, String> of(ControlPlaneRecord r) {
    Map<String, String> values = new LinkedHashMap<>();
    DIMENSIONS.forEach((name, value) -> {
      String v = value.apply(r);
      values.put(name, v == null ? "" : v);
    });
    return values;
  }

  /** {@code namespace} for namespaced objects, {@code cluster} for cluster-scoped ones, {@code none} for paths. */
  static String scope(ControlPlaneRecord r) {
    if (!r.objectRef().namespace().isEmpty()) {
      return "namespace";
    }
    return r.objectRef().resource().isEmpty() ? "none" : "cluster";
  }

  /** The program part of a Kubernetes user agent: {@code kubectl/v1.29.0 (linux/amd64) ...} -> {@code kubectl}. */
  static String userAgentProduct(String userAgent) {
    if (userAgent == null) {
      return "";
    }
    int end = 0;
    while (end < userAgent.length() && userAgent.charAt(end) != '/' && userAgent.charAt(end) != ' ') {
      end++;
    }
    return userAgent.substring(0, end);
  }

  public static boolean isLongRunning(ControlPlaneRecord r) {
    return "watch".equals(r.verb()) || "proxy".equals(r.verb())
        || LONG_RUNNING_SUBRESOURCES.contains(r.objectRef().subresource())
        || "true".equals(RequestUris.queryParameter(r.requestUri(), "watch"));
  }
}
