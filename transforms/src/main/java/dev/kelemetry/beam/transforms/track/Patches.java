package dev.kelemetry.beam.transforms.track;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies a PATCH request body to the last known state, for audit logs at Request level (no response body). The audit
 * log does not record the patch type, so the body's shape decides: an array is a JSON Patch (RFC 6902); an object is
 * a merge patch, read as a strategic merge patch where its lists hold objects with a known merge key (the keys the
 * built-in types declare: {@code name}, {@code type}, {@code containerPort}, ...) or where it carries {@code $patch}
 * directives. Returns empty where the result cannot be known (an op we cannot apply): then no diff is claimed.
 */
public final class Patches {
  private Patches() {}

  /** patchMergeKey of the list fields of the built-in types, by field name. */
  private static final Map<String, String> MERGE_KEYS = Map.ofEntries(
      Map.entry("containers", "name"),
      Map.entry("initContainers", "name"),
      Map.entry("ephemeralContainers", "name"),
      Map.entry("containerStatuses", "name"),
      Map.entry("initContainerStatuses", "name"),
      Map.entry("ephemeralContainerStatuses", "name"),
      Map.entry("volumes", "name"),
      Map.entry("volumeMounts", "mountPath"),
      Map.entry("volumeDevices", "devicePath"),
      Map.entry("env", "name"),
      Map.entry("ports", "containerPort"),
      Map.entry("conditions", "type"),
      Map.entry("imagePullSecrets", "name"),
      Map.entry("ownerReferences", "uid"),
      Map.entry("tolerations", "key"),
      Map.entry("hostAliases", "ip"),
      Map.entry("addresses", "type"),
      Map.entry("taints", "key"));

  public static Optional<JsonNode> apply(JsonNode state, JsonNode patch) {
    if (state == null || patch == null) {
      return Optional.empty();
    }
    if (patch.isArray()) {
      return jsonPatch(state.deepCopy(), (ArrayNode) patch);
    }
    if (patch.isObject()) {
      return Optional.of(merge(state.deepCopy(), patch, ""));
    }
    return Optional.empty();
  }

  private static JsonNode merge(JsonNode target, JsonNode patch, String field) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    if ("replace".equals(patch.path("$patch").asText())) {
      ObjectNode copy = ((ObjectNode) patch).deepCopy();
      copy.remove("$patch");
      return copy;
    }
    ObjectNode result = target != null && target.isObject() ? (ObjectNode) target : JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String key = f.getKey();
      JsonNode value = f.getValue();
      if (key.startsWith("$setElementOrder/") || key.equals("$retainKeys") || key.equals("$patch")) {
        continue; // ordering and retain directives do not change which values exist
      }
      if (key.startsWith("$deleteFromPrimitiveList/")) {
        String list = key.substring("$deleteFromPrimitiveList/".length());
        if (result.get(list) instanceof ArrayNode arr && value.isArray()) {
          removeAll(arr, value);
        }
        continue;
      }
      if (value.isNull()) {
        result.remove(key);
      } else if (value.isArray() && result.get(key) instanceof ArrayNode existing && MERGE_KEYS.containsKey(key)
          && allObjectsWithKey(value, MERGE_KEYS.get(key))) {
        result.set(key, mergeList(existing, (ArrayNode) value, MERGE_KEYS.get(key)));
      } else if (value.isObject()) {
        result.set(key, merge(result.get(key), value, key));
      } else {
        result.set(key, value.deepCopy());
      }
    }
    return result;
  }

  private static boolean allObjectsWithKey(JsonNode list, String mergeKey) {
    for (JsonNode item : list) {
      if (!item.isObject() || !item.has(mergeKey)) {
        return false;
      }
    }
    return true;
  }

  private static ArrayNode mergeList(ArrayNode existing, ArrayNode patch, String mergeKey) {
    ArrayNode result = existing.deepCopy();
    for (JsonNode item : patch) {
      JsonNode keyValue = item.get(mergeKey);
      int at = -1;
      for (int i = 0; i < result.size(); i++) {
        if (keyValue.equals(result.get(i).get(mergeKey))) {
          at = i;
          break;
        }
      }
      boolean delete = "delete".equals(item.path("$patch").asText());
      if (delete) {
        if (at >= 0) {
          result.remove(at);
        }
      } else if (at >= 0) {
        result.set(at, merge(result.get(at), item, ""));
      } else {
        result.add(merge(null, item, ""));
      }
    }
    return result;
  }

  private static void removeAll(ArrayNode arr, JsonNode values) {
    for (JsonNode v : values) {
      for (int i = arr.size() - 1; i >= 0; i--) {
        if (arr.get(i).equals(v)) {
          arr.remove(i);
        }
      }
    }
  }

  private static Optional<JsonNode> jsonPatch(JsonNode doc, ArrayNode ops) {
    JsonNode root = doc;
    for (JsonNode op : ops) {
      String kind = op.path("op").asText();
      List<String> path = pointer(op.path("path").asText());
      if (path == null) {
        return Optional.empty();
      }
      switch (kind) {
        case "test" -> {}
        case "add", "replace" -> {
          if (path.isEmpty()) {
            root = op.path("value").deepCopy();
            continue;
          }
          JsonNode parent = at(root, path.subList(0, path.size() - 1));
          String last = path.get(path.size() - 1);
          if (parent instanceof ObjectNode obj) {
            obj.set(last, op.path("value").deepCopy());
          } else if (parent instanceof ArrayNode arr) {
            if (last.equals("-")) {
              arr.add(op.path("value").deepCopy());
            } else {
              int i = index(last, arr.size() + (kind.equals("add") ? 1 : 0));
              if (i < 0) {
                return Optional.empty();
              }
              if (kind.equals("add")) {
                arr.insert(i, op.path("value").deepCopy());
              } else {
                arr.set(i, op.path("value").deepCopy());
              }
            }
          } else {
            return Optional.empty();
          }
        }
        case "remove" -> {
          if (path.isEmpty()) {
            return Optional.empty();
          }
          JsonNode parent = at(root, path.subList(0, path.size() - 1));
          String last = path.get(path.size() - 1);
          if (parent instanceof ObjectNode obj) {
            obj.remove(last);
          } else if (parent instanceof ArrayNode arr && index(last, arr.size()) >= 0) {
            arr.remove(index(last, arr.size()));
          } else {
            return Optional.empty();
          }
        }
        default -> {
          return Optional.empty(); // move and copy are rare in controllers; claim no diff rather than a wrong one
        }
      }
    }
    return Optional.of(root);
  }

  private static List<String> pointer(String p) {
    if (p.isEmpty()) {
      return List.of();
    }
    if (!p.startsWith("/")) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    for (String s : p.substring(1).split("/", -1)) {
      parts.add(s.replace("~1", "/").replace("~0", "~"));
    }
    return parts;
  }

  private static JsonNode at(JsonNode node, List<String> path) {
    JsonNode cur = node;
    for (String s : path) {
      if (cur == null) {
        return null;
      }
      cur = cur.isArray() ? cur.get(index(s, cur.size())) : cur.get(s);
    }
    return cur;
  }

  private static int index(String s, int bound) {
    try {
      int i = Integer.parseInt(s);
      return i >= 0 && i < bound ? i : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
