package dev.kelemetry.beam.pipelines.serve;

import dev.kelemetry.beam.pipelines.query.LocalTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An output directory's span rows, held in memory. A running {@code stream} keeps adding files to the directory, so
 * the rows are read again when its files change: checked at most every {@link #RECHECK_MILLIS} ms, by the files'
 * names, sizes and modification times, and swapped in whole once read (requests in flight keep the store they had).
 */
final class LocalSpans implements SpanSource {
  static final long RECHECK_MILLIS = 2_000;

  private final Path directory;
  private volatile SpanStore store;
  private volatile List<String> fingerprint;
  private volatile long checkedAt;

  private LocalSpans(Path directory, SpanStore store, List<String> fingerprint) {
    this.directory = directory;
    this.store = store;
    this.fingerprint = fingerprint;
    this.checkedAt = System.currentTimeMillis();
  }

  /** Rows that are all there will be (a benchmark's, a test's): never read again. */
  static LocalSpans fixed(SpanStore store) {
    return new LocalSpans(null, store, List.of());
  }

  static LocalSpans load(Path directory) throws IOException {
    List<String> fingerprint = fingerprint(directory);
    return new LocalSpans(directory, SpanStore.load(directory), fingerprint);
  }

  /** The rows as they are now, read again first when the directory's files changed since the last look. */
  SpanStore current() {
    long now = System.currentTimeMillis();
    if (directory != null && now - checkedAt >= RECHECK_MILLIS) {
      reloadIfChanged(now);
    }
    return store;
  }

  private synchronized void reloadIfChanged(long now) {
    if (now - checkedAt < RECHECK_MILLIS) {
      return; // another request just looked
    }
    checkedAt = now;
    try {
      List<String> seen = fingerprint(directory);
      if (!seen.equals(fingerprint)) {
        // a file may still be half-written: a row that does not parse keeps the rows we had, and the next look retries
        SpanStore reloaded = SpanStore.load(directory);
        store = reloaded;
        fingerprint = seen;
        System.out.printf("reloaded %s: %,d spans of %,d stored traces%n", directory, reloaded.spanCount(),
            reloaded.traceCount());
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("kelemetry serve: kept the rows read before; reading " + directory + " again failed: " + e);
    }
  }

  private static List<String> fingerprint(Path directory) throws IOException {
    Path spans = directory.resolve("spans");
    if (!Files.isDirectory(spans)) {
      throw new IOException("no spans/ folder in " + directory + " (give a backfill's or a stream's --output)");
    }
    try {
      return LocalTables.rowFiles(spans).stream().map(f -> {
        try {
          return f + "|" + Files.size(f) + "|" + Files.getLastModifiedTime(f).toMillis();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  @Override
  public SpanStore objectSpans(ObjectQuery query) {
    return current();
  }

  @Override
  public SpanStore mergedTraces(Collection<TraceIds.Merged> merged, Map<String, ObjectKey> known) {
    return current();
  }

  @Override
  public SpanStore storedTrace(String traceId) {
    return current();
  }

  @Override
  public SpanStore objectSpansBetween(long startMicros, long endMicros) {
    return current();
  }

  @Override
  public Set<String> clusters() {
    return current().clusters();
  }

  @Override
  public String describe() {
    SpanStore now = current();
    return String.format("%,d spans of %,d stored traces, %d cluster(s) %s, from %s", now.spanCount(), now.traceCount(),
        now.clusters().size(), now.clusters(), directory);
  }
}
