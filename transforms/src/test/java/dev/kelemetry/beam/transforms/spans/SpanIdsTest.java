package dev.kelemetry.beam.transforms.spans;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.Test;

public class SpanIdsTest {
  private static final long HOUR = 3_600_000_000L;

  @Test
  public void idsHaveOpenTelemetryLengthsInLowercaseHex() {
    assertThat(SpanIds.traceId("c1", "uid-1", 0), matchesPattern("[0-9a-f]{32}"));
    assertThat(SpanIds.objectSpanId("c1", "uid-1", 0), matchesPattern("[0-9a-f]{16}"));
    assertThat(SpanIds.auditSpanId("c1", "audit-1"), matchesPattern("[0-9a-f]{16}"));
    assertThat(SpanIds.eventSpanId("c1", "ev-1", "7"), matchesPattern("[0-9a-f]{16}"));
  }

  @Test
  public void idsAreDeterministic() {
    assertThat(SpanIds.traceId("c1", "uid-1", HOUR), equalTo(SpanIds.traceId("c1", "uid-1", HOUR)));
    assertThat(SpanIds.objectSpanId("c1", "uid-1", HOUR), equalTo(SpanIds.objectSpanId("c1", "uid-1", HOUR)));
    assertThat(SpanIds.auditSpanId("c1", "a"), equalTo(SpanIds.auditSpanId("c1", "a")));
    assertThat(SpanIds.eventSpanId("c1", "e", "1"), equalTo(SpanIds.eventSpanId("c1", "e", "1")));
  }

  @Test
  public void everyInputFieldChangesTheId() {
    String base = SpanIds.objectSpanId("c1", "uid-1", HOUR);
    assertThat(SpanIds.objectSpanId("c2", "uid-1", HOUR), not(equalTo(base)));
    assertThat(SpanIds.objectSpanId("c1", "uid-2", HOUR), not(equalTo(base)));
    assertThat(SpanIds.objectSpanId("c1", "uid-1", 2 * HOUR), not(equalTo(base)));

    String trace = SpanIds.traceId("c1", "uid-1", HOUR);
    assertThat(SpanIds.traceId("c2", "uid-1", HOUR), not(equalTo(trace)));
    assertThat(SpanIds.traceId("c1", "uid-2", HOUR), not(equalTo(trace)));
    assertThat(SpanIds.traceId("c1", "uid-1", 2 * HOUR), not(equalTo(trace)));

    assertThat(SpanIds.auditSpanId("c2", "a"), not(equalTo(SpanIds.auditSpanId("c1", "a"))));
    assertThat(SpanIds.auditSpanId("c1", "b"), not(equalTo(SpanIds.auditSpanId("c1", "a"))));
    assertThat(SpanIds.eventSpanId("c1", "e", "2"), not(equalTo(SpanIds.eventSpanId("c1", "e", "1"))));
  }

  @Test
  public void fieldBoundariesMatter() {
    assertThat(SpanIds.objectSpanId("ab", "c", 0), not(equalTo(SpanIds.objectSpanId("a", "bc", 0))));
    assertThat(SpanIds.auditSpanId("c1", "x"), not(equalTo(SpanIds.auditSpanId("c1x", ""))));
  }

  @Test
  public void idKindsDoNotCollideForTheSameFields() {
    Set<String> ids = new HashSet<>(List.of(
        SpanIds.objectSpanId("c1", "x", 0),
        SpanIds.traceId("c1", "x", 0).substring(0, 16),
        SpanIds.eventSpanId("c1", "x", "0"),
        SpanIds.auditSpanId("c1", "x")));
    assertThat(ids.size(), equalTo(4));
  }

  @Test
  public void manyDistinctInputsGiveDistinctIds() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      ids.add(SpanIds.auditSpanId("c1", "audit-" + i));
    }
    assertThat(ids.size(), equalTo(2000));
  }

  @Test
  public void windowStartIsEpochAligned() {
    assertThat(SpanIds.windowStart(0, HOUR), equalTo(0L));
    assertThat(SpanIds.windowStart(HOUR - 1, HOUR), equalTo(0L));
    assertThat(SpanIds.windowStart(HOUR, HOUR), equalTo(HOUR));
    assertThat(SpanIds.windowStart(5 * HOUR + 12345, HOUR), equalTo(5 * HOUR));
    // 2024-01-01T00:30:00Z lies in the window that starts 2024-01-01T00:00:00Z
    assertThat(SpanIds.windowStart(1_704_069_000_000_000L, HOUR), equalTo(1_704_067_200_000_000L));
  }

  @Test
  public void windowStartOfTimesBeforeTheEpochRoundsDown() {
    assertThat(SpanIds.windowStart(-1, HOUR), equalTo(-HOUR));
    assertThat(SpanIds.windowStart(-HOUR, HOUR), equalTo(-HOUR));
    assertThat(SpanIds.windowStart(-HOUR - 1, HOUR), equalTo(-2 * HOUR));
  }
}
