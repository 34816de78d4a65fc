package dev.kelemetry.beam.pipelines.serve;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.kelemetry.beam.schemas.Rows;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.junit.Test;

/** The hand-read timestamps agree with {@code Instant.parse}, in the rows' form and in the others. */
public class SpanStoreTest {
  private static long viaInstant(String text) {
    Instant t = Instant.parse(text);
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  @Test
  public void theRowsFormReadsAsInstantParseReadsIt() {
    // the writer's own output for times around a leap day, the epoch and before it
    for (long micros : List.of(1_772_359_200_123_456L, 1_709_164_799_999_999L, 0L, 1L, -1L, 951_782_400_000_001L)) {
      String text = Rows.timestamp(micros);
      assertThat(text, SpanStore.micros(text), equalTo(viaInstant(text)));
      assertThat(text, SpanStore.micros(text), equalTo(micros));
    }
  }

  @Test
  public void otherFormsFallBackToInstantParse() {
    for (String text : List.of("2026-03-01T10:00:00Z", "2026-03-01T10:00:00.5Z", "2026-03-01T10:00:00.123456789Z")) {
      assertThat(text, SpanStore.micros(text), equalTo(viaInstant(text)));
    }
  }

  @Test(expected = DateTimeParseException.class)
  public void aTimeOfTheRightLengthButNoDateIsAnError() {
    SpanStore.micros("2026-02-30T10:00:00.000000Z");
  }
}
