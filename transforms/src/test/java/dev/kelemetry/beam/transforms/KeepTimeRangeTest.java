package dev.kelemetry.beam.transforms;

import static dev.kelemetry.beam.transforms.TestRecords.T0;
import static dev.kelemetry.beam.transforms.TestRecords.deployment;
import static dev.kelemetry.beam.transforms.TestRecords.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import java.time.Instant;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;

/** A backfill's time range: since inclusive, until exclusive, what is left out counted. */
public class KeepTimeRangeTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  @Test
  public void keepsSinceInclusiveUntilExclusiveAndCountsTheRest() {
    List<ControlPlaneRecord> records = List.of(
        write("1", "create", "deployments", "web", "", T0 - 1, deployment("u1", 1, 1)),
        write("2", "update", "deployments", "web", "u1", T0, deployment("u1", 2, 2)),
        write("3", "update", "deployments", "web", "u1", T0 + 59_999_999, deployment("u1", 3, 3)),
        write("4", "update", "deployments", "web", "u1", T0 + 60_000_000, deployment("u1", 4, 4)));
    Instant since = Instant.ofEpochSecond(T0 / 1_000_000);
    PAssert.that(pipeline.apply(Create.of(records).withCoder(RecordCoders.audit()))
            .apply(KeepTimeRange.between(since, since.plusSeconds(60)))
            .apply(MapElements.into(TypeDescriptors.strings()).via(ControlPlaneRecord::id)))
        .containsInAnyOrder("2", "3");
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    long outside = result.metrics().queryMetrics(MetricsFilter.builder()
            .addNameFilter(MetricNameFilter.named(Counters.NAMESPACE, Counters.RECORDS_OUTSIDE_TIME_RANGE)).build())
        .getCounters().iterator().next().getAttempted();
    assertThat(outside, equalTo(2L));
  }

  @Test
  public void anEmptyRangeIsRefused() {
    Instant t = Instant.parse("2026-03-01T00:00:00Z");
    assertThat(assertThrows(IllegalArgumentException.class, () -> KeepTimeRange.between(t, t)).getMessage(),
        containsString("must be before"));
  }
}
