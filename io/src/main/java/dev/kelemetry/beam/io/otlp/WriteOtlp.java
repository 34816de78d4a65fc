package dev.kelemetry.beam.io.otlp;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

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
      headersAndTls(o, b::addHeader, b::setTrustedCertificates, b::setClientTls);
      return b.build();
    }
    OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder().setEndpoint(o.endpoint()).setTimeout(o.timeout())
        .setRetryPolicy(null);
    headersAndTls(o, b::addHeader, b::setTrustedCertificates, b::setClientTls);
    return b.build();
  }

  /** The two SDK builders share these settings but no interface. */
  private static void headersAndTls(OtlpOptions o, BiConsumer<String, String> header, Consumer<byte[]> trust,
      BiConsumer<byte[], byte[]> clientKeyAndCert) {
    o.headers().forEach(header);
    if (!o.trustedCertificatesPem().isEmpty()) {
      trust.accept(o.trustedCertificatesPem().getBytes(StandardCharsets.UTF_8));
    }
    if (!o.clientCertificatePem().isEmpty()) {
      clientKeyAndCert.accept(o.clientKeyPem().getBytes(StandardCharsets.UTF_8),
          o.clientCertificatePem().getBytes(StandardCharsets.UTF_8));
    }
  }

  static final class ExportFn extends DoFn<SpanRow, DeadLetterRow> {
    private final OtlpOptions options;
    private transient SpanExporter exporter;
    private transient List<Pending> pending;
    private final Counter exported = Metrics.counter(Counters.NAMESPACE, Counters.OTLP_EXPORTED);
    private final Counter retries = Metrics.counter(Counters.NAMESPACE, Counters.OTLP_RETRIES);
    private final Counter failed = Metrics.counter(Counters.NAMESPACE, Counters.OTLP_FAILED);

    /** A span waiting for its batch, with where its dead letter would go. */
    private record Pending(SpanRowData span, Instant timestamp, BoundedWindow window) {}

    ExportFn(OtlpOptions options) {
      this.options = options;
    }

    @Setup
    public void setup() {
      // The SDK logs every failed export itself; here a failure is counted, retried and, in the end, a dead letter
      // with the reason, so its log lines would only repeat that.
      Logger.getLogger("io.opentelemetry.exporter").setLevel(Level.OFF);
      exporter = exporter(options);
    }

    @StartBundle
    public void startBundle() {
      pending = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element SpanRow row, @Timestamp Instant timestamp, BoundedWindow window,
        OutputReceiver<DeadLetterRow> out) throws InterruptedException {
      pending.add(new Pending(new SpanRowData(row), timestamp, window));
      if (pending.size() >= options.batchSize()) {
        for (Pending p : flush()) {
          out.outputWithTimestamp(deadLetter(p), p.timestamp());
        }
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) throws InterruptedException {
      for (Pending p : flush()) {
        context.output(deadLetter(p), p.timestamp(), p.window());
      }
    }

    @Teardown
    public void teardown() {
      if (exporter != null) {
        exporter.shutdown().join(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
      }
    }

    private String lastFailure = "";

    /** Sends what is pending; returns the spans given up on. */
    private List<Pending> flush() throws InterruptedException {
      if (pending.isEmpty()) {
        return List.of();
      }
      List<Pending> batch = pending;
      pending = new ArrayList<>();
      List<SpanData> spans = batch.stream().map(p -> (SpanData) p.span()).toList();
      Duration backoff = options.initialBackoff();
      for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
        if (attempt > 1) {
          retries.inc();
          Thread.sleep(backoff.toMillis());
          backoff = backoff.multipliedBy(2).compareTo(options.maxBackoff()) > 0 ? options.maxBackoff() : backoff.multipliedBy(2);
        }
        CompletableResultCode result = exporter.export(spans)
            .join(options.timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        if (result.isSuccess()) {
          exported.inc(batch.size());
          return List.of();
        }
        lastFailure = describe(result);
      }
      failed.inc(batch.size());
      return batch;
    }

    /** The whole span row, never cut like a bad input line: it is what a replay to the backend would send. */
    private DeadLetterRow deadLetter(Pending p) {
      String row = Rows.toJson(p.span().row());
      return new DeadLetterRow("otlp:" + options.endpoint(), 0, "WriteOtlp", "not exported after "
          + options.maxAttempts() + " attempts: " + lastFailure, row, row.length());
    }

    private String describe(CompletableResultCode result) {
      if (!result.isDone()) {
        return "no answer within " + options.timeout().toSeconds() + " s";
      }
      Throwable t = result.getFailureThrowable();
      if (t == null) {
        return "the exporter reported a failure";
      }
      String cause = t.getCause() != null && t.getCause() != t && !String.valueOf(t.getMessage()).contains(
          String.valueOf(t.getCause().getMessage())) ? " (" + t.getCause() + ")" : "";
      return t.getMessage() != null ? t.getMessage() + cause : t.getClass().getSimpleName() + cause;
    }
  }
}
