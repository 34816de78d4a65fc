package dev.kelemetry.beam.schemas;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.io.Serializable;
import java.util.List;

/**
 * One audit event (one stage of one API request) in the form every input format is parsed into.
 *
 * <p>Times are epoch microseconds, which is the precision the API server writes. Bodies stay as compact JSON text:
 * only writes need them, and only the object tracker parses them again.
 *
 * @param requestObject the request body as JSON, or null when the audit level did not record it
 * @param responseObject the response body as JSON, or null when the audit level did not record it
 * @param responseStatus the response {@code Status} as JSON when the API server recorded more than the code, else null
 */
public record AuditRecord(
    String cluster,
    String source,
    String auditId,
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

  /** Order of the audit stages; a request's last stage carries the most. Unknown stages sort first. */
  public static int stageRank(String stage) {
    return switch (stage == null ? "" : stage) {
      case "RequestReceived" -> 1;
      case "ResponseStarted" -> 2;
      case "ResponseComplete" -> 3;
      case "Panic" -> 4;
      default -> 0;
    };
  }

  public boolean failed() {
    return responseCode >= 400 || "Panic".equals(stage);
  }

  @JsonIgnore
  public boolean isWrite() {
    return switch (verb) {
      case "create", "update", "patch", "delete", "deletecollection" -> true;
      default -> false;
    };
  }
}
