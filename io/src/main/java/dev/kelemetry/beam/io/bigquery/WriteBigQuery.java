package dev.kelemetry.beam.io.bigquery;

import com.google.api.services.bigquery.model.Clustering;
import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TimePartitioning;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import java.util.List;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryStorageApiInsertError;
import org.apache.beam.sdk.io.gcp.bigquery.WriteResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * The BigQuery tables: {@code spans}, {@code links}, {@code metrics} and {@code dead_letters} in the target dataset,
 * created when absent from the schemas in {@code schemas/}, day-partitioned, spans and links clustered by cluster,
 * resource, namespace and object name, metrics by metric name.
 * Written with the Storage Write API in its exactly-once mode, in batch and (committing every few seconds) in
 * streaming. A row BigQuery refuses comes back as a dead letter with BigQuery's reason; a refused dead letter is
 * counted ({@code bigquery_dead_letters_refused}) and logged by Beam, the end of that line.
 */
public final class WriteBigQuery {
  private WriteBigQuery() {}

  public static final String SPANS = "spans";
  public static final String DEAD_LETTERS = "dead_letters";
  public static final String LINKS = "links";
  public static final String METRICS = "metrics";
  private static final List<String> BY_OBJECT = List.of("cluster", "resource", "namespace", "object_name");
  /** How often a stream commits its rows: each commit is a visible step and a write-API call. */
  static final Duration STREAMING_COMMIT = Duration.standardSeconds(5);

  /** Writes span rows; yields a dead letter for every row BigQuery refused. */
  public static PTransform<PCollection<SpanRow>, PCollection<DeadLetterRow>> spans(BigQueryTarget target) {
    return clusteredTable(target, SPANS, TableRows::span, "start_time", BY_OBJECT);
  }

  /** Writes link rows; yields a dead letter for every row BigQuery refused. */
  public static PTransform<PCollection<LinkRow>, PCollection<DeadLetterRow>> links(BigQueryTarget target) {
    return clusteredTable(target, LINKS, TableRows::link, "window_start", BY_OBJECT);
  }

  /** Writes metric rows, clustered by metric name; yields a dead letter for every row BigQuery refused. */
  public static PTransform<PCollection<MetricRow>, PCollection<DeadLetterRow>> metrics(BigQueryTarget target) {
    return clusteredTable(target, METRICS, TableRows::metric, "window_start", List.of("metric"));
  }

  /** A table day-partitioned on {@code timeField} and clustered on {@code clustering}, as it is searched. */
  private static <T> PTransform<PCollection<T>, PCollection<DeadLetterRow>> clusteredTable(BigQueryTarget target,
      String table, SerializableFunction<T, TableRow> format, String timeField, List<String> clustering) {
    return new PTransform<>() {
      @Override
      public PCollection<DeadLetterRow> expand(PCollection<T> rows) {
        WriteResult result = rows.apply("Write " + table, write(target, table, format, rows)
            .withTimePartitioning(new TimePartitioning().setType("DAY").setField(timeField))
            .withClustering(new Clustering().setFields(clustering)));
        return result.getFailedStorageApiInserts()
            .apply("Refused " + table, ParDo.of(new Refused(target.table(table), Counters.BIGQUERY_ROWS_REFUSED)))
            .setCoder(JsonCoder.of(DeadLetterRow.class));
      }
    };
  }

  /** Writes dead-letter rows; what BigQuery refuses of those is counted. */
  public static PTransform<PCollection<DeadLetterRow>, PCollection<DeadLetterRow>> deadLetters(BigQueryTarget target) {
    return new PTransform<>() {
      @Override
      public PCollection<DeadLetterRow> expand(PCollection<DeadLetterRow> rows) {
        WriteResult result = rows.apply("WriteDeadLettersTable", write(target, DEAD_LETTERS, TableRows::deadLetter, rows)
            .withTimePartitioning(new TimePartitioning().setType("DAY")));
        return result.getFailedStorageApiInserts()
            .apply("RefusedDeadLetters", ParDo.of(new Refused(target.table(DEAD_LETTERS), Counters.BIGQUERY_DEAD_LETTERS_REFUSED)))
            .setCoder(JsonCoder.of(DeadLetterRow.class));
      }
    };
  }

  /** An unbounded input (a stream) commits every few seconds; a bounded one (a backfill, a bounded stream) once. */
  private static <T> BigQueryIO.Write<T> write(BigQueryTarget target, String table, SerializableFunction<T, TableRow> format,
      PCollection<T> input) {
    BigQueryIO.Write<T> write = BigQueryIO.<T>write()
        .to(target.table(table))
        .withFormatFunction(format)
        .withSchema(TableRows.schema(table))
        .withMethod(BigQueryIO.Write.Method.STORAGE_WRITE_API)
        .withCreateDisposition(BigQueryIO.Write.CreateDisposition.CREATE_IF_NEEDED)
        .withWriteDisposition(BigQueryIO.Write.WriteDisposition.WRITE_APPEND);
    if (input.isBounded() == PCollection.IsBounded.UNBOUNDED) {
      write = write.withTriggeringFrequency(STREAMING_COMMIT).withAutoSharding();
    }
    return target.services() == null ? write : write.withTestServices(target.services());
  }

  /** A row BigQuery refused, as a dead letter naming the table and BigQuery's reason. */
  static final class Refused extends DoFn<BigQueryStorageApiInsertError, DeadLetterRow> {
    private final String table;
    private final Counter refused;

    Refused(String table, String counter) {
      this.table = table;
      this.refused = Metrics.counter(Counters.NAMESPACE, counter);
    }

    @ProcessElement
    public void process(@Element BigQueryStorageApiInsertError error, OutputReceiver<DeadLetterRow> out) {
      refused.inc();
      String row = String.valueOf(error.getRow());
      out.output(new DeadLetterRow("bigquery:" + table, 0, "WriteBigQuery", "refused by BigQuery: "
          + error.getErrorMessage(), row, row.length()));
    }
  }
}
