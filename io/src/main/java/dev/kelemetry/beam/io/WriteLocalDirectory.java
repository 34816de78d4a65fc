package dev.kelemetry.beam.io;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The default sink: a local directory with {@code spans/}, {@code dead_letters/}, {@code links/} and {@code metrics/} as
 * newline-delimited JSON, the same
 * fields as the BigQuery tables, so DuckDB ({@code read_json('out/spans/*.json')}) runs the same queries.
 */
public final class WriteLocalDirectory extends PTransform<PCollectionTuple, PDone> {
  public static final TupleTag<SpanRow> SPANS = new TupleTag<>() {};
  public static final TupleTag<DeadLetterRow> DEAD_LETTERS = new TupleTag<>() {};
  public static final TupleTag<LinkRow> LINKS = new TupleTag<>() {};
  public static final TupleTag<MetricRow> METRICS = new TupleTag<>() {};

  private final String directory;
  private final boolean windowed;

  private WriteLocalDirectory(String directory, boolean windowed) {
    this.directory = directory;
    this.windowed = windowed;
  }

  public static WriteLocalDirectory to(String directory) {
    return new WriteLocalDirectory(directory.endsWith("/") ? directory.substring(0, directory.length() - 1) : directory,
        false);
  }

  /**
   * For a stream: one file per window and pane ({@code spans-<window start>-<window end>-pane-0-last-00000-of-00001.json}),
   * each written when its window fires. The name depends only on the window, so a window written again after a
   * restart from a checkpoint replaces its file instead of adding a second copy of its rows.
   */
  public WriteLocalDirectory withWindowedFiles() {
    return new WriteLocalDirectory(directory, true);
  }

  private TextIO.Write text(String prefix) {
    TextIO.Write write = TextIO.write().to(directory + "/" + prefix).withSuffix(".json");
    return windowed ? write.withWindowedWrites().withNumShards(1) : write;
  }

  public static PCollectionTuple rows(PCollection<SpanRow> spans, PCollection<DeadLetterRow> deadLetters,
      PCollection<LinkRow> links, PCollection<MetricRow> metrics) {
    return PCollectionTuple.of(SPANS, spans).and(DEAD_LETTERS, deadLetters).and(LINKS, links).and(METRICS, metrics);
  }

  // Typed lambdas, not the method reference Rows::toJson twice: javac gives two serializable references to one method
  // one deserialization case, so the second would be cast to the first one's parameter type at run time.
  @Override
  public PDone expand(PCollectionTuple rows) {
    rows.get(SPANS)
        .apply("SpansAsJson", MapElements.into(TypeDescriptors.strings()).via((SpanRow span) -> Rows.toJson(span)))
        .apply("WriteSpans", text("spans/spans"));
    rows.get(DEAD_LETTERS)
        .apply("DeadLettersAsJson", MapElements.into(TypeDescriptors.strings()).via((DeadLetterRow row) -> Rows.toJson(row)))
        .apply("WriteDeadLetters", text("dead_letters/dead_letters"));
    rows.get(LINKS)
        .apply("LinksAsJson", MapElements.into(TypeDescriptors.strings()).via((LinkRow row) -> Rows.toJson(row)))
        .apply("WriteLinks", text("links/links"));
    rows.get(METRICS)
        .apply("MetricsAsJson", MapElements.into(TypeDescriptors.strings()).via((MetricRow row) -> Rows.toJson(row)))
        .apply("WriteMetrics", text("metrics/metrics"));
    return PDone.in(rows.getPipeline());
  }
}
