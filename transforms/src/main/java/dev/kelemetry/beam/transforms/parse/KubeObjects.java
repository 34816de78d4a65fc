package dev.kelemetry.beam.transforms.parse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import dev.kelemetry.beam.transforms.spans.ObjectKinds;
import java.time.DateTimeException;
import java.util.Set;

/**
 * Kubernetes objects as input: object states (from watch lines and {@code kubectl get -o json} dumps) and Events
 * (core/v1 and events.k8s.io), turned into {@link ControlPlaneRecord}s. Plain Java; {@link RecordParser} calls it.
 *
 * <p>A watch line carries no time of its own, so a state is placed at the time a log shipper stamped on the line
 * when there is one ({@code time}, {@code timestamp} or {@code @timestamp} beside {@code type} and {@code object}),
 * else just after the newest timestamp inside the object: managedFields, creation, deletion (less its grace period),
 * status conditions and container states. These have whole seconds, so the state is placed at the end of that
 * second, which is after the request that wrote it was received: an audit event and a watch state of one write then
 * come in that order, and the write's audit span keeps the diff.
 */
public final class KubeObjects {
  private KubeObjects() {}

  static final Set<String> WATCH_TYPES = Set.of("ADDED", "MODIFIED", "DELETED");
  private static final long SECOND = 1_000_000L;

  /** Whether a JSON object is a Kubernetes Event (either API), whatever carried it. */
  static boolean isKubeEvent(JsonNode node) {
    if (!node.path("kind").asText("").equals("Event")) {
      return false;
    }
    String apiVersion = node.path("apiVersion").asText("");
    return apiVersion.equals("v1") || apiVersion.startsWith("events.k8s.io/");
  }

  /** Whether a JSON object is a stored Kubernetes object: it has an apiVersion, a kind and a name. */
  static boolean isKubeObject(JsonNode node) {
    return !node.path("apiVersion").asText("").isEmpty()
        && !node.path("kind").asText("").isEmpty()
        && !node.path("metadata").path("name").asText("").isEmpty();
  }

  /**
   * An object state.
   *
   * @param watchType ADDED, MODIFIED or DELETED from a watch line; {@link ControlPlaneRecord#LISTED} for a dump
   * @param shippedAtMicros the time a shipper stamped on the line, or null
   */
  static ParseOutcome state(JsonNode object, String watchType, Long shippedAtMicros, String cluster, String source,
      long line, String raw) {
    JsonNode meta = object.path("metadata");
    ObjectRef ref = ref(object.path("apiVersion").asText(""), object.path("kind").asText(""),
        meta.path("namespace").asText(""), meta.path("name").asText(""), meta.path("uid").asText(""),
        meta.path("resourceVersion").asText(""));
    long at;
    try {
      at = shippedAtMicros != null ? shippedAtMicros : endOfSecond(newestTimestamp(object));
    } catch (DateTimeException e) {
      return new ParseOutcome.Failed(line, "object state with an unreadable timestamp: " + e.getMessage(), raw);
    }
    if (at == Long.MIN_VALUE) {
      return new ParseOutcome.Failed(line, "object state with no timestamp to place it in time (no creationTimestamp,"
          + " managedFields or conditions, and no time on the line)", raw);
    }
    // Two sightings of one version are one state; without a resourceVersion the uid and time stand in for it.
    String version = ref.resourceVersion().isEmpty() ? "t" + at : ref.resourceVersion();
    String id = (ref.uid().isEmpty() ? ref.namespace() + "/" + ref.name() : ref.uid()) + "@" + version;
    return new ParseOutcome.Parsed(line, ControlPlaneRecord.observed(ControlPlaneRecord.STATE, cluster, source + ":" + line,
        id, watchType, ref, at, object.toString()));
  }

  /**
   * A Kubernetes Event, under the object it is about.
   *
   * @param stage the audit stage when the Event came as the body of an audited write (a complete response says more
   *     than a request), else empty
   */
  static ParseOutcome event(JsonNode event, String stage, String cluster, String source, long line, String raw) {
    JsonNode about = about(event);
    if (!about.isObject() || about.path("kind").asText("").isEmpty() || about.path("name").asText("").isEmpty()) {
      return new ParseOutcome.Failed(line, "Kubernetes Event without the kind and name of the object it is about"
          + " (involvedObject or regarding)", raw);
    }
    long at;
    try {
      at = eventTime(event);
    } catch (DateTimeException e) {
      return new ParseOutcome.Failed(line, "Kubernetes Event with an unreadable timestamp: " + e.getMessage(), raw);
    }
    if (at == Long.MIN_VALUE) {
      return new ParseOutcome.Failed(line, "Kubernetes Event without any time (lastTimestamp, eventTime, series,"
          + " firstTimestamp or creationTimestamp)", raw);
    }
    String kind = about.path("kind").asText("");
    String name = about.path("name").asText("");
    String uid = about.path("uid").asText("");
    if (kind.equals("Node") && uid.equals(name)) {
      uid = ""; // the kubelet names its Node by name in the uid field; the Node's real uid is another
    }
    ObjectRef ref = ref(about.path("apiVersion").asText(""), kind, about.path("namespace").asText(""), name, uid,
        about.path("resourceVersion").asText(""));
    JsonNode meta = event.path("metadata");
    String id = meta.path("namespace").asText("") + "/" + meta.path("name").asText("") + "#" + count(event);
    return new ParseOutcome.Parsed(line, ControlPlaneRecord.observed(ControlPlaneRecord.EVENT, cluster, source + ":" + line,
        id, stage, ref, at, event.toString()));
  }

