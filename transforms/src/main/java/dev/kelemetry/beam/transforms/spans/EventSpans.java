package dev.kelemetry.beam.transforms.spans;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.parse.KubeObjects;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The span of one occurrence of a Kubernetes Event: a child of the span of the object the Event is about, named by
 * its reason ({@code Scheduled}, {@code ScalingReplicaSet}), at the time it (last) occurred. An Event seen again with
 * a higher count is a new occurrence and a new span. Warning Events have the error status, so trace UIs show them.
 */
public final class EventSpans {
  private EventSpans() {}

  /** The event span with an empty trace id, under {@code objectId}'s span in the window. */
  public static SpanRow build(ControlPlaneRecord r, JsonNode event, String objectId, String uid, String kind,
      long windowStart) {
    ObjectRef ref = r.objectRef();
    Map<String, Object> a = new TreeMap<>(SpanAttributes.forObject(r.cluster(), ref.apiGroup(), ref.groupVersion(), kind,
        ref.resource(), ref.namespace(), ref.name(), uid));
    JsonNode meta = event.path("metadata");
    String eventName = meta.path("namespace").asText("") + "/" + meta.path("name").asText("");
    long count = KubeObjects.count(event);
    String reason = text(event, "reason");
    String message = firstOf(text(event, "note"), text(event, "message"));
    String type = text(event, "type");
    put(a, "k8s.event.name", meta.path("name").asText(""));
    put(a, "k8s.event.namespace", meta.path("namespace").asText(""));
    put(a, "k8s.event.uid", meta.path("uid").asText(""));
    put(a, "k8s.event.type", type);
    put(a, "k8s.event.reason", reason);
    put(a, "k8s.event.message", message);
    put(a, "k8s.event.action", text(event, "action"));
    put(a, "k8s.event.reporting_component", firstOf(text(event, "reportingController"),
        firstOf(text(event, "reportingComponent"), event.path("source").path("component").asText(""))));
    put(a, "k8s.event.reporting_instance", firstOf(text(event, "reportingInstance"),
        event.path("source").path("host").asText("")));
    put(a, "k8s.event.field_path", event.path("involvedObject").path("fieldPath").asText(""));
    put(a, "k8s.event.first_timestamp", firstOf(text(event, "firstTimestamp"),
        firstOf(text(event, "deprecatedFirstTimestamp"), text(event, "eventTime"))));
    put(a, "k8s.event.last_timestamp", Rows.timestamp(r.requestReceivedMicros()));
    a.put("k8s.event.count", count);
    JsonNode related = event.path("related");
    if (related.isObject()) {
      put(a, "k8s.event.related", related.path("kind").asText("") + " " + related.path("namespace").asText("")
          + "/" + related.path("name").asText(""));
    }
    a.put("kelemetry.source", r.source());

    String at = Rows.timestamp(r.requestReceivedMicros());
    List<SpanEvent> events = message.isEmpty() ? List.of()
        : List.of(new SpanEvent(at, SpanEvent.NOTE, new TreeMap<>(Map.of("message", message))));
    return new SpanRow("", SpanIds.eventSpanId(r.cluster(), eventName, Long.toString(count)),
        SpanIds.objectSpanId(r.cluster(), objectId, windowStart), SpanRow.KIND_EVENT,
        reason.isEmpty() ? "(no reason)" : reason, at, at,
        type.equals("Warning") ? SpanRow.STATUS_ERROR : SpanRow.STATUS_UNSET, r.cluster(), ref.apiGroup(),
        ref.resource(), ref.namespace(), ref.name(), uid, Rows.timestamp(windowStart), a, events);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || !v.isValueNode() ? "" : v.asText("");
  }

  private static String firstOf(String a, String b) {
    return a.isEmpty() ? b : a;
  }

  private static void put(Map<String, Object> a, String key, String value) {
    if (!value.isEmpty()) {
      a.put(key, value);
    }
  }
}
