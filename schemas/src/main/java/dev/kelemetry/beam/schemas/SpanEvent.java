package dev.kelemetry.beam.schemas;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.Serializable;
import java.util.Map;

/**
 * A point in time on a span: a field diff, a snapshot, an error status, a note.
 *
 * @param name {@code diff}, {@code snapshot}, {@code error} or {@code note}
 * @param attributes for a diff: {@code diff} (the lines) and {@code verbose_diff}; for a snapshot: {@code snapshot}
 *     (JSON text); for an error: {@code status} (JSON text); for a note: {@code message}
 */
@JsonPropertyOrder({"time", "name", "attributes"})
public record SpanEvent(
    @JsonProperty("time") String time,
    @JsonProperty("name") String name,
    @JsonProperty("attributes") Map<String, Object> attributes)
    implements Serializable {

  public static final String DIFF = "diff";
  public static final String SNAPSHOT = "snapshot";
  public static final String ERROR = "error";
  public static final String NOTE = "note";
}
