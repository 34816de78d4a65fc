package dev.kelemetry.beam.io.otlp;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.transforms.Counters;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Instant;

/**
 * What every OTLP sink does the same way, whatever the signal (spans, metrics): rows are sent in batches of
 * {@code batchSize} per bundle; a failed batch is tried again after a backoff that doubles up to {@code maxBackoff},
 * {@code maxAttempts} times in all, whatever the failure (503, a refused connection, a timeout); then each of its rows
 * becomes a dead letter holding the whole row and the last failure. Three counters say what happened: rows a backend
 * accepted, requests tried again, rows given up on.
 *
 * <p>A subclass says how a row becomes the SDK's data ({@link #data}) and builds the SDK exporter
 * ({@link #openExporter}), whose two methods used here have no common interface across signals ({@code SpanExporter},
 * {@code MetricExporter}).
 *
 * @param <RowT> the row type, written to dead letters as JSON
 * @param <DataT> what the SDK exporter takes; one row may become several (a metric row is several metrics)
 */
abstract class OtlpExportFn<RowT, DataT> extends DoFn<RowT, DeadLetterRow> {
  private final OtlpOptions options;
  private final String endpoint;
  private final String step;
  private final Counter exported;
  private final Counter retries;
  private final Counter failed;
  private transient Exporter<DataT> exporter;
  private transient List<Pending<RowT, DataT>> pending;
  private transient String lastFailure;

  /** A row waiting for its batch, its SDK data, and where its dead letter would go. */
  private record Pending<RowT, DataT>(RowT row, List<DataT> data, Instant timestamp, BoundedWindow window) {}

  /**
   * @param endpoint where this signal goes (for HTTP the path differs per signal), named in dead letters
   * @param step the transform's name, the dead letters' step
   */
  OtlpExportFn(OtlpOptions options, String endpoint, String step, String exportedCounter, String retriesCounter,
      String failedCounter) {
    this.options = options;
    this.endpoint = endpoint;
    this.step = step;
    this.exported = Metrics.counter(Counters.NAMESPACE, exportedCounter);
    this.retries = Metrics.counter(Counters.NAMESPACE, retriesCounter);
    this.failed = Metrics.counter(Counters.NAMESPACE, failedCounter);
  }

  /** An SDK exporter's {@code export} and {@code shutdown}, e.g. {@code new Exporter<>(e::export, e::shutdown)}. */
  record Exporter<DataT>(Function<Collection<DataT>, CompletableResultCode> export,
      Supplier<CompletableResultCode> shutdown) {}

  /** Builds the SDK exporter (its own retries off: ours count and dead-letter). Called once per DoFn instance. */
  protected abstract Exporter<DataT> openExporter();

  protected abstract List<DataT> data(RowT row);

  protected OtlpOptions options() {
    return options;
  }

  @Setup
  public void setup() {
    // The SDK logs every failed export itself; here a failure is counted, retried and, in the end, a dead letter
    // with the reason, so its log lines would only repeat that.
    Logger.getLogger("io.opentelemetry.exporter").setLevel(Level.OFF);
    exporter = openExporter();
  }

  @StartBundle
  public void startBundle() {
    pending = new ArrayList<>();
  }

  @ProcessElement
  public void process(@Element RowT row, @Timestamp Instant timestamp, BoundedWindow window,
      OutputReceiver<DeadLetterRow> out) throws InterruptedException {
    pending.add(new Pending<>(row, data(row), timestamp, window));
    if (pending.size() >= options.batchSize()) {
      for (Pending<RowT, DataT> p : flush()) {
        out.outputWithTimestamp(deadLetter(p), p.timestamp());
      }
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) throws InterruptedException {
    for (Pending<RowT, DataT> p : flush()) {
      context.output(deadLetter(p), p.timestamp(), p.window());
    }
  }

  @Teardown
  public void teardown() {
    if (exporter != null) {
      exporter.shutdown().get().join(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Sends what is pending; returns the rows given up on. */
  private List<Pending<RowT, DataT>> flush() throws InterruptedException {
    if (pending.isEmpty()) {
      return List.of();
    }
    List<Pending<RowT, DataT>> batch = pending;
    pending = new ArrayList<>();
    List<DataT> data = batch.stream().flatMap(p -> p.data().stream()).toList();
    Duration backoff = options.initialBackoff();
    for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
      if (attempt > 1) {
        retries.inc();
        Thread.sleep(backoff.toMillis());
        backoff = backoff.multipliedBy(2).compareTo(options.maxBackoff()) > 0 ? options.maxBackoff() : backoff.multipliedBy(2);
      }
      CompletableResultCode result = exporter.export().apply(data)
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

  /** The whole row, never cut like a bad input line: it is what a replay to the backend would send. */
  private DeadLetterRow deadLetter(Pending<RowT, DataT> p) {
    String row = Rows.toJson(p.row());
    return new DeadLetterRow("otlp:" + endpoint, 0, step, "not exported after " + options.maxAttempts()
        + " attempts: " + lastFailure, row, row.length());
  }

  private String describe(CompletableResultCode result) {
    if (!result.isDone()) {
      return "no answer within " + options.timeout().toSeconds() + " s";
    }
    Throwable t = result.getFailureThrowable();
    if (t == null) {
      return "the exporter reported a failure";
    }
    // A refusal's status is what a user acts on (401: the header; 429/503: the backend's capacity), and these
    // exceptions carry it only in their response, not their message. The classes are the SDK's internal ones, the
    // only way it hands the status out; a release that moves them fails this build, not a run.
    if (t instanceof FailedExportException.HttpExportException http && http.failedWithResponse()) {
      return "HTTP " + http.getResponse().getStatusCode() + " " + http.getResponse().getStatusMessage();
    }
    if (t instanceof FailedExportException.GrpcExportException grpc && grpc.failedWithResponse()) {
      String description = grpc.getResponse().getStatusDescription();
      return "gRPC " + grpc.getResponse().getStatusCode() + (description == null ? "" : ": " + description);
    }
    String cause = t.getCause() != null && t.getCause() != t && !String.valueOf(t.getMessage()).contains(
        String.valueOf(t.getCause().getMessage())) ? " (" + t.getCause() + ")" : "";
    return t.getMessage() != null ? t.getMessage() + cause : t.getClass().getSimpleName() + cause;
  }
}
