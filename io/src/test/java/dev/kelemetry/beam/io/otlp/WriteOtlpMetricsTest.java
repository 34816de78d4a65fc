package dev.kelemetry.beam.io.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;

/**
 * WriteOtlpMetrics when no backend listens, on the DirectRunner: the retries and dead letters it shares with
 * WriteOtlp (OtlpExportFn), without a receiver. What a receiver gets is OtlpMetricsIT's part (pipelines).
 */
public class WriteOtlpMetricsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static List<MetricRow> rows() {
    List<MetricRow> rows = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      rows.add(new MetricRow("requests", "2026-01-01T00:0" + i + ":00Z", "2026-01-01T00:0" + (i + 1) + ":00Z",
          new TreeMap<>(Map.of("verb", "get")), 10 + i, i, null, null, null));
    }
    return rows;
  }

  /** A loopback port nothing listens on: connections are refused at once. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private void everyRowIsADeadLetterWhenNoBackendListens(String protocol) throws IOException {
    List<MetricRow> rows = rows();
    OtlpOptions options = OtlpOptions.of("http://127.0.0.1:" + closedPort(), protocol).withBatchSize(2)
        .withRetries(2, Duration.ofMillis(10), Duration.ofMillis(20)).withTimeout(Duration.ofSeconds(5));
    PCollection<DeadLetterRow> failed = pipeline.apply(Create.of(rows).withCoder(JsonCoder.of(MetricRow.class)))
        .apply(WriteOtlpMetrics.to(options));
    PAssert.that(failed).satisfies(letters -> {
      List<DeadLetterRow> all = new ArrayList<>();
      letters.forEach(all::add);
      assertThat(all.stream().map(d -> Rows.fromJson(d.raw(), MetricRow.class)).collect(Collectors.toSet()),
          equalTo(Set.copyOf(rows)));
      assertThat(all.size(), equalTo(rows.size()));
      assertThat(all.stream().map(DeadLetterRow::step).toList(), everyItem(equalTo("WriteOtlpMetrics")));
      assertThat(all.stream().map(DeadLetterRow::source).toList(),
          everyItem(equalTo("otlp:" + options.metricsEndpoint())));
      assertThat(all.stream().map(DeadLetterRow::reason).toList(),
          everyItem(allOf(containsString("not exported after 2 attempts: "), containsString("Failed to connect"))));
      return null;
    });
    PipelineResult result = pipeline.run();
    assertThat(result.waitUntilFinish(), equalTo(PipelineResult.State.DONE));
    assertThat(committed(result, WriteOtlpMetrics.FAILED), equalTo((long) rows.size()));
    assertThat(committed(result, WriteOtlpMetrics.EXPORTED), equalTo(0L));
    // two attempts a batch, so one retry for each batch of at most 2 rows: 3 batches, or more if bundles split them
    assertThat(committed(result, WriteOtlpMetrics.RETRIES), allOf(greaterThanOrEqualTo(3L),
        lessThanOrEqualTo((long) rows.size())));
  }

  @Test
  public void overGrpcEveryRowIsADeadLetterWhenNoBackendListens() throws IOException {
    everyRowIsADeadLetterWhenNoBackendListens(OtlpOptions.GRPC);
  }

  @Test
  public void overHttpEveryRowIsADeadLetterWhenNoBackendListens() throws IOException {
    everyRowIsADeadLetterWhenNoBackendListens(OtlpOptions.HTTP_PROTOBUF);
  }

  private static long committed(PipelineResult result, String name) {
    long total = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(Counters.NAMESPACE, name)).build()).getCounters()) {
      total += c.getCommitted();
    }
    return total;
  }
}
