package dev.kelemetry.beam.pipelines.serve;

import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The ids of merged traces. The service keeps no state between requests (and none across restarts), so the id itself
 * says what to rebuild: a marker, the display mode, the first and the last trace window merged, and the object. The
 * same search over the same data gives the same id, and {@code /api/traces/{id}} rebuilds the same trace from it.
 *
 * <pre>
 *   f5 | mode (2) | first window start, epoch seconds (8) | last window start, epoch seconds (8) | object hash (12)
 * </pre>
 */
final class TraceIds {
  private TraceIds() {}

  private static final String MARKER = "f5";
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{1,32}");

  /** What a synthetic id stands for. Window starts are epoch microseconds (whole seconds: windows are). */
  record Merged(DisplayMode mode, String objectHash, long firstWindowMicros, long lastWindowMicros) {}

  static String encode(Merged m) {
    return MARKER + m.mode().code() + seconds(m.firstWindowMicros()) + seconds(m.lastWindowMicros()) + m.objectHash();
  }

  /** Empty when the id is not one this service made (it may still be a stored trace's id). */
  static Optional<Merged> decode(String id) {
    if (id.length() != 32 || !id.startsWith(MARKER)) {
      return Optional.empty();
    }
    return DisplayMode.fromCode(id.substring(2, 4)).map(mode -> new Merged(mode, id.substring(20),
        HexFormat.fromHexDigitsToLong(id.substring(4, 12)) * 1_000_000L,
        HexFormat.fromHexDigitsToLong(id.substring(12, 20)) * 1_000_000L));
  }

  /**
   * The id in the form the rows use (32 lower-case hex digits), or empty when it is not hex. Clients may upper-case an
   * id or drop its leading zeros (Jaeger ids are numbers to some of them), so both are undone here.
   */
  static Optional<String> normalize(String id) {
    String lower = id.strip().toLowerCase(java.util.Locale.ROOT);
    if (!HEX.matcher(lower).matches()) {
      return Optional.empty();
    }
    return Optional.of("0".repeat(32 - lower.length()) + lower);
  }

  private static String seconds(long micros) {
    return String.format("%08x", Math.floorDiv(micros, 1_000_000L));
  }
}
