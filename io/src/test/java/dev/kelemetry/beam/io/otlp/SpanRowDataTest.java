package dev.kelemetry.beam.io.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.Test;

public class SpanRowDataTest {
  private static SpanRow audit(String status, String parent) {
    Map<String, Object> attrs = new TreeMap<>(Map.of("k8s.audit.verb", "patch", "k8s.audit.response_code", 409,
        "k8s.audit.source_ips", List.of("10.0.0.1", "10.0.0.2"), "kelemetry.flag", true, "nested", Map.of("a", 1)));
    return new SpanRow("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", parent, SpanRow.KIND_AUDIT,
        "bob patch (Conflict)", "2026-01-01T00:00:01.574875Z", "2026-01-01T00:00:01.600000Z", status, "prod", "apps",
        "deployments", "default", "web", "uid-1", "2026-01-01T00:00:00.000000Z", attrs,
        List.of(new SpanEvent("2026-01-01T00:00:01.600000Z", SpanEvent.DIFF,
            Map.of("diff", List.of("spec.replicas 2 -> 4")))));
  }

  @Test
  public void aRowKeepsItsIdsTimesStatusAndTypedAttributes() {
    SpanRowData span = new SpanRowData(audit(SpanRow.STATUS_ERROR, "00f067aa0ba902b7"));
    assertThat(span.getTraceId(), equalTo("0af7651916cd43dd8448eb211c80319c"));
    assertThat(span.getSpanId(), equalTo("b7ad6b7169203331"));
    assertThat(span.getParentSpanId(), equalTo("00f067aa0ba902b7"));
    assertThat(span.getStartEpochNanos(), equalTo(1_767_225_601_574_875_000L));
    assertThat(span.getStatus(), equalTo(StatusData.error()));
    assertThat(span.getKind(), equalTo(SpanKind.SERVER));
    assertThat(span.getAttributes().get(AttributeKey.longKey("k8s.audit.response_code")), equalTo(409L));
    assertThat(span.getAttributes().get(AttributeKey.stringArrayKey("k8s.audit.source_ips")),
        equalTo(List.of("10.0.0.1", "10.0.0.2")));
    assertThat(span.getAttributes().get(AttributeKey.booleanKey("kelemetry.flag")), equalTo(true));
    assertThat(span.getAttributes().get(AttributeKey.stringKey("nested")), equalTo("{\"a\":1}"));
    assertThat(span.getEvents().get(0).getAttributes().get(AttributeKey.stringArrayKey("diff")),
        equalTo(List.of("spec.replicas 2 -> 4")));
    assertThat(span.getResource().getAttribute(AttributeKey.stringKey("service.name")), equalTo("deployments.apps"));
  }

  @Test
  public void aRootHasNoParentAndUnsetStaysUnset() {
    SpanRowData span = new SpanRowData(audit(SpanRow.STATUS_UNSET, ""));
    assertThat(span.getParentSpanContext().isValid(), equalTo(false));
    assertThat(span.getStatus(), equalTo(StatusData.unset()));
  }

  @Test
  public void optionsAreCheckedAndTheHttpPathIsAdded() {
    assertThat(OtlpOptions.of("http://localhost:4318", OtlpOptions.HTTP_PROTOBUF).endpoint(),
        equalTo("http://localhost:4318/v1/traces"));
    assertThat(OtlpOptions.of("http://localhost:4317", OtlpOptions.GRPC).endpoint(), equalTo("http://localhost:4317"));
    assertThat(assertThrows(IllegalArgumentException.class, () -> OtlpOptions.of("localhost:4317", "grpc")).getMessage(),
        containsString("must be http://host:port"));
    assertThat(assertThrows(IllegalArgumentException.class, () -> OtlpOptions.of("http://h:1", "thrift")).getMessage(),
        containsString("grpc or http/protobuf"));
    assertThrows(IllegalArgumentException.class,
        () -> OtlpOptions.of("https://h:1", "grpc").withTls("", "CERT", ""));
  }
}
