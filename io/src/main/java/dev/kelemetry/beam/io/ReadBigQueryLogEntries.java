package dev.kelemetry.beam.io;

import com.google.api.services.bigquery.model.TableReference;
import com.google.api.services.bigquery.model.TableRow;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.ParseRecords;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryHelpers;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Reads the BigQuery tables a GKE log sink writes ({@code cloudaudit_googleapis_com_activity},
 * {@code cloudaudit_googleapis_com_data_access}, {@code events}) into raw records with the same outputs as
 * {@link ReadAuditFiles}: each row turned back into the {@code LogEntry} JSON the parser reads (see
 * {@link BigQueryLogRows}), so the rest of the graph is the backfill's. A row that cannot be turned back is a dead
 * letter naming the table and the row's {@code insertId}.
 *
 * <p>{@link #withTimeRange} and {@link #withFilter} cut rows out in BigQuery, not here: with the Storage Read API (the
 * default) as the read session's row restriction, with an export as the WHERE of a query. A month out of a year's table
 * is then a month's bytes read (and, for a table partitioned by {@code timestamp}, a month's partitions).
 */
public final class ReadBigQueryLogEntries extends PTransform<PBegin, PCollectionTuple> {
  private static final String STEP = "ReadBigQueryLogEntries";

  /** How rows leave BigQuery. */
  public enum Method {
    /** The Storage Read API: no Cloud Storage bucket, no job; needs bigquery.readSessionUser. */
    DIRECT_READ,
    /** An extract job (or a query job, with a filter) through {@code --tempLocation}, a Cloud Storage folder. */
    EXPORT
  }

  private final List<String> tables;
  private final Instant since;
  private final Instant until;
  private final String filter;
  private final Method method;
  private final BigQueryServices services;

  private ReadBigQueryLogEntries(List<String> tables, Instant since, Instant until, String filter, Method method,
      BigQueryServices services) {
    this.tables = tables;
    this.since = since;
    this.until = until;
    this.filter = filter;
    this.method = method;
    this.services = services;
  }

  /** Reads these tables, each {@code PROJECT:DATASET.TABLE} (or {@code PROJECT.DATASET.TABLE}). */
  public static ReadBigQueryLogEntries from(List<String> tables) {
    if (tables == null || tables.isEmpty()) {
      throw new IllegalArgumentException("at least one table is required");
    }
    List<String> specs = new ArrayList<>();
    for (String table : tables) {
      specs.add(tableSpec(table));
    }
    return new ReadBigQueryLogEntries(List.copyOf(specs), null, null, null, Method.DIRECT_READ, null);
  }

  /** {@code PROJECT:DATASET.TABLE}, checked: a table of another project needs its project named. */
  static String tableSpec(String table) {
    TableReference ref;
    try {
      ref = BigQueryHelpers.parseTableSpec(table == null ? "" : table.strip());
    } catch (IllegalArgumentException e) {
      ref = null;
    }
    if (ref == null || ref.getProjectId() == null || ref.getProjectId().isEmpty()) {
      throw new IllegalArgumentException("a BigQuery table is PROJECT:DATASET.TABLE, got '" + table + "'");
    }
    return ref.getProjectId() + ":" + ref.getDatasetId() + "." + ref.getTableId();
  }

  /** Only rows whose {@code timestamp} is in [since, until); either may be null (no bound). */
  public ReadBigQueryLogEntries withTimeRange(Instant since, Instant until) {
    if (since != null && until != null && !since.isBefore(until)) {
      throw new IllegalArgumentException("the time range is empty: since " + since + " is not before until " + until);
    }
    return new ReadBigQueryLogEntries(tables, since, until, filter, method, services);
  }

  /**
   * Only rows for which this GoogleSQL condition holds, e.g.
   * {@code resource.labels.cluster_name = 'prod'}; joined with the time range by AND.
   */
  public ReadBigQueryLogEntries withFilter(String condition) {
    if (condition == null || condition.isBlank()) {
      throw new IllegalArgumentException("the filter must not be blank");
    }
    return new ReadBigQueryLogEntries(tables, since, until, condition.strip(), method, services);
  }

  public ReadBigQueryLogEntries withMethod(Method method) {
    if (method == null) {
      throw new IllegalArgumentException("the read method is required");
    }
    return new ReadBigQueryLogEntries(tables, since, until, filter, method, services);
  }

  /** BigQuery through these services: Beam's fakes, in tests. */
  public ReadBigQueryLogEntries withTestServices(BigQueryServices fakes) {
    return new ReadBigQueryLogEntries(tables, since, until, filter, method, fakes);
  }

