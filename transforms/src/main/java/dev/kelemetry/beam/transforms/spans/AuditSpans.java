package dev.kelemetry.beam.transforms.spans;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The span of one API request: a child of its object's span in the request's window. */
public final class AuditSpans {
  private AuditSpans() {}

  /** Kelemetry's name: {@code <user> <verb>[ <subresource>][ (<HTTP status text>)]}, e.g. {@code bob create (Conflict)}. */
  public static String name(ControlPlaneRecord r) {
    StringBuilder name = new StringBuilder(r.user().isEmpty() ? "(unknown user)" : r.user()).append(' ').append(r.verb());
    if (!r.objectRef().subresource().isEmpty()) {
      name.append(' ').append(r.objectRef().subresource());
    }
    if (r.responseCode() >= 300) {
      name.append(" (").append(HttpStatusText.of(r.responseCode())).append(')');
    }
    return name.toString();
  }

  /** The audit span with an empty trace id: the trace is known once the owner tree of the window is. */
  public static SpanRow build(ControlPlaneRecord r, String objectId, String uid, long windowStart, long windowMicros,
      String resourceVersionBefore, String resourceVersionAfter, List<SpanEvent> events) {
    ObjectRef ref = r.objectRef();
    Map<String, Object> a = new TreeMap<>(SpanAttributes.forObject(r.cluster(), ref.apiGroup(),
        ref.groupVersion(), "", ref.resource(),
        ref.namespace(), ref.name(), uid));
    a.put("k8s.audit.id", r.id());
    a.put("k8s.audit.verb", r.verb());
    a.put("k8s.audit.stage", r.stage());
    a.put("k8s.audit.level", r.level());
    a.put("k8s.audit.user", r.user());
    putIfPresent(a, "k8s.audit.impersonated_user", r.impersonatedUser());
    putIfPresent(a, "k8s.audit.user_agent", r.userAgent());
    if (!r.sourceIps().isEmpty()) {
      a.put("k8s.audit.source_ips", r.sourceIps());
    }
    putIfPresent(a, "k8s.audit.subresource", ref.subresource());
    putIfPresent(a, "k8s.audit.request_uri", r.requestUri());
    if (r.responseCode() > 0) {
      a.put("k8s.audit.response_code", r.responseCode());
    }
    putIfPresent(a, "k8s.audit.resource_version_before", resourceVersionBefore);
    putIfPresent(a, "k8s.audit.resource_version_after", resourceVersionAfter);
    a.put("kelemetry.source", r.source());

    long end = Math.max(r.stageMicros(), r.requestReceivedMicros());
    String status = r.responseCode() >= 400 || "Panic".equals(r.stage()) ? SpanRow.STATUS_ERROR
        : r.responseCode() > 0 ? SpanRow.STATUS_OK : SpanRow.STATUS_UNSET;
    return new SpanRow("", SpanIds.auditSpanId(r.cluster(), r.id()),
        SpanIds.objectSpanId(r.cluster(), objectId, windowStart), SpanRow.KIND_AUDIT, name(r),
        Rows.timestamp(r.requestReceivedMicros()), Rows.timestamp(end), status, r.cluster(), ref.apiGroup(), ref.resource(),
        ref.namespace(), ref.name(), uid, Rows.timestamp(windowStart), a, List.copyOf(events));
  }

  private static void putIfPresent(Map<String, Object> a, String key, String value) {
    if (value != null && !value.isEmpty()) {
      a.put(key, value);
    }
  }

  /** The same span in its trace. */
  public static SpanRow inTrace(SpanRow draft, String traceId) {
    return new SpanRow(traceId, draft.spanId(), draft.parentSpanId(), draft.kind(), draft.name(), draft.startTime(),
        draft.endTime(), draft.status(), draft.cluster(), draft.apiGroup(), draft.resource(), draft.namespace(),
        draft.objectName(), draft.uid(), draft.windowStart(), draft.attributes(), draft.events());
  }
}
