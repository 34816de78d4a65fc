package dev.kelemetry.beam.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/** The lateness rule: a record read after the source's watermark passed its event time is a dead letter that says so. */
public class ParseRecordsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static String line(String auditId, String at) {
    return "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Event\",\"auditID\":\"" + auditId + "\",\"stage\":\"ResponseComplete\","
        + "\"verb\":\"get\",\"user\":{\"username\":\"u\"},\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"ns\","
        + "\"name\":\"p\",\"apiVersion\":\"v1\"},\"requestReceivedTimestamp\":\"" + at + "\"}";
  }

  @Test
  public void onTimeRecordsAreStampedWithTheirEventTimeAndLateOnesAreDeadLetters() {
    Instant watermarkAtRead = Instant.parse("2026-01-01T00:01:00Z");
    PCollectionTuple out = pipeline
        .apply(Create.timestamped(
                TimestampedValue.of(new RawRecord("kafka://audit/0", 10, line("on-time", "2026-01-01T00:01:00.000000Z"), ""),
                    watermarkAtRead),
                TimestampedValue.of(new RawRecord("kafka://audit/0", 11, line("late", "2026-01-01T00:00:59.999000Z"), ""),
                    watermarkAtRead))
            .withCoder(RecordCoders.raw()))
        .apply(ParseRecords.withDefaultCluster("c1"));
    PAssert.that(out.get(ParseRecords.RECORDS).apply(MapElements.into(TypeDescriptors.strings())
        .via(ControlPlaneRecord::id))).containsInAnyOrder("on-time");
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS)).satisfies(rows -> {
      List<DeadLetterRow> dead = StreamSupport.stream(rows.spliterator(), false).toList();
      assertThat(dead.size(), equalTo(1));
      assertThat(dead.get(0).line(), equalTo(11L));
      assertThat(dead.get(0).reason(), containsString("late: its event time 2026-01-01T00:00:59.999000Z was already"
          + " behind the watermark (2026-01-01T00:01:00.000000Z)"));
      return null;
    });
    pipeline.run().waitUntilFinish();
  }
}