  /**
   * The condition the time range and the filter make, or null for none. Valid both as a GoogleSQL WHERE and as a
   * Storage Read API row restriction (which takes the same comparisons and CAST).
   */
  static String condition(Instant since, Instant until, String filter) {
    List<String> parts = new ArrayList<>();
    if (since != null) {
      parts.add("timestamp >= CAST('" + since + "' AS TIMESTAMP)");
    }
    if (until != null) {
      parts.add("timestamp < CAST('" + until + "' AS TIMESTAMP)");
    }
    if (filter != null) {
      parts.add("(" + filter + ")");
    }
    return parts.isEmpty() ? null : String.join(" AND ", parts);
  }

  /** The query an export runs for a filtered table. */
  static String query(String tableSpec, String condition) {
    TableReference ref = BigQueryHelpers.parseTableSpec(tableSpec);
    return "SELECT * FROM `" + ref.getProjectId() + "." + ref.getDatasetId() + "." + ref.getTableId() + "` WHERE "
        + condition;
  }

  /** The project of the first table: who pays for the read session or the jobs when the options name no project. */
  public String firstProject() {
    return BigQueryHelpers.parseTableSpec(tables.get(0)).getProjectId();
  }

  /** In words, for the command line's first line: the tables and the rows taken from them. */
  public String describe() {
    String where = condition(since, until, filter);
    return "BigQuery " + String.join(", ", tables) + (where == null ? "" : " where " + where) + " ("
        + (method == Method.DIRECT_READ ? "Storage Read API" : "export") + ")";
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    String where = condition(since, until, filter);
    PCollectionList<RawRecord> records = PCollectionList.empty(begin.getPipeline());
    PCollectionList<DeadLetterRow> deadLetters = PCollectionList.empty(begin.getPipeline());
    for (String table : tables) {
      BigQueryIO.TypedRead<TableRow> read = BigQueryIO.readTableRows();
      if (method == Method.DIRECT_READ) {
        read = read.from(table).withMethod(BigQueryIO.TypedRead.Method.DIRECT_READ);
        read = where == null ? read : read.withRowRestriction(where);
      } else {
        read = where == null ? read.from(table) : read.fromQuery(query(table, where)).usingStandardSql();
        read = read.withMethod(BigQueryIO.TypedRead.Method.EXPORT);
      }
      if (services != null) {
        read = read.withTestServices(services);
      }
      PCollectionTuple rows = begin.apply("Read " + table, read)
          .apply("ToLogEntries " + table, ParDo.of(new ToRawRecordFn("bigquery://" + table))
              .withOutputTags(ReadAuditFiles.RECORDS, TupleTagList.of(ReadAuditFiles.DEAD_LETTERS)));
      records = records.and(rows.get(ReadAuditFiles.RECORDS).setCoder(RecordCoders.raw()));
      deadLetters = deadLetters.and(rows.get(ReadAuditFiles.DEAD_LETTERS).setCoder(JsonCoder.of(DeadLetterRow.class)));
    }
    return PCollectionTuple
        .of(ReadAuditFiles.RECORDS, records.apply("AllTables", Flatten.pCollections()).setCoder(RecordCoders.raw()))
        .and(ReadAuditFiles.DEAD_LETTERS, deadLetters.apply("AllTablesDeadLetters", Flatten.pCollections())
            .setCoder(JsonCoder.of(DeadLetterRow.class)));
  }

  /** A row as the LogEntry JSON it was made from, or a dead letter naming its insertId. */
  static final class ToRawRecordFn extends DoFn<TableRow, RawRecord> {
    private final String source;
    private final Counter items = Metrics.counter(Counters.NAMESPACE, Counters.INPUT_ITEMS);
    private final Counter read = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_READ);
    private final Counter deadLettered = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_DEAD_LETTERED);

    ToRawRecordFn(String source) {
      this.source = source;
    }

    @ProcessElement
    public void process(@Element TableRow row, MultiOutputReceiver out) {
      try {
        String entry = BigQueryLogRows.toLogEntry(row).toString();
        items.inc();
        out.get(ReadAuditFiles.RECORDS).output(new RawRecord(source, 0, entry, ""));
      } catch (BigQueryLogRows.UnreadableRow e) {
        read.inc();
        deadLettered.inc();
        Object insertId = row.get("insertId");
        String text = row.toString();
        out.get(ReadAuditFiles.DEAD_LETTERS).output(DeadLetterRow.of(source, 0, STEP,
            "row with insertId " + (insertId == null ? "(none)" : insertId) + ": " + e.getMessage(),
            ParseRecords.mayHoldSecretValues(text) ? ParseRecords.WITHHELD : text));
      }
    }
  }
}
