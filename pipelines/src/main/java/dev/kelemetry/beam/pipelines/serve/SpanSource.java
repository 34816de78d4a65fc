package dev.kelemetry.beam.pipelines.serve;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * Where the query service's rows come from: an output directory held in memory ({@link LocalSpans}) or a BigQuery
 * dataset read per request ({@link BigQuerySpans}). Each method returns a {@link SpanStore} holding at least the rows
 * the request needs; it may hold more (the local source answers every request from all its rows), and the API code
 * filters them itself, so the answers do not depend on the source.
 */
interface SpanSource extends AutoCloseable {
  /** Every object span the search could match. */
  SpanStore objectSpans(ObjectQuery query);

  /**
   * What rebuilds these merged traces: every row of the stored traces in which their objects have a span within their
   * windows.
   *
   * @param known objects the caller already knows by hash (from a search), which lets a source narrow its reads
   */
  SpanStore mergedTraces(Collection<TraceIds.Merged> merged, Map<String, ObjectKey> known);

  /** The rows of one stored trace; an empty store when there is no such trace. */
  SpanStore storedTrace(String traceId);

  /** Every object span that overlaps {@code startMicros .. endMicros}. */
  SpanStore objectSpansBetween(long startMicros, long endMicros);

  /** The clusters to offer as operations. */
  Set<String> clusters();

  /** Where the rows come from, for the log. */
  String describe();

  @Override
  default void close() {}
}
