package dev.kelemetry.beam.io.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.MetricRow.Bucket;
import dev.kelemetry.beam.schemas.MetricRow.Distribution;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.data.SummaryPointData;
import io.opentelemetry.sdk.metrics.data.ValueAtQuantile;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.Test;

public class MetricRowDataTest {
  private static final String START = "2026-01-01T00:05:00Z";
  private static final String END = "2026-01-01T00:06:00Z";

  private static final Distribution LATENCY = new Distribution(4, 61.5, 2.0, 40.0, 9.9, 30.1, 39.8, 0.01,
      List.of(new Bucket(2.0, 1), new Bucket(9.9, 1), new Bucket(10.1, 1), new Bucket(40.0, 1)));
  private static final Distribution TIMEOUT = new Distribution(3, 0.12, 0.01, 0.07, 0.04, 0.069, 0.07, 0.01, List.of());

  private static MetricRow row(Map<String, String> dimensions, Distribution latency, Distribution timeout, Long bytes) {
    return new MetricRow("requests", START, END, new TreeMap<>(dimensions), 4, 1, latency, timeout, bytes);
  }

  private static Map<String, MetricData> byName(MetricRow row) {
    return MetricRowData.of(row).stream().collect(Collectors.toMap(MetricData::getName, Function.identity()));
  }

  private static long nanos(String rfc3339) {
    Instant t = Instant.parse(rfc3339);
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  @Test
  public void countsAreDeltaMonotonicSumsOverTheRowsWindowWithItsDimensions() {
    MetricRow row = row(Map.of("cluster", "prod", "verb", "get"), null, null, null);
    Map<String, MetricData> metrics = byName(row);
    assertThat(metrics.keySet(), equalTo(Set.of("kelemetry.requests.count", "kelemetry.requests.error_count")));
    Attributes dims = Attributes.of(AttributeKey.stringKey("cluster"), "prod", AttributeKey.stringKey("verb"), "get");
    for (var e : Map.of("kelemetry.requests.count", row.count(), "kelemetry.requests.error_count", row.errorCount())
        .entrySet()) {
      MetricData m = metrics.get(e.getKey());
      assertThat(m.getType(), equalTo(MetricDataType.LONG_SUM));
      SumData<LongPointData> sum = m.getLongSumData();
      assertThat(sum.isMonotonic(), equalTo(true));
      assertThat(sum.getAggregationTemporality(), equalTo(AggregationTemporality.DELTA));
      LongPointData point = sum.getPoints().iterator().next();
      assertThat(sum.getPoints().size(), equalTo(1));
      assertThat(point.getValue(), equalTo(e.getValue()));
      assertThat(point.getStartEpochNanos(), equalTo(nanos(START)));
      assertThat(point.getEpochNanos(), equalTo(nanos(END)));
      assertThat(point.getAttributes(), equalTo(dims));
      assertThat(m.getInstrumentationScopeInfo().getName(), equalTo("dev.kelemetry.beam"));
    }
  }

  @Test
  public void distributionsAreSummariesWithExactMinAndMaxAsQuantilesZeroAndOne() {
    Map<String, MetricData> metrics = byName(row(Map.of("verb", "list"), LATENCY, TIMEOUT, null));
    MetricData latency = metrics.get("kelemetry.requests.latency");
    assertThat(latency.getType(), equalTo(MetricDataType.SUMMARY));
    assertThat(latency.getUnit(), equalTo("ms"));
    assertSummary(latency, LATENCY);
    MetricData timeout = metrics.get("kelemetry.requests.timeout_ratio");
    assertThat(timeout.getUnit(), equalTo("1"));
    assertSummary(timeout, TIMEOUT);
  }

  private static void assertSummary(MetricData m, Distribution d) {
    SummaryPointData point = m.getSummaryData().getPoints().iterator().next();
    assertThat(point.getCount(), equalTo(d.count()));
    assertThat(point.getSum(), equalTo(d.sum()));
    assertThat(point.getStartEpochNanos(), equalTo(nanos(START)));
    assertThat(point.getEpochNanos(), equalTo(nanos(END)));
    assertThat(point.getValues().stream().map(ValueAtQuantile::getQuantile).toList(), contains(0.0, 0.5, 0.9, 0.99, 1.0));
    assertThat(point.getValues().stream().map(ValueAtQuantile::getValue).toList(),
        contains(d.min(), d.p50(), d.p90(), d.p99(), d.max()));
  }

  @Test
  public void bytesAreASumInBytesOnlyWhenTheRowHasThem() {
    MetricData bytes = byName(row(Map.of(), null, null, 123_456L)).get("kelemetry.requests.bytes");
    assertThat(bytes.getUnit(), equalTo("By"));
    assertThat(bytes.getLongSumData().getPoints().iterator().next().getValue(), equalTo(123_456L));
    assertThat(byName(row(Map.of(), null, null, null)).containsKey("kelemetry.requests.bytes"), equalTo(false));
  }

  @Test
  public void theClusterDimensionNamesTheResourceAndStaysOnThePoint() {
    MetricData m = MetricRowData.of(row(Map.of("cluster", "prod", "verb", "get"), null, null, null)).get(0);
    assertThat(m.getResource().getAttribute(AttributeKey.stringKey("service.name")), equalTo("kelemetry"));
    assertThat(m.getResource().getAttribute(AttributeKey.stringKey("k8s.cluster.name")), equalTo("prod"));
    assertThat(m.getResource().getAttribute(AttributeKey.stringKey("service.namespace")), equalTo("prod"));
    assertThat(m.getLongSumData().getPoints().iterator().next().getAttributes()
        .get(AttributeKey.stringKey("cluster")), equalTo("prod"));
  }

  @Test
  public void withoutAClusterTheResourceIsTheServiceOnlyAndAnEmptyDimensionStaysEmpty() {
    for (Map<String, String> dims : List.of(Map.of("verb", "get"), Map.of("cluster", "", "verb", "get"))) {
      MetricData m = MetricRowData.of(row(dims, null, null, null)).get(0);
      assertThat(m.getResource().getAttributes(), equalTo(Attributes.of(AttributeKey.stringKey("service.name"), "kelemetry")));
      assertThat(m.getLongSumData().getPoints().iterator().next().getAttributes(),
          equalTo(MetricRowData.attributes(dims)));
      assertThat(m.getLongSumData().getPoints().iterator().next().getAttributes().size(), equalTo(dims.size()));
    }
  }

  @Test
  public void metricsGoToTheirOwnHttpPathAndTheSameGrpcEndpoint() {
    assertThat(OtlpOptions.of("http://localhost:4318", OtlpOptions.HTTP_PROTOBUF).metricsEndpoint(),
        equalTo("http://localhost:4318/v1/metrics"));
    assertThat(OtlpOptions.of("https://gw/otlp/v1/traces", OtlpOptions.HTTP_PROTOBUF).metricsEndpoint(),
        equalTo("https://gw/otlp/v1/metrics"));
    assertThat(OtlpOptions.of("https://gw/custom", OtlpOptions.HTTP_PROTOBUF).metricsEndpoint(),
        equalTo("https://gw/custom"));
    assertThat(OtlpOptions.of("http://localhost:4317", OtlpOptions.GRPC).metricsEndpoint(),
        equalTo("http://localhost:4317"));
  }
}
