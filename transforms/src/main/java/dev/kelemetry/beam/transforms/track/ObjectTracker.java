package dev.kelemetry.beam.transforms.track;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.plugins.ObjectLink;
import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.parse.RequestUris;
import dev.kelemetry.beam.transforms.owners.ObjectSighting;
import dev.kelemetry.beam.transforms.links.ObjectLinks;
import dev.kelemetry.beam.transforms.owners.OwnerRef;
import dev.kelemetry.beam.transforms.parse.KubeObjects;
import dev.kelemetry.beam.transforms.spans.AuditSpans;
import dev.kelemetry.beam.transforms.spans.EventSpans;
import dev.kelemetry.beam.transforms.spans.StateSpans;
import dev.kelemetry.beam.transforms.spans.SpanIds;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Follows one object through its requests, in time order: which incarnation (uid) a request belongs to, the object's
 * state after each write, the field diff against the state before, snapshots on create and delete, and the owner.
 * Plain Java; the {@code TrackObjects} DoFn keeps an {@link ObjectState} per object and calls {@link #track}.
 *
 * <p>Where the new state comes from, best first: the response body when it is the object itself; for the
 * {@code scale} subresource, the Scale's {@code spec.replicas} applied to the last state; the request body of a create
 * or update; a patch body applied to the last state ({@link Patches}). With none of these (Metadata-level logs) the
 * request still gets its span, without a diff.
 */
public final class ObjectTracker implements Serializable {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private final Redactor redactor;
  private final long windowMicros;
  private final ObjectLinks links;

  public ObjectTracker(Redactor redactor, long windowMicros, ObjectLinks links) {
    this.redactor = redactor;
    this.windowMicros = windowMicros;
    this.links = links;
  }

  /**
   * The outcome of one record: its span (trace id still empty; null when the record adds nothing, see
   * {@code skipped}), the state after it (null when there is still nothing to remember), a sighting if one is due.
   *
   * @param skipped why a record gave no span (a counter name), else null
   */
  public record Step(SpanRow span, String placementKey, ObjectState state, ObjectSighting sighting,
      boolean newIncarnation, String skipped) {}

  /** Counter names for records that add no span. */
  public static final String STATE_UNCHANGED = "states_already_known";
  public static final String STATE_STALE = "states_older_than_known";

  /** The key that joins an object's audit spans with its place in the owner tree of a window. */
  public static String placementKey(String cluster, String objectId, long windowStartMicros) {
    return cluster + "\u0001" + objectId + "\u0001" + windowStartMicros;
  }

  /** A stable id for an object whose uid no record names: its name identity. */
  public static String objectIdFor(String cluster, ObjectRef ref, String uid) {
    if (!uid.isEmpty()) {
      return uid;
    }
    return "name:" + cluster + "/" + ref.apiGroup() + "/" + ref.resource() + "/" + ref.namespace() + "/" + ref.name();
  }

  /** An audited request. */
  public Step track(ObjectState before, ControlPlaneRecord r) {
    ObjectState s = before == null ? ObjectState.empty() : before;
    ObjectRef ref = r.objectRef();
    boolean succeeded = r.responseCode() > 0 ? r.responseCode() < 300 : !"RequestReceived".equals(r.stage());
    List<SpanEvent> events = new ArrayList<>();
    String at = Rows.timestamp(Math.max(r.stageMicros(), r.requestReceivedMicros()));

    // Which incarnation: a successful create after a delete, or a different uid in the record, starts a new one.
    String recordUid = ref.uid();
    boolean newIncarnation = false;
    if (r.verb().equals("create") && succeeded && (s.deleted() || (!recordUid.isEmpty() && !recordUid.equals(s.uid())))) {
      newIncarnation = before != null;
      s = ObjectState.empty();
    } else if (!recordUid.isEmpty() && !s.uid().isEmpty() && !recordUid.equals(s.uid())) {
      newIncarnation = true;
      s = ObjectState.empty();
    }
    if (before == null) {
      newIncarnation = true;
    }
    String uid = !s.uid().isEmpty() ? s.uid() : recordUid;

    // Only a successful write changes the object; reads and failures leave the stored state as it is, unparsed.
    // A dry run (kubectl diff, apply --dry-run=server) answers like the real write but stores nothing.
    boolean dryRun = isDryRun(r.requestUri());
    boolean changes = succeeded && r.isWrite() && !dryRun;
    if (dryRun && succeeded && r.isWrite()) {
      events.add(note(at, "dry run: the API server stored nothing"));
    }
    JsonNode previous = changes ? s.state() : null;
    JsonNode request = changes ? bodyOrNote(parse(r.requestObject()), "request", at, events) : null;
    JsonNode response = changes ? bodyOrNote(parse(r.responseObject()), "response", at, events) : null;
    JsonNode next = previous;
    boolean deletedNow = s.deleted();

    if (changes) {
      if (r.verb().equals("delete")) {
        // The API server answers a delete with the object (pods, or while finalizers or a grace period keep it) or
        // with a Status (most resources once gone); then the last known state is what was deleted.
        JsonNode finalState = isObjectBody(response) && bodyIsTheObject(ref) ? clean(response, ref) : previous;
        if (finalState != null && stillTerminating(finalState)) {
          next = finalState;
          if (previous != null) {
            addDiff(events, at, previous, finalState);
          }
        } else {
          next = finalState;
          deletedNow = true;
          if (finalState != null) {
            events.add(snapshot(at, finalState));
          }
        }
      } else {
        JsonNode candidate = newState(r, ref, previous, request, response);
        if (candidate != null) {
          next = candidate;
        }
        boolean createdTheObject = r.verb().equals("create") && bodyIsTheObject(ref) && ref.subresource().isEmpty();
        if (s.stateFromWatch() && next != null && previous != null && sameResourceVersion(previous, next)) {
          // A watch showed this very version first (its time is only known to the second): one diff, on its span.
          events.add(note(at, "this version was seen first by a watch or dump; its diff is on that span"));
        } else if (createdTheObject && next != null) {
          events.add(snapshot(at, next));
        } else if (previous != null && next != null && next != previous) {
          addDiff(events, at, previous, next);
          // Only a response body tells that the API server stored nothing new; a state we derived keeps the old version.
          if (isObjectBody(response) && bodyIsTheObject(ref) && sameResourceVersion(previous, next)) {
            events.add(note(at, "No-op update"));
          }
        } else if (previous == null && next != null && !createdTheObject) {
          events.add(note(at, "first state of this object in the log: nothing earlier to diff against"));
        }
      }
    }
    if (!succeeded && r.responseStatus() != null) {
      events.add(new SpanEvent(at, SpanEvent.ERROR, new TreeMap<>(Map.of("status", r.responseStatus()))));
    }

    if (uid.isEmpty() && next != null) {
      uid = next.path("metadata").path("uid").asText("");
    }
    String kind = next != null ? next.path("kind").asText(s.kind()) : s.kind();
    String apiVersion = next != null ? next.path("apiVersion").asText(s.apiVersion()) : s.apiVersion();
    // Links come from the object's state, so only a write that changed it can change them.
    ObjectLinks.Found found = changes && next != null ? links.of(r.cluster(), next) : new ObjectLinks.Found(s.owner(), s.related());
    String objectId = objectIdFor(r.cluster(), ref, uid);
    long windowStart = SpanIds.windowStart(r.requestReceivedMicros(), windowMicros);

    ObjectSighting sighting = sightingIfDue(s, newIncarnation, r, objectId, uid, kind, apiVersion, found, windowStart);
    String rvBefore = changes ? resourceVersion(previous) : "";
    String rvAfter = changes ? resourceVersion(next) : "";
    SpanRow span = AuditSpans.build(r, objectId, uid, windowStart, windowMicros, rvBefore, rvAfter, events);
    boolean stateChanged = changes && next != previous;
    ObjectState after = new ObjectState(uid, kind, apiVersion, changes ? next : s.state(),
        rvAfter.isEmpty() ? s.resourceVersion() : rvAfter, deletedNow, found.parent(), found.related(), s.sightedWindow(),
        s.sightedLinks(),
        !stateChanged && s.stateFromWatch());
    return new Step(span, placementKey(r.cluster(), objectId, windowStart), sighted(after, sighting), sighting,
        newIncarnation, null);
  }

  /**
   * An object version seen by a watch or in a dump. A version the tracker already has (from an audit body or an
   * earlier sighting) adds nothing: the write's diff is shown once. A new version gets a span with the diff against
   * the version before, or a snapshot when it is the first one seen or the last (DELETED). A version older than the
   * known one (both resourceVersions numeric, as etcd's are) is stale and skipped.
   */
  public Step observe(ObjectState before, ControlPlaneRecord r) {
    ObjectState s = before == null ? ObjectState.empty() : before;
    ObjectRef ref = r.objectRef();
    boolean newIncarnation = before == null;
    if (!ref.uid().isEmpty() && !s.uid().isEmpty() && !ref.uid().equals(s.uid())) {
      newIncarnation = true;
      s = ObjectState.empty();
    }
    boolean deletedNow = "DELETED".equals(r.stage());
    String rv = ref.resourceVersion();
    String uid = ref.uid().isEmpty() ? s.uid() : ref.uid();
    String objectId = objectIdFor(r.cluster(), ref, uid);
    long windowStart = SpanIds.windowStart(r.requestReceivedMicros(), windowMicros);
    String key = placementKey(r.cluster(), objectId, windowStart);
    if (!newIncarnation && !rv.isEmpty() && rv.equals(s.resourceVersion()) && (deletedNow == s.deleted() || s.deleted())) {
      return new Step(null, key, before, null, false, STATE_UNCHANGED);
    }
    if (!newIncarnation && (olderThan(rv, s.resourceVersion()) || (s.deleted() && !deletedNow))) {
      return new Step(null, key, before, null, false, STATE_STALE);
    }
    String at = Rows.timestamp(r.requestReceivedMicros());
    JsonNode next = clean(parse(r.responseObject()), ref);
    JsonNode previous = s.state();
    List<SpanEvent> events = new ArrayList<>();
    if (deletedNow || previous == null) {
      events.add(snapshot(at, next));
    } else {
      addDiff(events, at, previous, next);
    }
    String kind = next.path("kind").asText(s.kind());
    String apiVersion = next.path("apiVersion").asText(s.apiVersion());
    ObjectLinks.Found found = links.of(r.cluster(), next);
    ObjectSighting sighting = sightingIfDue(s, newIncarnation, r, objectId, uid, kind, apiVersion, found, windowStart);
    SpanRow span = StateSpans.build(r, objectId, uid, kind, windowStart, s.resourceVersion(), events);
    ObjectState after = new ObjectState(uid, kind, apiVersion, next, rv, deletedNow, found.parent(), found.related(),
        s.sightedWindow(), s.sightedLinks(), true);
    return new Step(span, key, sighted(after, sighting), sighting, newIncarnation, null);
  }

  /**
   * A Kubernetes Event about this object: its span goes under the object's span in the Event's window, and makes the
   * object active there. An Event about an earlier incarnation (another uid) goes under that one, whose owner is no
   * longer known. Events change nothing of the object's state.
   */
  public Step place(ObjectState before, ControlPlaneRecord r) {
    ObjectState s = before == null ? ObjectState.empty() : before;
    ObjectRef ref = r.objectRef();
    boolean sameObject = before != null && (ref.uid().isEmpty() || s.uid().isEmpty() || ref.uid().equals(s.uid()));
    String uid = sameObject && !s.uid().isEmpty() ? s.uid() : ref.uid();
    JsonNode event = parse(r.responseObject());
    String kind = sameObject && !s.kind().isEmpty() ? s.kind() : KubeObjects.about(event).path("kind").asText("");
    String apiVersion = sameObject && !s.apiVersion().isEmpty() ? s.apiVersion() : ref.groupVersion();
    ObjectLinks.Found found = sameObject ? new ObjectLinks.Found(s.owner(), s.related()) : ObjectLinks.Found.NONE;
    String objectId = objectIdFor(r.cluster(), ref, uid);
    long windowStart = SpanIds.windowStart(r.requestReceivedMicros(), windowMicros);
    // Without a state for it, the object has no memory of sightings sent: every Event sends one (one per object and
    // window survives owner resolution's combine).
    ObjectSighting sighting = sightingIfDue(sameObject ? s : ObjectState.empty(), !sameObject, r, objectId, uid, kind,
        apiVersion, found, windowStart);
    SpanRow span = EventSpans.build(r, event, objectId, uid, kind, windowStart);
    return new Step(span, placementKey(r.cluster(), objectId, windowStart), sameObject ? sighted(s, sighting) : before,
        sighting, false, null);
  }

  private static ObjectSighting sightingIfDue(ObjectState s, boolean newIncarnation, ControlPlaneRecord r,
      String objectId, String uid, String kind, String apiVersion, ObjectLinks.Found found, long windowStart) {
    if (!newIncarnation && s.sightedWindow() == windowStart && s.sightedLinks().equals(linksKey(found.parent(), found.related()))) {
      return null;
    }
    ObjectRef ref = r.objectRef();
    return new ObjectSighting(r.cluster(), objectId, uid, ref.apiGroup(), apiVersion.isEmpty() ? ref.groupVersion() : apiVersion,
        kind, ref.resource(), ref.namespace(), ref.name(), windowStart, r.requestReceivedMicros(), found.parent(), false,
        found.related());
  }

  private static ObjectState sighted(ObjectState state, ObjectSighting sighting) {
    return sighting == null ? state
        : state.sighted(sighting.windowStartMicros(), linksKey(sighting.owner(), sighting.related()));
  }

  /** What a sighting told owner resolution about an object's links: a change within a window sends another. */
  private static String linksKey(OwnerRef owner, Map<String, List<ObjectLink>> related) {
    return (owner == null ? "" : owner.clusterFrom("") + "/" + owner.uid()) + (related.isEmpty() ? "" : " " + related);
  }

  /** Whether resourceVersion {@code a} is older than {@code b}; only decidable when both are numbers, as etcd's are. */
  static boolean olderThan(String a, String b) {
    if (a.isEmpty() || b.isEmpty() || a.length() > 18 || b.length() > 18 || !a.chars().allMatch(Character::isDigit)
        || !b.chars().allMatch(Character::isDigit)) {
      return false;
    }
    return Long.parseLong(a) < Long.parseLong(b);
  }

  /**
   * A body that is text, not JSON of an object: AKS writes {@code "skipped-too-big-size-object"} in place of a large
   * body. The span says so; the write is traced without that body, as at Metadata level.
   */
  private static JsonNode bodyOrNote(JsonNode body, String which, String at, List<SpanEvent> events) {
    if (body != null && body.isTextual()) {
      events.add(note(at, "the audit log left out the " + which + " body: " + body.asText()));
      return null;
    }
    return body;
  }

  private JsonNode newState(ControlPlaneRecord r, ObjectRef ref, JsonNode previous, JsonNode request, JsonNode response) {
    if (isObjectBody(response) && bodyIsTheObject(ref)) {
      return clean(response, ref);
    }
    if (ref.subresource().equals("scale") && previous != null) {
      JsonNode scale = isScale(response) ? response : isScale(request) ? request : null;
      if (scale != null && scale.path("spec").has("replicas")) {
        ObjectNode copy = previous.deepCopy();
        copy.with("spec").set("replicas", scale.path("spec").path("replicas"));
        return copy;
      }
      if (r.verb().equals("patch") && request != null && request.path("spec").has("replicas")) {
        ObjectNode copy = previous.deepCopy();
        copy.with("spec").set("replicas", request.path("spec").path("replicas"));
        return copy;
      }
      return null;
    }
    if (!bodyIsTheObject(ref)) {
      return null; // binding, eviction, exec, ...: the body is not the object
    }
    if ((r.verb().equals("create") || r.verb().equals("update")) && isObjectBody(request)) {
      return clean(request, ref);
    }
    if (r.verb().equals("patch") && request != null && previous != null) {
      return Patches.apply(previous, request).map(p -> clean(p, ref)).orElse(null);
    }
    return null;
  }

  private JsonNode clean(JsonNode body, ObjectRef ref) {
    JsonNode copy = body.deepCopy();
    if (copy instanceof ObjectNode obj && obj.get("metadata") instanceof ObjectNode meta) {
      meta.remove("managedFields");
    }
    return redactor.redact(ref.resource(), copy);
  }

  private static boolean bodyIsTheObject(ObjectRef ref) {
    return ref.subresource().isEmpty() || ref.subresource().equals("status");
  }

  private static boolean isObjectBody(JsonNode body) {
    return body != null && body.isObject() && body.has("metadata") && !body.path("kind").asText("").equals("Status");
  }

  private static boolean isScale(JsonNode body) {
    return body != null && body.path("kind").asText("").equals("Scale");
  }

  /** A delete that only started: the object stays, with a deletionTimestamp, until finalizers or the grace period end. */
  private static boolean stillTerminating(JsonNode object) {
    JsonNode meta = object.path("metadata");
    return meta.has("deletionTimestamp")
        && (meta.path("finalizers").size() > 0 || meta.path("deletionGracePeriodSeconds").asLong(0) > 0);
  }

  private static void addDiff(List<SpanEvent> events, String at, JsonNode previous, JsonNode next) {
    FieldDiff.Result diff = FieldDiff.between(previous, next);
    if (!diff.isEmpty()) {
      Map<String, Object> attrs = new TreeMap<>();
      attrs.put("diff", diff.lines());
      attrs.put("verbose_diff", diff.verboseLines());
      events.add(new SpanEvent(at, SpanEvent.DIFF, attrs));
    }
  }

  /** {@code dryRun=All} in the query string; the API server accepts no other value. */
  static boolean isDryRun(String requestUri) {
    return "All".equals(RequestUris.queryParameter(requestUri, "dryRun"));
  }

  private static String resourceVersion(JsonNode object) {
    return object == null ? "" : object.path("metadata").path("resourceVersion").asText("");
  }

  private static boolean sameResourceVersion(JsonNode a, JsonNode b) {
    String ra = a.path("metadata").path("resourceVersion").asText("");
    return !ra.isEmpty() && ra.equals(b.path("metadata").path("resourceVersion").asText(""));
  }

  private static SpanEvent snapshot(String at, JsonNode state) {
    return new SpanEvent(at, SpanEvent.SNAPSHOT, new TreeMap<>(Map.of("snapshot", Redactor.forDisplay(state).toString())));
  }

  private static SpanEvent note(String at, String message) {
    return new SpanEvent(at, SpanEvent.NOTE, new TreeMap<>(Map.of("message", message)));
  }

  private static JsonNode parse(String json) {
    if (json == null) {
      return null;
    }
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("a body that parsed once no longer parses", e);
    }
  }
}
