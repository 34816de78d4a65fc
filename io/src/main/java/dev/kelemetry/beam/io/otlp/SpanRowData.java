package dev.kelemetry.beam.io.otlp;

import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A span row as the OpenTelemetry SDK's exporters take it: the row's own ids, times, parent, status, attributes and
 * events, nothing sampled or generated, so what a trace backend shows is exactly what the local output holds.
 *
 * <p>Resource: {@code service.name} is the object's resource type as kubectl writes it ({@code pods},
 * {@code deployments.apps}), so a trace backend's service list is the list of object kinds and every kind gets its
 * own colour in a trace; {@code service.namespace} and {@code k8s.cluster.name} are the cluster.
 */
final class SpanRowData implements SpanData {
  static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.builder("dev.kelemetry.beam").setVersion("0.1.0").build();

  private final SpanRow row;
  private final Resource resource;
  private final Attributes attributes;
  private final List<EventData> events;

  SpanRowData(SpanRow row) {
    this.row = row;
    this.resource = Resource.create(Attributes.builder()
        .put("service.name", serviceName(row))
        .put("service.namespace", row.cluster())
        .put("k8s.cluster.name", row.cluster())
        .build());
    this.attributes = attributes(row.attributes());
    List<EventData> list = new ArrayList<>();
    for (SpanEvent e : row.events() == null ? List.<SpanEvent>of() : row.events()) {
      list.add(EventData.create(nanos(e.time()), e.name(), attributes(e.attributes())));
    }
    this.events = List.copyOf(list);
  }

  /** The object kind as a service: {@code <resource>} for the core group, {@code <resource>.<group>} otherwise. */
  static String serviceName(SpanRow row) {
    String resource = row.resource() == null || row.resource().isEmpty() ? "unknown" : row.resource();
    return row.apiGroup() == null || row.apiGroup().isEmpty() ? resource : resource + "." + row.apiGroup();
  }

  static long nanos(String rfc3339) {
    Instant t = Instant.parse(rfc3339);
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /** Scalars keep their type, lists of text become string arrays; anything else (maps, mixed lists) is JSON text. */
  static Attributes attributes(Map<String, Object> values) {
    AttributesBuilder b = Attributes.builder();
    if (values == null) {
      return b.build();
    }
    values.forEach((k, v) -> {
      if (v instanceof String s) {
        b.put(k, s);
      } else if (v instanceof Boolean x) {
        b.put(k, x);
      } else if (v instanceof Integer || v instanceof Long || v instanceof Short) {
        b.put(k, ((Number) v).longValue());
      } else if (v instanceof Double || v instanceof Float) {
        b.put(k, ((Number) v).doubleValue());
      } else if (v instanceof List<?> list && list.stream().allMatch(i -> i instanceof String)) {
        b.put(AttributeKey.stringArrayKey(k), list.stream().map(String.class::cast).toList());
      } else if (v != null) {
        b.put(k, Rows.toJson(v));
      }
    });
    return b.build();
  }

  SpanRow row() {
    return row;
  }

  @Override
  public String getName() {
    return row.name();
  }

  /** An audited request is the API server serving a call; objects, Events and states are internal. */
  @Override
  public SpanKind getKind() {
    return SpanRow.KIND_AUDIT.equals(row.kind()) ? SpanKind.SERVER : SpanKind.INTERNAL;
  }

  @Override
  public SpanContext getSpanContext() {
    return SpanContext.create(row.traceId(), row.spanId(), TraceFlags.getSampled(), TraceState.getDefault());
  }

  @Override
  public SpanContext getParentSpanContext() {
    return row.parentSpanId() == null || row.parentSpanId().isEmpty() ? SpanContext.getInvalid()
        : SpanContext.create(row.traceId(), row.parentSpanId(), TraceFlags.getSampled(), TraceState.getDefault());
  }

  @Override
  public StatusData getStatus() {
    return switch (row.status()) {
      case SpanRow.STATUS_ERROR -> StatusData.error();
      case SpanRow.STATUS_OK -> StatusData.ok();
      default -> StatusData.unset();
    };
  }

  @Override
  public long getStartEpochNanos() {
    return nanos(row.startTime());
  }

  @Override
  public Attributes getAttributes() {
    return attributes;
  }

  @Override
  public List<EventData> getEvents() {
    return events;
  }

  @Override
  public List<LinkData> getLinks() {
    return List.of();
  }

  @Override
  public long getEndEpochNanos() {
    return nanos(row.endTime());
  }

  @Override
  public boolean hasEnded() {
    return true;
  }

  @Override
  public int getTotalRecordedEvents() {
    return events.size();
  }

  @Override
  public int getTotalRecordedLinks() {
    return 0;
  }

  @Override
  public int getTotalAttributeCount() {
    return attributes.size();
  }

  @Override
  @SuppressWarnings("deprecation")
  public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
    return InstrumentationLibraryInfo.create(SCOPE.getName(), SCOPE.getVersion());
  }

  @Override
  public InstrumentationScopeInfo getInstrumentationScopeInfo() {
    return SCOPE;
  }

  @Override
  public Resource getResource() {
    return resource;
  }
}
