package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;

/**
 * The run's one registered Beam error handler. Every step's dead letters, and the bad records of any Beam IO given
 * {@link #handler()}, go into it as {@link BadRecord}s; what comes out is one collection of {@link DeadLetterRow}s,
 * which every sink writes. Beam refuses to run a pipeline whose handler is still open, so no step's failures can be
 * left out of the sinks by forgetting to flatten them in.
 */
final class DeadLetters {
  /** Marks a bad record that carries one of our rows whole, so it comes out of the handler unchanged. */
  static final String ROW_CODER = "kelemetry.DeadLetterRow/json";

  private final BadRecordErrorHandler<PCollection<DeadLetterRow>> handler;
  private int added;

  private DeadLetters(BadRecordErrorHandler<PCollection<DeadLetterRow>> handler) {
    this.handler = handler;
  }

  static DeadLetters register(Pipeline pipeline) {
    return new DeadLetters(pipeline.registerBadRecordErrorHandler(new AsDeadLetterRows()));
  }

  /** Sends a step's dead letters to the handler; {@code step} names the conversion in the graph. */
  void add(PCollection<DeadLetterRow> rows, String step) {
    added++;
    handler.addErrorCollection(rows.apply(step, ParDo.of(new ToBadRecord()))
        .setCoder(BadRecord.getCoder(rows.getPipeline())));
  }

  /** For Beam IOs that report bad records themselves ({@code withErrorHandler}, {@code withBadRecordErrorHandler}). */
  ErrorHandler<BadRecord, ?> handler() {
    return handler;
  }

  /** Closes the handler: nothing more can be added, and the dead letters of the whole run come out. */
  PCollection<DeadLetterRow> close() {
    handler.close();
    return handler.getOutput();
  }

  static final class ToBadRecord extends DoFn<DeadLetterRow, BadRecord> {
    @ProcessElement
    public void process(@Element DeadLetterRow row, OutputReceiver<BadRecord> out) {
      out.output(BadRecord.builder()
          .setRecord(BadRecord.Record.builder()
              .setHumanReadableJsonRecord(row.raw())
              .setEncodedRecord(Rows.toJson(row).getBytes(StandardCharsets.UTF_8))
              .setCoder(ROW_CODER)
              .build())
          .setFailure(BadRecord.Failure.builder().setDescription(row.reason()).setException(row.step()).build())
          .build());
    }
  }

  /** The handler's sink: each bad record as the one dead-letter row shape. */
  static final class AsDeadLetterRows extends PTransform<PCollection<BadRecord>, PCollection<DeadLetterRow>> {
    @Override
    public PCollection<DeadLetterRow> expand(PCollection<BadRecord> records) {
      return records.apply("AsDeadLetterRows", ParDo.of(new ToRow())).setCoder(JsonCoder.of(DeadLetterRow.class));
    }
  }

  static final class ToRow extends DoFn<BadRecord, DeadLetterRow> {
    @ProcessElement
    public void process(@Element BadRecord bad, OutputReceiver<DeadLetterRow> out) {
      out.output(toRow(bad));
    }
  }

  /** Ours come back whole; a Beam IO's bad record keeps its description, exception and the record as text. */
  static DeadLetterRow toRow(BadRecord bad) {
    BadRecord.Record record = bad.getRecord();
    if (ROW_CODER.equals(record.getCoder()) && record.getEncodedRecord() != null) {
      return Rows.fromJson(new String(record.getEncodedRecord(), StandardCharsets.UTF_8), DeadLetterRow.class);
    }
    BadRecord.Failure failure = bad.getFailure();
    String reason = failure.getDescription()
        + (failure.getException() == null ? "" : ": " + failure.getException());
    String raw = record.getHumanReadableJsonRecord();
    return DeadLetterRow.of("beam", 0, "BeamIO", reason, raw == null ? "" : raw);
  }
}
