package dev.kelemetry.beam.schemas;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.io.Serializable;
import java.util.List;

/**
 * One thing the control plane said about an object, in the form every input format is parsed into. Three origins:
 * <ul>
 *   <li>{@link #AUDIT}: one audit event (one stage of one API request);
 *   <li>{@link #STATE}: an object state seen by a watch ({@code {"type":"MODIFIED","object":...}}) or in an object dump
 *       ({@code kubectl get -o json}); {@code stage} is the watch type, or {@code LISTED} for a dump;
 *   <li>{@link #EVENT}: a Kubernetes Event (core/v1 or events.k8s.io), however it arrived; {@code objectRef} is the
 *       object the Event is about (its {@code involvedObject} / {@code regarding}).
 * </ul>
 *
 * <p>Times are epoch microseconds, which is the precision the API server writes. Bodies stay as compact JSON text:
 * only writes, states and Events need them, and only the object tracker parses them again.
 *
 * @param id what identifies the record across repeats and sources: the auditID of an audit event;
 *     {@code <uid>@<resourceVersion>} of an object state; {@code <namespace>/<name>#<count>} of an Event
 * @param requestReceivedMicros the record's event time: when the API server received the request; when a state was
 *     observed; when an Event last occurred
 * @param requestObject the request body as JSON, or null when the audit level did not record it
 * @param responseObject the response body as JSON (the object state of a STATE record, the Event of an EVENT record),
 *     or null when the audit level did not record it
 * @param responseStatus the response {@code Status} as JSON when the API server recorded more than the code, else null
 */
public record ControlPlaneRecord(
    String origin,
    String cluster,
    String source,
    String id,
    String stage,
    String level,
    String verb,
    String requestUri,
    String user,
    String impersonatedUser,
    String userAgent,
    List<String> sourceIps,
    ObjectRef objectRef,
    int responseCode,
    String responseStatus,
    long requestReceivedMicros,
    long stageMicros,
    String requestObject,
    String responseObject)
    implements Serializable {

  public static final String AUDIT = "audit";
  public static final String STATE = "state";
  public static final String EVENT = "event";

  /** The stage of an object state read from a dump rather than a watch. */
  public static final String LISTED = "LISTED";

  /** An object state or an Event: the record is the object (or Event) itself, not a request. */
  public static ControlPlaneRecord observed(String origin, String cluster, String source, String id, String stage,
      ObjectRef objectRef, long atMicros, String body) {
    return new ControlPlaneRecord(origin, cluster, source, id, stage, "", "", "", "", "", "", List.of(), objectRef, 0,
        null, atMicros, atMicros, null, body);
  }

  /**
   * Order of the stages of one record id; the last carries the most. Audit: a request's stages in order. States: a
   * re-list's ADDED or LISTED says less than a MODIFIED of the same version. Unknown stages sort first.
   */
  public static int stageRank(String stage) {
    return switch (stage == null ? "" : stage) {
      case "RequestReceived", LISTED -> 1;
      case "ResponseStarted", "ADDED" -> 2;
      case "ResponseComplete", "MODIFIED" -> 3;
      case "Panic", "DELETED" -> 4;
      default -> 0;
    };
  }

  @JsonIgnore
  public boolean isAudit() {
    return AUDIT.equals(origin);
  }

  public boolean failed() {
    return responseCode >= 400 || "Panic".equals(stage);
  }

  @JsonIgnore
  public boolean isWrite() {
    return isAudit() && switch (verb) {
      case "create", "update", "patch", "delete", "deletecollection" -> true;
      default -> false;
    };
  }
}
