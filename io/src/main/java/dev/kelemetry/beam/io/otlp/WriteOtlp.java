package dev.kelemetry.beam.io.otlp;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.List;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Exports span rows over OTLP with the OpenTelemetry SDK's exporter (gRPC or HTTP/protobuf) and yields a dead letter
 * for every span it gave up on. Spans are sent in batches of {@code batchSize} per bundle; a failed batch is tried
 * again after a backoff that doubles up to {@code maxBackoff}, {@code maxAttempts} times in all, whatever the failure
 * (503, a refused connection, a timeout): a backend that comes back within that time loses nothing. Counters
 * {@code otlp_spans_exported}, {@code otlp_export_retries} and {@code otlp_spans_failed} say what happened.
 *
 * <p>Delivery is at least once: a bundle the runner retries, or a stream restored from a checkpoint, sends its
 * spans again with the same ids.
 */
public final class WriteOtlp extends PTransform<PCollection<SpanRow>, PCollection<DeadLetterRow>> {
  private final OtlpOptions options;

  private WriteOtlp(OtlpOptions options) {
    this.options = options;
  }

  public static WriteOtlp to(OtlpOptions options) {
    return new WriteOtlp(options);
  }

  @Override
  public PCollection<DeadLetterRow> expand(PCollection<SpanRow> spans) {
    return spans.apply("ExportOtlp", ParDo.of(new ExportFn(options))).setCoder(JsonCoder.of(DeadLetterRow.class));
  }

  /** Builds the SDK exporter for these options, its own retries off (ours count and dead-letter). */
  static SpanExporter exporter(OtlpOptions o) {
    if (OtlpOptions.GRPC.equals(o.protocol())) {
      OtlpGrpcSpanExporterBuilder b = OtlpGrpcSpanExporter.builder().setEndpoint(o.endpoint()).setTimeout(o.timeout())
          .setRetryPolicy(null);
      o.applyHeadersAndTls(b::addHeader, b::setTrustedCertificates, b::setClientTls);
      return b.build();
    }
    OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder().setEndpoint(o.endpoint()).setTimeout(o.timeout())
        .setRetryPolicy(null);
    o.applyHeadersAndTls(b::addHeader, b::setTrustedCertificates, b::setClientTls);
    return b.build();
  }

  static final class ExportFn extends OtlpExportFn<SpanRow, SpanData> {
    ExportFn(OtlpOptions options) {
      super(options, options.endpoint(), "WriteOtlp", Counters.OTLP_EXPORTED, Counters.OTLP_RETRIES,
          Counters.OTLP_FAILED);
    }

    @Override
    protected Exporter<SpanData> openExporter() {
      SpanExporter e = exporter(options());
      return new Exporter<>(e::export, e::shutdown);
    }

    @Override
    protected List<SpanData> data(SpanRow row) {
      return List.of(new SpanRowData(row));
    }
  }
}
