package dev.kelemetry.beam.transforms.track;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Keeps secret values out of every sink. A redacted value is replaced, before the state is stored, by a marker that
 * holds a digest of the value: two states can still be compared (the diff says {@code data.password changed}) but
 * the value itself never leaves this class. Markers are rendered as {@code "<redacted>"} in snapshots.
 *
 * <p>Always redacted: Secret {@code data} and {@code stringData}, and the
 * {@code kubectl.kubernetes.io/last-applied-configuration} annotation of Secrets (it holds the same values). Objects
 * labelled {@code kelemetry.kubewharf.io/diff-redacted} are redacted whole (Kelemetry's label). More paths come from
 * configuration, each {@code [resource:]path} where a path is dot-separated keys and {@code *} matches any key or
 * list index, e.g. {@code configmaps:data.*} or {@code spec.template.spec.containers.*.env.*.value}.
 */
public final class Redactor implements Serializable {
  static final String MARKER_PREFIX = "\u0000redacted:";
  public static final String SHOWN_AS = "<redacted>";
  public static final String REDACT_ALL_LABEL = "kelemetry.kubewharf.io/diff-redacted";
  private static final java.util.Set<String> IDENTIFYING_FIELDS = java.util.Set.of("apiVersion", "kind", "metadata");
  private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  private final List<Rule> rules;

  private record Rule(String resource, List<String> path) implements Serializable {}

  private Redactor(List<Rule> rules) {
    this.rules = rules;
  }

  public static Redactor withPaths(List<String> configured) {
    List<Rule> rules = new ArrayList<>();
    rules.add(new Rule("secrets", List.of("data", "*")));
    rules.add(new Rule("secrets", List.of("stringData", "*")));
    rules.add(new Rule("secrets", List.of("metadata", "annotations", LAST_APPLIED)));
    for (String spec : configured) {
      String s = spec.strip();
      if (s.isEmpty()) {
        continue;
      }
      int colon = s.indexOf(':');
      String resource = colon < 0 ? "*" : s.substring(0, colon);
      String path = colon < 0 ? s : s.substring(colon + 1);
      List<String> parts = List.of(path.replace("[*]", ".*").split("\\."));
      if (parts.stream().anyMatch(String::isEmpty)) {
        throw new IllegalArgumentException("redaction path '" + spec + "' has an empty segment; write e.g. configmaps:data.*");
      }
      rules.add(new Rule(resource, parts));
    }
    return new Redactor(List.copyOf(rules));
  }

  public static Redactor defaults() {
    return withPaths(List.of());
  }

  /** Redacts {@code object} (of API resource {@code resource}) in place and returns it. */
  public JsonNode redact(String resource, JsonNode object) {
    if (object == null || !object.isObject()) {
      return object;
    }
    if (object.path("metadata").path("labels").has(REDACT_ALL_LABEL)) {
      markAll(object); // then the rules still run: metadata may hold values of its own (last-applied-configuration)
    }
    for (Rule rule : rules) {
      if (rule.resource.equals("*") || rule.resource.equals(resource)) {
        apply(object, rule.path, 0);
      }
    }
    return object;
  }

  private static JsonNode markAll(JsonNode node) {
    if (node instanceof ObjectNode obj) {
      Iterator<Map.Entry<String, JsonNode>> fields = obj.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        if (IDENTIFYING_FIELDS.contains(f.getKey())) {
          continue; // kind, version, names, labels and owners stay visible: they identify the object
        }
        f.setValue(markValues(f.getValue()));
      }
    }
    return node;
  }

  private static JsonNode markValues(JsonNode node) {
    if (node instanceof ObjectNode obj) {
      obj.fields().forEachRemaining(f -> f.setValue(markValues(f.getValue())));
      return obj;
    }
    if (node instanceof ArrayNode arr) {
      for (int i = 0; i < arr.size(); i++) {
        arr.set(i, markValues(arr.get(i)));
      }
      return arr;
    }
    return marker(node);
  }

  private static void apply(JsonNode node, List<String> path, int depth) {
    String segment = path.get(depth);
    boolean last = depth == path.size() - 1;
    if (node instanceof ObjectNode obj) {
      List<String> keys = new ArrayList<>();
      if (segment.equals("*")) {
        obj.fieldNames().forEachRemaining(keys::add);
      } else if (obj.has(segment)) {
        keys.add(segment);
      }
      for (String key : keys) {
        if (last) {
          obj.set(key, markValues(obj.get(key)));
        } else {
          apply(obj.get(key), path, depth + 1);
        }
      }
    } else if (node instanceof ArrayNode arr) {
      for (int i = 0; i < arr.size(); i++) {
        if (segment.equals("*") || segment.equals(Integer.toString(i))) {
          if (last) {
            arr.set(i, markValues(arr.get(i)));
          } else {
            apply(arr.get(i), path, depth + 1);
          }
        }
      }
    }
  }

  private static JsonNode marker(JsonNode value) {
    if (isMarker(value)) {
      return value;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.toString().getBytes(StandardCharsets.UTF_8));
      return TextNode.valueOf(MARKER_PREFIX + HexFormat.of().formatHex(digest, 0, 16));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  static boolean isMarker(JsonNode node) {
    return node != null && node.isTextual() && node.asText().startsWith(MARKER_PREFIX);
  }

  /** A copy of {@code node} fit to be shown: markers replaced by {@link #SHOWN_AS}. */
  public static JsonNode forDisplay(JsonNode node) {
    JsonNode copy = node.deepCopy();
    replaceMarkers(copy);
    return copy;
  }

  private static void replaceMarkers(JsonNode node) {
    if (node instanceof ObjectNode obj) {
      obj.fields().forEachRemaining(f -> {
        if (isMarker(f.getValue())) {
          f.setValue(TextNode.valueOf(SHOWN_AS));
        } else {
          replaceMarkers(f.getValue());
        }
      });
    } else if (node instanceof ArrayNode arr) {
      for (int i = 0; i < arr.size(); i++) {
        if (isMarker(arr.get(i))) {
          arr.set(i, TextNode.valueOf(SHOWN_AS));
        } else {
          replaceMarkers(arr.get(i));
        }
      }
    }
  }
}
