package dev.kelemetry.beam.transforms.spans;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasKey;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import dev.kelemetry.beam.schemas.SpanRow;
import java.util.List;
import org.junit.Test;

public class AuditSpansTest {
  private static final long T0 = 1_704_067_200_000_000L; // 2024-01-01T00:00:00Z
  private static final long HOUR = 3_600_000_000L;

  private static ControlPlaneRecord record(String user, String verb, String subresource, int code) {
    return new ControlPlaneRecord(ControlPlaneRecord.AUDIT, "c1", "file:3", "audit-1", "ResponseComplete", "Metadata", verb,
        "/apis/apps/v1/namespaces/ns/deployments/web", user, "", "kubectl", List.of("10.0.0.1"),
        new ObjectRef("apps", "v1", "deployments", subresource, "ns", "web", "", ""), code, null,
        T0 + 5_000_000L, T0 + 5_250_000L, null, null);
  }

  @Test
  public void nameIsUserAndVerb() {
    assertThat(AuditSpans.name(record("bob", "create", "", 201)), equalTo("bob create"));
  }

  @Test
  public void nameIncludesTheSubresource() {
    assertThat(AuditSpans.name(record("bob", "update", "scale", 200)), equalTo("bob update scale"));
  }

  @Test
  public void nameOfAFailedRequestEndsWithTheStatusText() {
    assertThat(AuditSpans.name(record("bob", "create", "", 409)), equalTo("bob create (Conflict)"));
    assertThat(AuditSpans.name(record("bob", "get", "", 404)), equalTo("bob get (Not Found)"));
    assertThat(AuditSpans.name(record("bob", "patch", "status", 422)), equalTo("bob patch status (Unprocessable Entity)"));
  }

  @Test
  public void unknownStatusCodesAreSpelledOut() {
    assertThat(AuditSpans.name(record("bob", "get", "", 418)), equalTo("bob get (HTTP 418)"));
  }

  @Test
  public void missingUserIsNamedUnknown() {
    assertThat(AuditSpans.name(record("", "get", "", 0)), equalTo("(unknown user) get"));
  }

  @Test
  public void buildLinksTheAuditSpanUnderItsObjectSpanInTheWindow() {
    ControlPlaneRecord r = record("bob", "update", "", 200);
    SpanRow span = AuditSpans.build(r, "uid-1", "uid-1", T0, HOUR, "10", "11", List.of());
    assertThat(span.traceId(), equalTo(""));
    assertThat(span.spanId(), equalTo(SpanIds.auditSpanId("c1", "audit-1")));
    assertThat(span.parentSpanId(), equalTo(SpanIds.objectSpanId("c1", "uid-1", T0)));
    assertThat(span.kind(), equalTo(SpanRow.KIND_AUDIT));
    assertThat(span.name(), equalTo("bob update"));
    assertThat(span.startTime(), equalTo("2024-01-01T00:00:05.000000Z"));
    assertThat(span.endTime(), equalTo("2024-01-01T00:00:05.250000Z"));
    assertThat(span.windowStart(), equalTo("2024-01-01T00:00:00.000000Z"));
    assertThat(span.status(), equalTo(SpanRow.STATUS_OK));
    assertThat(span.attributes(), hasEntry("k8s.audit.id", (Object) "audit-1"));
    assertThat(span.attributes(), hasEntry("k8s.audit.response_code", (Object) 200));
    assertThat(span.attributes(), hasEntry("k8s.audit.resource_version_before", (Object) "10"));
    assertThat(span.attributes(), hasEntry("k8s.audit.resource_version_after", (Object) "11"));
    assertThat(span.attributes(), hasEntry("k8s.deployment.name", (Object) "web"));
    assertThat(span.attributes(), hasEntry("kelemetry.object.version", (Object) "v1"));
    assertThat(span.attributes(), not(hasKey("k8s.audit.subresource")));
  }

  @Test
  public void spanStatusFollowsTheResponseCode() {
    assertThat(AuditSpans.build(record("bob", "create", "", 409), "o", "", T0, HOUR, "", "", List.of()).status(),
        equalTo(SpanRow.STATUS_ERROR));
    assertThat(AuditSpans.build(record("bob", "create", "", 0), "o", "", T0, HOUR, "", "", List.of()).status(),
        equalTo(SpanRow.STATUS_UNSET));
  }

  @Test
  public void inTraceOnlySetsTheTraceId() {
    SpanRow draft = AuditSpans.build(record("bob", "create", "", 201), "o", "", T0, HOUR, "", "", List.of());
    SpanRow placed = AuditSpans.inTrace(draft, "0123456789abcdef0123456789abcdef");
    assertThat(placed.traceId(), equalTo("0123456789abcdef0123456789abcdef"));
    assertThat(placed.spanId(), equalTo(draft.spanId()));
    assertThat(placed.parentSpanId(), equalTo(draft.parentSpanId()));
    assertThat(placed.attributes(), equalTo(draft.attributes()));
  }
}