  /** The object an Event is about: {@code regarding} (events.k8s.io) or {@code involvedObject} (core/v1). */
  public static JsonNode about(JsonNode event) {
    return event.has("regarding") ? event.path("regarding") : event.path("involvedObject");
  }

  /** An object named by apiVersion and kind, as objects and Events name them, in the audit log's terms. */
  private static ObjectRef ref(String apiVersion, String kind, String namespace, String name, String uid, String rv) {
    int slash = apiVersion.indexOf('/');
    return new ObjectRef(ObjectKinds.groupOf(apiVersion), slash < 0 ? apiVersion : apiVersion.substring(slash + 1),
        ObjectKinds.resourceOf(kind), "", namespace, name, uid, rv);
  }

  /** How many times the Event has occurred: {@code series.count}, {@code count}, {@code deprecatedCount}, else 1. */
  public static long count(JsonNode event) {
    for (JsonNode n : new JsonNode[] {event.path("series").path("count"), event.path("count"), event.path("deprecatedCount")}) {
      if (n.canConvertToLong() && n.asLong() > 0) {
        return n.asLong();
      }
    }
    return 1;
  }

  /** When the Event last occurred, in epoch micros; {@link Long#MIN_VALUE} if it names no time at all. */
  public static long eventTime(JsonNode event) {
    for (JsonNode n : new JsonNode[] {event.path("series").path("lastObservedTime"), event.path("lastTimestamp"),
        event.path("deprecatedLastTimestamp"), event.path("eventTime"), event.path("firstTimestamp"),
        event.path("deprecatedFirstTimestamp"), event.path("metadata").path("creationTimestamp")}) {
      if (n.isTextual() && !n.asText().isEmpty()) {
        return RecordParser.micros(n.asText());
      }
    }
    return Long.MIN_VALUE;
  }

  /** The newest time written inside an object by the API server or its controllers; {@link Long#MIN_VALUE} if none. */
  static long newestTimestamp(JsonNode object) {
    JsonNode meta = object.path("metadata");
    long newest = Long.MIN_VALUE;
    newest = Math.max(newest, time(meta.path("creationTimestamp")));
    if (meta.hasNonNull("deletionTimestamp")) {
      // set to the delete's time plus the grace period, so the delete itself happened that much earlier
      newest = Math.max(newest, time(meta.path("deletionTimestamp")) - meta.path("deletionGracePeriodSeconds").asLong(0) * SECOND);
    }
    for (JsonNode field : meta.path("managedFields")) {
      newest = Math.max(newest, time(field.path("time")));
    }
    JsonNode status = object.path("status");
    for (JsonNode condition : status.path("conditions")) {
      for (String f : new String[] {"lastTransitionTime", "lastUpdateTime", "lastHeartbeatTime", "lastProbeTime"}) {
        newest = Math.max(newest, time(condition.path(f)));
      }
    }
    newest = Math.max(newest, time(status.path("startTime")));
    for (String list : new String[] {"containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"}) {
      for (JsonNode container : status.path(list)) {
        for (JsonNode state : new JsonNode[] {container.path("state"), container.path("lastState")}) {
          newest = Math.max(newest, time(state.path("running").path("startedAt")));
          newest = Math.max(newest, time(state.path("terminated").path("startedAt")));
          newest = Math.max(newest, time(state.path("terminated").path("finishedAt")));
        }
      }
    }
    return newest;
  }

  /** The first microsecond after the whole second of {@code micros}: later than any request within that second. */
  private static long endOfSecond(long micros) {
    return micros == Long.MIN_VALUE ? micros : Math.floorDiv(micros, SECOND) * SECOND + SECOND;
  }

  private static long time(JsonNode n) {
    return n.isTextual() && !n.asText().isEmpty() ? RecordParser.micros(n.asText()) : Long.MIN_VALUE;
  }

  /** A shipper's time on a watch line, if it put one there. */
  static Long shippedAt(JsonNode line) {
    for (String f : new String[] {"time", "timestamp", "@timestamp"}) {
      JsonNode n = line.get(f);
      if (n != null && n.isTextual() && !n.asText().isEmpty()) {
        return RecordParser.micros(n.asText());
      }
    }
    return null;
  }
}
