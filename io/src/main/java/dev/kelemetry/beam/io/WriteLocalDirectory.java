package dev.kelemetry.beam.io;

import dev.kelemetry.beam.schemas.DeadLetterRow;
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
 * The default sink: a local directory with {@code spans/} and {@code dead_letters/} as newline-delimited JSON, the same
 * fields as the BigQuery tables, so DuckDB ({@code read_json('out/spans/*.json')}) runs the same queries.
 */
public final class WriteLocalDirectory extends PTransform<PCollectionTuple, PDone> {
  public static final TupleTag<SpanRow> SPANS = new TupleTag<>() {};
  public static final TupleTag<DeadLetterRow> DEAD_LETTERS = new TupleTag<>() {};

  private final String directory;

  private WriteLocalDirectory(String directory) {
    this.directory = directory;
  }

  public static WriteLocalDirectory to(String directory) {
    return new WriteLocalDirectory(directory.endsWith("/") ? directory.substring(0, directory.length() - 1) : directory);
  }

  public static PCollectionTuple rows(PCollection<SpanRow> spans, PCollection<DeadLetterRow> deadLetters) {
    return PCollectionTuple.of(SPANS, spans).and(DEAD_LETTERS, deadLetters);
  }

  // Typed lambdas, not the method reference Rows::toJson twice: javac gives two serializable references to one method
  // one deserialization case, so the second would be cast to the first one's parameter type at run time.
  @Override
  public PDone expand(PCollectionTuple rows) {
    rows.get(SPANS)
        .apply("SpansAsJson", MapElements.into(TypeDescriptors.strings()).via((SpanRow span) -> Rows.toJson(span)))
        .apply("WriteSpans", TextIO.write().to(directory + "/spans/spans").withSuffix(".json"));
    rows.get(DEAD_LETTERS)
        .apply("DeadLettersAsJson", MapElements.into(TypeDescriptors.strings()).via((DeadLetterRow row) -> Rows.toJson(row)))
        .apply("WriteDeadLetters", TextIO.write().to(directory + "/dead_letters/dead_letters").withSuffix(".json"));
    return PDone.in(rows.getPipeline());
  }
}
