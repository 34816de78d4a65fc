package dev.kelemetry.beam.transforms.spans;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The span of an object version that a watch or a dump showed before (or without) an audited write that carried it:
 * a child of the object's span, named {@code watch <TYPE>} or {@code listed}, holding the diff against the version
 * before it (or a snapshot when it is the first or the last).
 */
public final class StateSpans {
  private StateSpans() {}

  public static String name(ControlPlaneRecord r) {
    return ControlPlaneRecord.LISTED.equals(r.stage()) ? "listed" : "watch " + r.stage();
  }

  /** The state span with an empty trace id, under {@code objectId}'s span in the window. */
  public static SpanRow build(ControlPlaneRecord r, String objectId, String uid, String kind, long windowStart,
      String resourceVersionBefore, List<SpanEvent> events) {
    ObjectRef ref = r.objectRef();
    Map<String, Object> a = new TreeMap<>(SpanAttributes.forObject(r.cluster(), ref.apiGroup(), ref.groupVersion(), kind,
        ref.resource(), ref.namespace(), ref.name(), uid));
    a.put("kelemetry.state.seen_as", r.stage());
    if (!resourceVersionBefore.isEmpty()) {
      a.put("kelemetry.state.resource_version_before", resourceVersionBefore);
    }
    if (!ref.resourceVersion().isEmpty()) {
      a.put("kelemetry.state.resource_version", ref.resourceVersion());
    }
    a.put("kelemetry.source", r.source());
    String at = Rows.timestamp(r.requestReceivedMicros());
    return new SpanRow("", SpanIds.stateSpanId(r.cluster(), objectId, r.id(), r.stage()),
        SpanIds.objectSpanId(r.cluster(), objectId, windowStart), SpanRow.KIND_STATE, name(r), at, at,
        SpanRow.STATUS_UNSET, r.cluster(), ref.apiGroup(), ref.resource(), ref.namespace(), ref.name(), uid,
        Rows.timestamp(windowStart), a, List.copyOf(events));
  }
}
