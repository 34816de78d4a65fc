package dev.kelemetry.beam.terraform;

import com.google.api.services.bigquery.model.Clustering;
import com.google.api.services.bigquery.model.Table;
import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableReference;
import com.google.api.services.bigquery.model.TimePartitioning;
import dev.kelemetry.beam.io.bigquery.BigQueryTarget;
import dev.kelemetry.beam.io.bigquery.TableRows;
import dev.kelemetry.beam.io.bigquery.WriteBigQuery;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.gcp.testing.FakeBigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;
import org.apache.beam.sdk.io.gcp.testing.FakeJobService;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;

/**
 * The four tables as the pipeline itself creates them, the expectation {@link TerraformCheck} holds Terraform to.
 *
 * <p>Nothing here restates a partition field or a clustering column: {@code WriteBigQuery} keeps them private, so this
 * runs its four writes, one row each, against Beam's fake BigQuery on the DirectRunner and reads back the tables they
 * created (a table is created before its first row is written, so a row the fake refuses still leaves its table).
 * The columns are {@code TableRows.schema}, the schema the writes pass to BigQueryIO; that those columns are the Java
 * row types' fields is {@code TableSchemasTest}'s job (schemas module), not repeated here.
 */
final class PipelineTables {
  private PipelineTables() {}

  private static final String PROJECT = "kelemetry-terraform-check";
  private static final String DATASET = "pipeline_tables";
  private static final String TIME = "2026-01-01T00:00:00Z";
  private static Map<String, TerraformCheck.Table> tables;

  /** The tables by name; created once per JVM (BigQueryIO remembers created tables in static state). */
  static synchronized Map<String, TerraformCheck.Table> get() throws Exception {
    if (tables == null) {
      tables = create();
    }
    return tables;
  }

  private static Map<String, TerraformCheck.Table> create() throws Exception {
    FakeDatasetService.setUp();
    FakeDatasetService datasets = new FakeDatasetService();
    datasets.createDataset(PROJECT, DATASET, "", "", null);
    BigQueryTarget target = new BigQueryTarget(PROJECT, DATASET, null)
        .withServices(new FakeBigQueryServices().withDatasetService(datasets).withJobService(new FakeJobService()));

    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply("Spans", Create.of(new SpanRow("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "", "object",
            "pods/a", TIME, TIME, "unset", "c", "", "pods", "ns", "a", "u", TIME, new TreeMap<>(), List.of()))
            .withCoder(JsonCoder.of(SpanRow.class)))
        .apply("WriteSpans", WriteBigQuery.spans(target));
    p.apply("Links", Create.of(new LinkRow(TIME, "c", "", "pods", "ns", "a", "u", LinkRow.PARENT, "owner-references",
            "replicasets.apps/ns/r", "c", "v", TIME, TIME)).withCoder(JsonCoder.of(LinkRow.class)))
        .apply("WriteLinks", WriteBigQuery.links(target));
    p.apply("Metrics", Create.of(new MetricRow("requests", TIME, TIME, new TreeMap<>(Map.of("verb", "get")), 1, 0,
            null, null, null)).withCoder(JsonCoder.of(MetricRow.class)))
        .apply("WriteMetrics", WriteBigQuery.metrics(target));
    p.apply("DeadLetters", Create.of(DeadLetterRow.of("file", 1, "ParseRecords", "not JSON", "{"))
            .withCoder(JsonCoder.of(DeadLetterRow.class)))
        .apply("WriteDeadLetters", WriteBigQuery.deadLetters(target));
    p.run().waitUntilFinish();

    Map<String, TerraformCheck.Table> out = new LinkedHashMap<>();
    for (String name : List.of(WriteBigQuery.SPANS, WriteBigQuery.LINKS, WriteBigQuery.METRICS,
        WriteBigQuery.DEAD_LETTERS)) {
      Table table = datasets.getTable(new TableReference().setProjectId(PROJECT).setDatasetId(DATASET)
          .setTableId(name));
      if (table == null) {
        throw new IllegalStateException("the pipeline's write created no table " + name);
      }
      TimePartitioning partitioning = table.getTimePartitioning();
      if (partitioning == null || !"DAY".equals(partitioning.getType())) {
        throw new IllegalStateException("the pipeline's table " + name + " is not day-partitioned: " + partitioning);
      }
      Clustering clustering = table.getClustering();
      out.put(name, new TerraformCheck.Table(name, partitioning.getField(),
          clustering == null ? List.of() : List.copyOf(clustering.getFields()),
          columns(TableRows.schema(name).getFields())));
    }
    return out;
  }

  private static List<TerraformCheck.Column> columns(List<TableFieldSchema> fields) {
    List<TerraformCheck.Column> columns = new ArrayList<>();
    for (TableFieldSchema f : fields) {
      columns.add(new TerraformCheck.Column(f.getName(), f.getType(), f.getMode() == null ? "NULLABLE" : f.getMode(),
          f.getFields() == null ? List.of() : columns(f.getFields())));
    }
    return columns;
  }
}
