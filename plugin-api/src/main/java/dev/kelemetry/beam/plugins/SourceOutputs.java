package dev.kelemetry.beam.plugins;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;

/** What every source yields: the records to parse, and the dead letters of what it could not read. */
public final class SourceOutputs {
  private SourceOutputs() {}

  public static final TupleTag<RawRecord> RECORDS = new TupleTag<>("records") {};
  public static final TupleTag<DeadLetterRow> DEAD_LETTERS = new TupleTag<>("dead-letters") {};

  public static PCollectionTuple of(PCollection<RawRecord> records, PCollection<DeadLetterRow> deadLetters) {
    return PCollectionTuple.of(RECORDS, records).and(DEAD_LETTERS, deadLetters);
  }
}
