package dev.kelemetry.beam.transforms.coders;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import dev.kelemetry.beam.schemas.RawRecord;
import java.util.List;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

public class RecordCodersTest {
  @Test
  public void auditRecordsSurviveEncodingWithEveryFieldIncludingNullBodies() throws Exception {
    ControlPlaneRecord full = new ControlPlaneRecord(ControlPlaneRecord.AUDIT, "c", "f:1", "id", "ResponseComplete", "RequestResponse", "patch", "/api/v1/x",
        "alice", "bob", "kubectl", List.of("10.0.0.1", "::1"), new ObjectRef("apps", "v1", "deployments", "scale", "ns",
        "web", "u1", "42"), 409, "{\"reason\":\"Conflict\"}", 1L, 2L, "{\"spec\":{\"replicas\":3}}", "{\"kind\":\"Scale\"}");
    ControlPlaneRecord bare = new ControlPlaneRecord(ControlPlaneRecord.AUDIT, "c", "f:2", "id2", "", "", "get", "", "", "", "", List.of(),
        new ObjectRef("", "v1", "pods", "", "", "p", "", ""), 0, null, -5L, -5L, null, null);
    for (ControlPlaneRecord r : List.of(full, bare)) {
      assertThat(CoderUtils.clone(RecordCoders.audit(), r), equalTo(r));
    }
  }

  @Test
  public void rawRecordsSurviveEncodingWithUnicodeText() throws Exception {
    RawRecord r = new RawRecord("gs://b/audit.log.gz", 7, "{\"msg\":\"naïve ✓ \\\"quoted\\\"\"}", "prod");
    assertThat(CoderUtils.clone(RecordCoders.raw(), r), equalTo(r));
  }
}
