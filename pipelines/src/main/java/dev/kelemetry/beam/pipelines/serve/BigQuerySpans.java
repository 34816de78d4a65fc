package dev.kelemetry.beam.pipelines.serve;

import dev.kelemetry.beam.io.bigquery.StorageReads;
import dev.kelemetry.beam.io.bigquery.TableRows;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;

/**
 * The {@code spans} table of a BigQuery dataset, read per request through the Storage Read API with row restrictions
 * that BigQuery applies before sending anything: equality on the clustering columns (cluster, resource, namespace,
 * object_name) and a range on the partitioning column (start_time), so a search reads the object's own spans, not the
 * table. Nothing is cached but the cluster list.
 */
final class BigQuerySpans implements SpanSource {
  static final String TABLE = "spans";
  /**
   * How far a span's start may lie outside its window's bounds, for the partition range of a read by window: a request
   * may start before the window its stage time puts it in, and a window is at most this long.
   */
  static final long WINDOW_SLACK_MICROS = 86_400_000_000L;
  /**
   * How long the cluster list is kept. It is read from the whole table (one short column of the object spans): a
   * dataset filled by a backfill of last year has its clusters there too, not only the last days'.
   */
  private static final long CLUSTER_LIST_TTL_MILLIS = 5 * 60_000;

  private final StorageReads reads;
  private volatile Set<String> clusters;
  private volatile long clustersReadAt;

  BigQuerySpans(StorageReads reads) {
    this.reads = reads;
  }

  @Override
  public SpanStore objectSpans(ObjectQuery query) {
    List<String> where = new ArrayList<>();
    where.add("kind = " + literal(SpanRow.KIND_OBJECT));
    if (query.cluster() != null) {
      where.add("cluster = " + literal(query.cluster()));
    }
    query.tags().forEach((key, value) -> {
      String column = switch (key) {
        case "cluster" -> "cluster";
        case "resource" -> "resource";
        case "namespace" -> "namespace";
        case "name" -> "object_name";
        case "uid" -> "uid";
        default -> null; // an attribute: compared in memory
      };
      if (column != null) {
        where.add(equal(column, value));
      }
    });
    if (query.endMicros() != Long.MAX_VALUE) {
      where.add("start_time <= " + timestamp(query.endMicros()));
    }
    if (query.startMicros() != Long.MIN_VALUE) {
      // an object span lasts at most its window: this bound prunes partitions, the next one is the overlap itself
      where.add("start_time >= " + timestamp(query.startMicros() - WINDOW_SLACK_MICROS));
      where.add("end_time >= " + timestamp(query.startMicros()));
    }
    return read(where);
  }

  @Override
  public SpanStore mergedTraces(Collection<TraceIds.Merged> merged, Map<String, ObjectKey> known) {
    if (merged.isEmpty()) {
      return new SpanStore(List.of());
    }
    long first = merged.stream().mapToLong(TraceIds.Merged::firstWindowMicros).min().orElseThrow();
    long last = merged.stream().mapToLong(TraceIds.Merged::lastWindowMicros).max().orElseThrow();
    // 1. the objects' spans in those windows, to learn which stored traces hold them; an id alone names its object
    // by a hash BigQuery cannot compute, so then every object span of the windows is read and hashed here
    List<String> where = new ArrayList<>(windows(first, last));
    where.add("kind = " + literal(SpanRow.KIND_OBJECT));
    List<ObjectKey> objects = merged.stream().map(m -> known.get(m.objectHash())).toList();
    if (!objects.contains(null)) {
      where.add(objects.stream().distinct().map(BigQuerySpans::sameObject).collect(Collectors.joining(" OR ", "(", ")")));
    }
    Set<String> traces = new TreeSet<>();
    for (SpanRow span : rows(where, List.of("trace_id", "cluster", "api_group", "resource", "namespace", "object_name",
        "window_start"))) {
      String hash = ObjectKey.of(span).hash();
      long window = SpanStore.micros(span.windowStart());
      for (TraceIds.Merged m : merged) {
        if (m.objectHash().equals(hash) && window >= m.firstWindowMicros() && window <= m.lastWindowMicros()) {
          traces.add(span.traceId());
        }
      }
    }
    if (traces.isEmpty()) {
      return new SpanStore(List.of());
    }
    // 2. every row of those stored traces
    List<String> rowsOf = new ArrayList<>(windows(first, last));
    rowsOf.add(traces.stream().map(BigQuerySpans::literal).collect(Collectors.joining(", ", "trace_id IN (", ")")));
    return read(rowsOf);
  }

  @Override
  public SpanStore storedTrace(String traceId) {
    // a stored trace's id says nothing of its time: this read has no partition range (docs/serve.md)
    return read(List.of("trace_id = " + literal(traceId)));
  }

  @Override
  public SpanStore objectSpansBetween(long startMicros, long endMicros) {
    return objectSpans(new ObjectQuery(null, Map.of(), startMicros, endMicros));
  }

  @Override
  public Set<String> clusters() {
    long now = System.currentTimeMillis();
    Set<String> known = clusters;
    if (known == null || now - clustersReadAt > CLUSTER_LIST_TTL_MILLIS) {
      known = rows(List.of("kind = " + literal(SpanRow.KIND_OBJECT)), List.of("cluster")).stream().map(SpanRow::cluster).collect(Collectors.toCollection(TreeSet::new));
      clusters = known;
      clustersReadAt = now;
    }
    return known;
  }

  @Override
  public String describe() {
    return "BigQuery table " + reads.target().table(TABLE) + ", read per request";
  }

  @Override
  public void close() {
    reads.close();
  }

  private SpanStore read(List<String> where) {
    return new SpanStore(rows(where, List.of()));
  }

  private List<SpanRow> rows(List<String> where, List<String> fields) {
    List<SpanRow> rows = new ArrayList<>();
    for (GenericRecord record : reads.read(TABLE, fields, String.join(" AND ", where))) {
      rows.add(TableRows.span(record));
    }
    return rows;
  }

  /** The rows of the windows {@code first .. last}: exact on window_start, with a partition range on start_time. */
  private static List<String> windows(long first, long last) {
    return List.of("window_start >= " + timestamp(first), "window_start <= " + timestamp(last),
        "start_time >= " + timestamp(first - WINDOW_SLACK_MICROS), "start_time <= " + timestamp(last + WINDOW_SLACK_MICROS));
  }

  private static String sameObject(ObjectKey key) {
    return "(" + String.join(" AND ", equal("cluster", key.cluster()), equal("resource", key.resource()),
        equal("namespace", key.namespace()), equal("object_name", key.name())) + ")";
  }

  /** The rows keep an absent namespace or name as NULL; the service compares them as the empty string. */
  private static String equal(String column, String value) {
    return value.isEmpty() ? "(" + column + " IS NULL OR " + column + " = '')" : column + " = " + literal(value);
  }

  static String literal(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  static String timestamp(long micros) {
    return "CAST('" + Rows.timestamp(micros) + "' AS TIMESTAMP)";
  }
}
