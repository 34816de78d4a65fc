package dev.kelemetry.beam.io.otlp;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporterBuilder;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.List;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Exports metric rows as OTLP metrics with the OpenTelemetry SDK's metric exporter (gRPC or HTTP/protobuf, to
 * {@link OtlpOptions#metricsEndpoint()}) and yields a dead letter, holding the whole row, for every row it gave up on.
 * Batching, retries and dead letters are those of {@link WriteOtlp} ({@link OtlpExportFn}), a batch being
 * {@code batchSize} rows; counters {@code otlp_metric_rows_exported}, {@code otlp_metric_retries},
 * {@code otlp_metric_rows_failed}. {@link MetricRowData} says what a row becomes.
 *
 * <pre>{@code
 * PCollection<DeadLetterRow> failed = metricRows.apply("WriteOtlpMetrics", WriteOtlpMetrics.to(otlpOptions));
 * }</pre>
 *
 * <p>Delivery is at least once: a bundle the runner retries sends its rows again, and delta points sent twice count
 * twice in a backend that sums them.
 */
public final class WriteOtlpMetrics extends PTransform<PCollection<MetricRow>, PCollection<DeadLetterRow>> {
  /** Metric rows a backend accepted, requests tried again after a failure, rows given up on (dead letters). */
  public static final String EXPORTED = "otlp_metric_rows_exported";
  public static final String RETRIES = "otlp_metric_retries";
  public static final String FAILED = "otlp_metric_rows_failed";

  private final OtlpOptions options;

  private WriteOtlpMetrics(OtlpOptions options) {
    this.options = options;
  }

  public static WriteOtlpMetrics to(OtlpOptions options) {
    return new WriteOtlpMetrics(options);
  }

  @Override
  public PCollection<DeadLetterRow> expand(PCollection<MetricRow> rows) {
    return rows.apply("ExportOtlpMetrics", ParDo.of(new ExportFn(options)))
        .setCoder(JsonCoder.of(DeadLetterRow.class));
  }

  /** Builds the SDK exporter for these options, its own retries off (ours count and dead-letter). */
  static MetricExporter exporter(OtlpOptions o) {
    if (OtlpOptions.GRPC.equals(o.protocol())) {
      OtlpGrpcMetricExporterBuilder b = OtlpGrpcMetricExporter.builder().setEndpoint(o.metricsEndpoint())
          .setTimeout(o.timeout()).setRetryPolicy(null);
      o.applyHeadersAndTls(b::addHeader, b::setTrustedCertificates, b::setClientTls);
      return b.build();
    }
    OtlpHttpMetricExporterBuilder b = OtlpHttpMetricExporter.builder().setEndpoint(o.metricsEndpoint())
        .setTimeout(o.timeout()).setRetryPolicy(null);
    o.applyHeadersAndTls(b::addHeader, b::setTrustedCertificates, b::setClientTls);
    return b.build();
  }

  static final class ExportFn extends OtlpExportFn<MetricRow, MetricData> {
    ExportFn(OtlpOptions options) {
      super(options, options.metricsEndpoint(), "WriteOtlpMetrics", EXPORTED, RETRIES, FAILED);
    }

    @Override
    protected Exporter<MetricData> openExporter() {
      MetricExporter e = exporter(options());
      return new Exporter<>(e::export, e::shutdown);
    }

    @Override
    protected List<MetricData> data(MetricRow row) {
      return MetricRowData.of(row);
    }
  }
}
