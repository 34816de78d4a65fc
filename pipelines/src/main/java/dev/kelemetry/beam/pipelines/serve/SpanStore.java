package dev.kelemetry.beam.pipelines.serve;

import dev.kelemetry.beam.pipelines.query.LocalTables;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.parse.RecordParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The span rows of an output directory, held in memory and indexed the ways the query API asks: by stored trace, by
 * object, and from an object span's id to its object. Loaded once; it is not changed afterwards, so the server's
 * threads read it without locks.
 */
final class SpanStore {
  private final Map<String, List<SpanRow>> byTrace = new HashMap<>();
  private final Map<ObjectKey, List<SpanRow>> objectSpans = new HashMap<>();
  private final Map<String, ObjectKey> byHash = new HashMap<>();
  /** "traceId/spanId" of every object span -> its object: how audit, event and state spans find theirs. */
  private final Map<String, ObjectKey> objectOfSpan = new HashMap<>();
  private final Set<String> clusters = new TreeSet<>();
  private final int spanCount;

  SpanStore(Collection<SpanRow> rows) {
    for (SpanRow row : rows) {
      byTrace.computeIfAbsent(row.traceId(), t -> new ArrayList<>()).add(row);
      clusters.add(row.cluster());
      if (row.kind().equals(SpanRow.KIND_OBJECT)) {
        ObjectKey key = ObjectKey.of(row);
        objectSpans.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
        byHash.put(key.hash(), key);
        objectOfSpan.put(row.traceId() + "/" + row.spanId(), key);
      }
    }
    spanCount = rows.size();
  }

  /** Every span row under {@code directory}/spans, in the files a backfill or a stream writes. */
  static SpanStore load(Path directory) throws IOException {
    if (!Files.isDirectory(directory.resolve("spans"))) {
      throw new IOException("no spans/ folder in " + directory + " (give a backfill's or a stream's --output)");
    }
    List<SpanRow> rows = new ArrayList<>();
    for (Path file : LocalTables.rowFiles(directory.resolve("spans"))) {
      try (BufferedReader in = Files.newBufferedReader(file)) {
        for (String line; (line = in.readLine()) != null; ) {
          if (!line.isBlank()) {
            rows.add(Rows.fromJson(line, SpanRow.class));
          }
        }
      }
    }
    return new SpanStore(rows);
  }

  int spanCount() {
    return spanCount;
  }

  int traceCount() {
    return byTrace.size();
  }

  Set<String> clusters() {
    return clusters;
  }

  Map<ObjectKey, List<SpanRow>> objectSpans() {
    return objectSpans;
  }

  List<SpanRow> trace(String traceId) {
    return byTrace.getOrDefault(traceId, List.of());
  }

  ObjectKey objectByHash(String hash) {
    return byHash.get(hash);
  }

  /** The object whose object span {@code spanId} is in {@code traceId}, or null. */
  ObjectKey objectOfSpan(String traceId, String spanId) {
    return objectOfSpan.get(traceId + "/" + spanId);
  }

  /**
   * Epoch microseconds of a row's timestamp. The rows write one form, {@code 2026-03-01T10:00:00.123456Z}, which is read
   * by hand: {@code Instant.parse} costs about as much as the rest of a 10,000-span answer together (ServeBenchmark).
   * Any other form (another fraction, an offset) goes through the parser the records use.
   */
  static long micros(String timestamp) {
    if (timestamp.length() == 27 && timestamp.charAt(4) == '-' && timestamp.charAt(10) == 'T'
        && timestamp.charAt(19) == '.' && timestamp.charAt(26) == 'Z') {
      try {
        long days = LocalDate.of(digits(timestamp, 0, 4), digits(timestamp, 5, 7), digits(timestamp, 8, 10)).toEpochDay();
        long seconds = days * 86_400L + digits(timestamp, 11, 13) * 3600L + digits(timestamp, 14, 16) * 60L
            + digits(timestamp, 17, 19);
        return seconds * 1_000_000L + digits(timestamp, 20, 26);
      } catch (NumberFormatException | DateTimeException e) {
        // not the rows' own form after all: the general parser says what is wrong with it
      }
    }
    return RecordParser.micros(timestamp);
  }

  private static int digits(String text, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        throw new NumberFormatException(text);
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
