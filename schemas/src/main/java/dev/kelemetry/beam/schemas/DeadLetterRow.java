package dev.kelemetry.beam.schemas;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;

/**
 * A record the pipeline could not use, with enough to find it again and to see why. One row shape for every step;
 * the same fields as the {@code dead_letters} table (schemas/bigquery/dead_letters.json).
 *
 * @param source the input location (file path or URI)
 * @param line the 1-based line where the record starts, 0 when unknown
 * @param step the pipeline step that gave up (e.g. {@code ParseRecords})
 * @param reason why, in words a user can act on
 * @param raw the raw text, cut to {@link #MAX_RAW_CHARS}
 * @param rawLength the length of the raw text before cutting
 */
public record DeadLetterRow(
    @JsonProperty("source") String source,
    @JsonProperty("line") long line,
    @JsonProperty("step") String step,
    @JsonProperty("reason") String reason,
    @JsonProperty("raw") String raw,
    @JsonProperty("raw_length") long rawLength)
    implements Serializable {

  /** Enough to recognise a record without letting a 3 MB body into every dead-letter row. */
  public static final int MAX_RAW_CHARS = 4096;

  public static DeadLetterRow of(String source, long line, String step, String reason, String raw) {
    String text = raw == null ? "" : raw;
    String cut = text.length() > MAX_RAW_CHARS ? text.substring(0, MAX_RAW_CHARS) : text;
    return new DeadLetterRow(source, line, step, reason, cut, text.length());
  }
}
