package dev.kelemetry.beam.transforms;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import java.util.List;

/** Small audit records for pipeline tests: one object, a verb, a time and a body. */
final class TestRecords {
  private TestRecords() {}

  static final long T0 = 1_767_225_600_000_000L; // 2026-01-01T00:00:00Z in microseconds

  static ControlPlaneRecord write(String auditId, String verb, String resource, String name, String uid, long atMicros,
      String responseObject) {
    return new ControlPlaneRecord(ControlPlaneRecord.AUDIT, "c1", "test:" + auditId.replaceAll("\\D", ""), auditId, "ResponseComplete", "RequestResponse", verb, "/x", "alice",
        "", "kubectl", List.of("10.0.0.1"), new ObjectRef("apps", "v1", resource, "", "default", name, uid, ""),
        verb.equals("create") ? 201 : 200, null, atMicros, atMicros + 1000, null, responseObject);
  }

  static String deployment(String uid, int replicas, int rv) {
    return "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"namespace\":\"default\","
        + "\"uid\":\"" + uid + "\",\"resourceVersion\":\"" + rv + "\"},\"spec\":{\"replicas\":" + replicas + "}}";
  }
}
