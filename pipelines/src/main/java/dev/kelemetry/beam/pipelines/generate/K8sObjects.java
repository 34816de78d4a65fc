package dev.kelemetry.beam.pipelines.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Builders for the Kubernetes objects that appear in request and response bodies. */
final class K8sObjects {
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Alphabet of apimachinery's rand.String / SafeEncodeString: no vowels, no look-alikes. */
  static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  /** Key order in which the apiserver serializes ObjectMeta. */
  private static final List<String> METADATA_ORDER =
      List.of(
          "name", "generateName", "namespace", "uid", "resourceVersion", "generation",
          "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
          "annotations", "ownerReferences", "finalizers", "managedFields");

  private K8sObjects() {}

  /** Object literal from alternating keys and values; values may be JSON nodes or scalars. */
  static ObjectNode obj(Object... keysAndValues) {
    ObjectNode node = NODES.objectNode();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      node.set((String) keysAndValues[i], toNode(keysAndValues[i + 1]));
    }
    return node;
  }

  static ArrayNode arr(Object... items) {
    ArrayNode node = NODES.arrayNode();
    for (Object item : items) {
      node.add(toNode(item));
    }
    return node;
  }

  private static JsonNode toNode(Object value) {
    if (value == null) {
      return NullNode.instance;
    } else if (value instanceof JsonNode json) {
      return json;
    } else if (value instanceof String text) {
      return NODES.textNode(text);
    } else if (value instanceof Integer number) {
      return NODES.numberNode(number);
    } else if (value instanceof Long number) {
      return NODES.numberNode(number);
    } else if (value instanceof Boolean flag) {
      return NODES.booleanNode(flag);
    }
    throw new IllegalArgumentException("unsupported JSON value " + value.getClass());
  }

  static ObjectNode meta(ObjectNode object) {
    return (ObjectNode) object.get("metadata");
  }

  static String uid(ObjectNode object) {
    return meta(object).path("uid").asText();
  }

  static String name(ObjectNode object) {
    return meta(object).path("name").asText();
  }

  /** Restores the apiserver's metadata key order after fields were added later in the lifecycle. */
  static void sortMetadata(ObjectNode object) {
    ObjectNode metadata = meta(object);
    ObjectNode sorted = NODES.objectNode();
    for (String key : METADATA_ORDER) {
      if (metadata.has(key)) {
        sorted.set(key, metadata.get(key));
      }
    }
    object.set("metadata", sorted);
  }

  /** Turns a request body into the stored object: uid, resourceVersion, timestamps, manager. */
  static void persistNew(ObjectNode object, String uid, long resourceVersion, Long generation, String created) {
    ObjectNode metadata = meta(object);
    metadata.put("uid", uid);
    metadata.put("resourceVersion", Long.toString(resourceVersion));
    if (generation != null) {
      metadata.put("generation", generation);
    }
    metadata.put("creationTimestamp", created);
    sortMetadata(object);
  }

  static void setResourceVersion(ObjectNode object, long resourceVersion) {
    meta(object).put("resourceVersion", Long.toString(resourceVersion));
  }

  static long generation(ObjectNode object) {
    return meta(object).path("generation").asLong();
  }

  static void bumpGeneration(ObjectNode object) {
    meta(object).put("generation", generation(object) + 1);
  }

  /**
   * Records a write in managedFields the way server-side field tracking does: one entry per
   * (manager, subresource), whose time moves forward on each write.
   */
  static void touchManager(
      ObjectNode object, String manager, String apiVersion, String subresource, String time, JsonNode fields) {
    ObjectNode metadata = meta(object);
    ArrayNode managed = metadata.has("managedFields") ? (ArrayNode) metadata.get("managedFields") : null;
    if (managed == null) {
      managed = metadata.putArray("managedFields");
    }
    for (JsonNode entry : managed) {
      if (entry.path("manager").asText().equals(manager)
          && entry.path("subresource").asText("").equals(subresource == null ? "" : subresource)) {
        ((ObjectNode) entry).put("time", time);
        return;
      }
    }
    ObjectNode entry = obj(
        "manager", manager,
        "operation", "Update",
        "apiVersion", apiVersion,
        "time", time,
        "fieldsType", "FieldsV1",
        "fieldsV1", fields);
    if (subresource != null) {
      entry.put("subresource", subresource);
    }
    managed.add(entry);
  }

  static ObjectNode controllerRef(String apiVersion, String kind, String name, String uid) {
    return obj(
        "apiVersion", apiVersion,
        "kind", kind,
        "name", name,
        "uid", uid,
        "controller", true,
        "blockOwnerDeletion", true);
  }

  static ObjectNode labels(String app, String hash) {
    ObjectNode labels = obj("app", app);
    if (hash != null) {
      labels.put("pod-template-hash", hash);
    }
    return labels;
  }

  static ObjectNode podSpec(String image) {
    return obj(
        "containers",
        arr(obj(
            "name", "nginx",
            "image", image,
            "resources", obj(),
            "terminationMessagePath", "/dev/termination-log",
            "terminationMessagePolicy", "File",
            "imagePullPolicy", "IfNotPresent")),
        "restartPolicy", "Always",
        "terminationGracePeriodSeconds", 30,
        "dnsPolicy", "ClusterFirst",
        "securityContext", obj(),
        "schedulerName", "default-scheduler");
  }

  static ObjectNode podTemplate(String app, String hash, String image) {
    return obj(
        "metadata", obj("creationTimestamp", null, "labels", labels(app, hash)),
        "spec", podSpec(image));
  }

  /** The body `kubectl create deployment NAME --image=IMAGE --replicas=N` sends. */
  static ObjectNode deploymentRequest(String name, String namespace, int replicas, String image) {
    return obj(
        "kind", "Deployment",
        "apiVersion", "apps/v1",
        "metadata", obj("name", name, "namespace", namespace, "creationTimestamp", null, "labels", labels(name, null)),
        "spec", obj(
            "replicas", replicas,
            "selector", obj("matchLabels", labels(name, null)),
            "template", podTemplate(name, null, image),
            "strategy", obj(
                "type", "RollingUpdate",
                "rollingUpdate", obj("maxUnavailable", "25%", "maxSurge", "25%")),
            "revisionHistoryLimit", 10,
            "progressDeadlineSeconds", 600),
        "status", obj());
  }

  static String image(ObjectNode deployment) {
    return deployment.path("spec").path("template").path("spec").path("containers").path(0).path("image").asText();
  }

  /**
   * pod-template-hash as the deployment controller derives it: FNV-32a over the template, printed
   * in decimal and mapped onto the safe alphabet (padded to a fixed 10 characters here).
   */
  static String templateHash(ObjectNode template) {
    int hash = 0x811c9dc5;
    for (byte b : template.toString().getBytes(StandardCharsets.UTF_8)) {
      hash ^= (b & 0xff);
      hash *= 0x01000193;
    }
    String decimal = Long.toString(Integer.toUnsignedLong(hash));
    decimal = "0000000000".substring(decimal.length()) + decimal;
    StringBuilder encoded = new StringBuilder(10);
    for (char c : decimal.toCharArray()) {
      encoded.append(NAME_ALPHABET.charAt(c % NAME_ALPHABET.length()));
    }
    return encoded.toString();
  }

  /** A ReplicaSet as the deployment controller submits it (no uid, rv or timestamps yet). */
  static ObjectNode replicaSetRequest(
      ObjectNode deployment, String hash, int replicas, int revision, int maxSurge) {
    String app = name(deployment);
    String image = image(deployment);
    int desired = deployment.path("spec").path("replicas").asInt();
    return obj(
        "kind", "ReplicaSet",
        "apiVersion", "apps/v1",
        "metadata", obj(
            "name", app + "-" + hash,
            "namespace", meta(deployment).path("namespace").asText(),
            "creationTimestamp", null,
            "labels", labels(app, hash),
            "annotations", replicaSetAnnotations(desired, desired + maxSurge, revision),
            "ownerReferences", arr(controllerRef("apps/v1", "Deployment", app, uid(deployment)))),
        "spec", obj(
            "replicas", replicas,
            "selector", obj("matchLabels", labels(app, hash)),
            "template", podTemplate(app, hash, image)),
        "status", obj("replicas", 0));
  }

  static ObjectNode replicaSetAnnotations(int desired, int max, int revision) {
    return obj(
        "deployment.kubernetes.io/desired-replicas", Integer.toString(desired),
        "deployment.kubernetes.io/max-replicas", Integer.toString(max),
        "deployment.kubernetes.io/revision", Integer.toString(revision));
  }

  /** A Pod as the ReplicaSet controller submits it: generateName only, the server picks the name. */
  static ObjectNode podRequest(ObjectNode replicaSet) {
    String rsName = name(replicaSet);
    ObjectNode template = (ObjectNode) replicaSet.path("spec").path("template");
    return obj(
        "kind", "Pod",
        "apiVersion", "v1",
        "metadata", obj(
            "generateName", rsName + "-",
            "namespace", meta(replicaSet).path("namespace").asText(),
            "creationTimestamp", null,
            "labels", template.path("metadata").path("labels").deepCopy(),
            "ownerReferences", arr(controllerRef("apps/v1", "ReplicaSet", rsName, uid(replicaSet)))),
        "spec", template.path("spec").deepCopy(),
        "status", obj());
  }

  /** Server-side defaulting and admission add these to every stored Pod. */
  static void defaultPod(ObjectNode pod) {
    ObjectNode spec = (ObjectNode) pod.get("spec");
    spec.put("serviceAccountName", "default");
    spec.put("serviceAccount", "default");
    spec.set("tolerations", arr(
        obj("key", "node.kubernetes.io/not-ready", "operator", "Exists", "effect", "NoExecute", "tolerationSeconds", 300),
        obj("key", "node.kubernetes.io/unreachable", "operator", "Exists", "effect", "NoExecute", "tolerationSeconds", 300)));
    spec.put("priority", 0);
    spec.put("enableServiceLinks", true);
    spec.put("preemptionPolicy", "PreemptLowerPriority");
    pod.set("status", obj("phase", "Pending", "qosClass", "BestEffort"));
  }

  static ObjectNode condition(String type, String status, String reason, String message, String time) {
    ObjectNode condition = obj("type", type, "status", status, "lastProbeTime", null, "lastTransitionTime", time);
    if (reason != null) {
      condition.put("reason", reason);
    }
    if (message != null) {
      condition.put("message", message);
    }
    return condition;
  }

  /** Reference to an object as recorded in Event.involvedObject / regarding. */
  static ObjectNode objectReference(ObjectNode object, String fieldPath) {
    ObjectNode ref = obj(
        "kind", object.path("kind").asText(),
        "namespace", meta(object).path("namespace").asText(),
        "name", name(object),
        "uid", uid(object),
        "apiVersion", object.path("apiVersion").asText(),
        "resourceVersion", meta(object).path("resourceVersion").asText());
    if (fieldPath != null) {
      ref.put("fieldPath", fieldPath);
    }
    return ref;
  }

  /** meta/v1 Status as returned by deletes that do not return the object, bindings and errors. */
  static ObjectNode status(String outcome, int code, String reason, String message, ObjectNode details) {
    ObjectNode status = obj("kind", "Status", "apiVersion", "v1", "metadata", obj(), "status", outcome);
    if (message != null) {
      status.put("message", message);
    }
    if (reason != null) {
      status.put("reason", reason);
    }
    if (details != null) {
      status.set("details", details);
    }
    status.put("code", code);
    return status;
  }

  /** A FieldsV1 set naming the given dotted paths, e.g. "spec.replicas" -> {"f:spec":{"f:replicas":{}}}. */
  static ObjectNode fields(String... paths) {
    ObjectNode root = NODES.objectNode();
    for (String path : paths) {
      ObjectNode cursor = root;
      for (String part : path.split("\\|")) {
        String key = part.startsWith("k:") || part.equals(".") ? part : "f:" + part;
        ObjectNode next = (ObjectNode) cursor.get(key);
        if (next == null) {
          next = cursor.putObject(key);
        }
        cursor = next;
      }
    }
    return root;
  }
}
