package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;

/** The run's one registered error handler: every step's rows come out unchanged, a Beam IO's bad records as rows. */
public class DeadLettersTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final DeadLetterRow PARSE = DeadLetterRow.of("a.log", 3, "ParseRecords", "not JSON", "{oops");
  private static final DeadLetterRow OTLP = DeadLetterRow.of("otlp:http://x", 0, "WriteOtlp",
      "not exported after 3 attempts: HTTP 503", "{\"span_id\":\"1\"}");

  @Test
  public void everyStepsRowsComeOutOfTheHandlerUnchanged() {
    DeadLetters deadLetters = DeadLetters.register(pipeline);
    deadLetters.add(pipeline.apply("Parse", Create.of(PARSE).withCoder(JsonCoder.of(DeadLetterRow.class))), "A");
    deadLetters.add(pipeline.apply("Otlp", Create.of(OTLP).withCoder(JsonCoder.of(DeadLetterRow.class))), "B");
    PCollection<DeadLetterRow> all = deadLetters.close();
    PAssert.that(all).containsInAnyOrder(PARSE, OTLP);
    pipeline.run();
  }

  @Test
  public void aBeamIosBadRecordBecomesARowWithItsDescriptionAndException() throws Exception {
    BadRecord bad = BadRecord.builder()
        .setRecord(BadRecord.Record.builder().setHumanReadableJsonRecord("{\"k\":1}").build())
        .setFailure(BadRecord.Failure.builder().setDescription("Unable to deserialize record")
            .setException("java.io.EOFException").build())
        .build();
    DeadLetterRow row = DeadLetters.toRow(bad);
    assertThat(List.of(row.step(), row.reason(), row.raw()), equalTo(List.of("BeamIO",
        "Unable to deserialize record: java.io.EOFException", "{\"k\":1}")));
  }

  @Test
  public void beamRefusesToRunWhileTheHandlerIsOpen() {
    Pipeline open = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    DeadLetters deadLetters = DeadLetters.register(open);
    deadLetters.add(open.apply(Create.of(PARSE).withCoder(JsonCoder.of(DeadLetterRow.class))), "A");
    IllegalStateException e = assertThrows(IllegalStateException.class, open::run);
    assertThat(e.getMessage(), containsString("ErrorHandlers aren't closed"));
  }
}
