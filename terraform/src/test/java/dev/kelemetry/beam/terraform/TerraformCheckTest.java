package dev.kelemetry.beam.terraform;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The Terraform of this repository passes the offline checks, and each kind of mistake they exist for is reported:
 * every fault test copies terraform/ and the schema files to a temporary tree, breaks one thing, and expects the
 * problem naming it.
 */
public class TerraformCheckTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final String MODULE = "terraform/modules/kelemetry/";
  private static final String EXAMPLE = "terraform/examples/gke/";
  private static Map<String, TerraformCheck.Table> pipeline;

  @BeforeClass
  public static void pipelineTables() throws Exception {
    pipeline = PipelineTables.get();
  }

  /**
   * The repository root: the build's project root, or above it when Maven was started inside this module (then
   * that property names the module's own folder).
   */
  static Path projectRoot() {
    String property = System.getProperty("kelemetry.projectRoot");
    Path dir = (property != null ? Paths.get(property) : Paths.get("")).toAbsolutePath().normalize();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("terraform")) && Files.isDirectory(d.resolve(TerraformCheck.SCHEMAS_DIR))) {
        return d;
      }
    }
    throw new IllegalStateException("no repository root (with terraform/ and " + TerraformCheck.SCHEMAS_DIR
        + ") at or above " + dir);
  }

  @Test
  public void theRepositorysTerraformHasNoProblems() {
    assertThat(new TerraformCheck(projectRoot(), pipeline).run(), is(empty()));
  }

  @Test
  public void thePipelineTablesAreReadFromWhatItCreates() {
    // Not restated anywhere in the checks: if the fake run had created no partitioning, the real tree would fail the
    // test above; this pins what was read, so a change in WriteBigQuery shows up here as well as in Terraform.
    assertThat(pipeline.get("spans").partitionField(), is("start_time"));
    assertThat(pipeline.get("dead_letters").partitionField(), is((String) null));
    assertThat(pipeline.get("metrics").clustering(), is(List.of("metric")));
  }

  @Test
  public void aFileThatDoesNotParseIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "pubsub.tf", "name    = \"${var.name_prefix}-audit\"", "name    = \"${var.name_prefix}-audit");
    assertThat(problems(root), hasItem(containsString(MODULE + "pubsub.tf: does not parse")));
  }

  @Test
  public void aBlockLeftOpenIsReported() throws Exception {
    Path root = copy();
    // hcl4j's lexer accepts a block never closed at the end of a file; the delimiter check before it does not.
    replace(root, MODULE + "storage.tf", "resource \"google_storage_bucket\" \"kelemetry\" {",
        "resource \"google_storage_bucket\" \"kelemetry\" {\n  dynamic \"x\" {\n");
    assertThat(problems(root), hasItem(containsString(MODULE + "storage.tf: does not parse: the `{` opened on line 3 is"
        + " never closed")));
  }

  @Test
  public void delimitersPairUpOutsideStringsCommentsAndHeredocs() {
    assertThat(TerraformCheck.unbalanced("# {\nx = \"}${f(\"]\")}\" /* ( */\ny = <<-EOT\n  { [\n  EOT\nz = [{}]\n"),
        is((String) null));
    assertThat(TerraformCheck.unbalanced("x = [1,\n  2\n}\n"), is("line 3: `}` closes nothing open (expected `]` for"
        + " line 1)"));
    assertThat(TerraformCheck.unbalanced("x = \"abc\n"), is("a string opened on line 1 is never closed"));
    assertThat(TerraformCheck.unbalanced("x = <<EOT\nabc\n"), is("the heredoc opened on line 1 never ends (no EOT"
        + " line)"));
  }

  @Test
  public void anAttributeOutsideAnyBlockIsReported() throws Exception {
    Path root = copy();
    append(root, MODULE + "main.tf", "\nregion = \"europe-west1\"\n");
    int line = java.nio.file.Files.readAllLines(root.resolve(MODULE + "main.tf")).size(); // the appended, last line
    assertThat(problems(root), hasItem(containsString(MODULE + "main.tf:" + line + ": `region` is not a Terraform block here")));
  }

  @Test
  public void aResourceWithOneLabelIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "pubsub.tf", "resource \"google_pubsub_topic\" \"audit\" {", "resource \"audit\" {");
    assertThat(problems(root), hasItem(containsString(MODULE + "pubsub.tf:3: a resource block takes 2 label(s), has"
        + " [audit]")));
  }

  @Test
  public void anAttributeWithoutValueIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "pubsub.tf", "ack_deadline_seconds       = var.pubsub_ack_deadline_seconds",
        "ack_deadline_seconds       =");
    assertThat(problems(root), hasItem(containsString("`ack_deadline_seconds` has no value")));
  }

  @Test
  public void aBrokenResourceReferenceIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "dataflow.tf", "google_service_account.dataflow.email", "google_service_account.worker.email");
    assertThat(problems(root), hasItem(containsString(MODULE + "dataflow.tf:12: google_service_account.worker is not a"
        + " resource declared in terraform/modules/kelemetry")));
  }

  @Test
  public void aReferenceInsideAForExpressionIsChecked() throws Exception {
    Path root = copy();
    replace(root, MODULE + "main.tf", "[for c in var.cluster_names : ", "[for c in var.clusters : ");
    assertThat(problems(root), hasItem(containsString("var.clusters is not a variable declared in " + MODULE
        .substring(0, MODULE.length() - 1))));
  }

  @Test
  public void aReferenceInsideAHeredocIsChecked() throws Exception {
    Path root = copy();
    append(root, MODULE + "outputs.tf", "\noutput \"note\" {\n  value = <<-EOT\n    see ${var.nowhere}\n  EOT\n}\n");
    assertThat(problems(root), hasItem(containsString("var.nowhere is not a variable declared")));
  }

  @Test
  public void anUndeclaredVariableIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "storage.tf", "= var.force_destroy", "= var.force_delete");
    assertThat(problems(root), hasItem(containsString(MODULE + "storage.tf:9: var.force_delete is not a variable"
        + " declared in terraform/modules/kelemetry")));
  }

  @Test
  public void anUndeclaredDataSourceIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "main.tf", "bigquery_dataset  = \"${var.project_id}:", "bigquery_dataset  = \"${data"
        + ".google_project.current.project_id}:");
    assertThat(problems(root), hasItem(containsString("data.google_project.current.project_id is not a data source"
        + " declared in terraform/modules/kelemetry")));
  }

  @Test
  public void aFileThatDoesNotExistIsReported() throws Exception {
    Path root = copy();
    append(root, MODULE + "outputs.tf", "\noutput \"policy\" {\n  value = file(\"${path.module}/policy.json\")\n}\n");
    assertThat(problems(root), hasItem(containsString("file(\"./policy.json\"): terraform/modules/kelemetry/policy.json"
        + " does not exist")));
  }

  @Test
  public void anUndeclaredLocalIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "dataflow.tf", "local.temp_location", "local.tmp_location");
    assertThat(problems(root), hasItem(containsString("local.tmp_location is not a local value declared")));
  }

  @Test
  public void anOutputTheCalledModuleDoesNotHaveIsReported() throws Exception {
    Path root = copy();
    replace(root, EXAMPLE + "outputs.tf", "module.kelemetry.bucket\n", "module.kelemetry.bucket_name\n");
    assertThat(problems(root), hasItem(containsString("module.kelemetry.bucket_name: terraform/modules/kelemetry has no"
        + " output bucket_name")));
  }

  @Test
  public void aMissingRequiredModuleInputIsReported() throws Exception {
    Path root = copy();
    replace(root, EXAMPLE + "main.tf", "  region              = var.region\n", "");
    assertThat(problems(root), hasItem(containsString(EXAMPLE + "main.tf:15: module.kelemetry does not pass region, a"
        + " variable of terraform/modules/kelemetry without default")));
  }

  @Test
  public void aModuleInputTheModuleDoesNotDeclareIsReported() throws Exception {
    Path root = copy();
    replace(root, EXAMPLE + "main.tf", "  max_workers               = var.max_workers\n",
        "  max_worker                = var.max_workers\n");
    assertThat(problems(root), hasItem(containsString("module.kelemetry passes max_worker, which is not a variable of"
        + " terraform/modules/kelemetry")));
  }

  @Test
  public void anExampleVariableTheRootDoesNotDeclareIsReported() throws Exception {
    Path root = copy();
    append(root, EXAMPLE + "terraform.tfvars.example", "max_worker = 5\n");
    assertThat(problems(root), hasItem(containsString(EXAMPLE + "terraform.tfvars.example:16: max_worker is not a"
        + " variable of terraform/examples/gke")));
  }

  @Test
  public void anExampleThatLeavesOutARequiredVariableIsReported() throws Exception {
    Path root = copy();
    replace(root, EXAMPLE + "terraform.tfvars.example", "region     = \"europe-west1\"\n", "");
    assertThat(problems(root), hasItem(containsString("terraform.tfvars.example: does not set region, a variable"
        + " without default")));
  }

  @Test
  public void aColumnRenamedInTheSchemaIsReportedAsDrift() throws Exception {
    Path root = copy();
    replace(root, TerraformCheck.SCHEMAS_DIR + "/links.json", "{\"name\": \"linker\"", "{\"name\": \"linked_by\"");
    assertThat(problems(root), hasItem(containsString(MODULE + "bigquery.tf:35: google_bigquery_table.links: schema"
        + " drift in links: schemas/src/main/resources/bigquery/links.json has columns [linked_by] the pipeline does not"
        + " write, and lacks [linker] that it does")));
  }

  @Test
  public void aColumnWhoseModeChangedIsReportedAsDrift() throws Exception {
    Path root = copy();
    replace(root, TerraformCheck.SCHEMAS_DIR + "/spans.json", "\"name\": \"trace_id\", \"type\": \"STRING\", \"mode\":"
        + " \"REQUIRED\"", "\"name\": \"trace_id\", \"type\": \"STRING\", \"mode\": \"NULLABLE\"");
    assertThat(problems(root), hasItem(containsString("schema drift in spans: schemas/src/main/resources/bigquery/"
        + "spans.json has column trace_id STRING NULLABLE where the pipeline has trace_id STRING REQUIRED")));
  }

  @Test
  public void aCopiedSchemaFileIsReportedEvenWhenItMatches() throws Exception {
    Path root = copy();
    Files.copy(root.resolve(TerraformCheck.SCHEMAS_DIR + "/metrics.json"), root.resolve(MODULE + "metrics.json"));
    replace(root, MODULE + "bigquery.tf", "\"${path.module}/../../../schemas/src/main/resources/bigquery/metrics.json\"",
        "\"${path.module}/metrics.json\"");
    assertThat(problems(root), hasItem(containsString("google_bigquery_table.metrics: schema is"
        + " terraform/modules/kelemetry/metrics.json, not the pipeline's own"
        + " schemas/src/main/resources/bigquery/metrics.json")));
  }

  @Test
  public void aSchemaFileOfAnotherTableIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "bigquery.tf", "bigquery/metrics.json", "bigquery/links.json");
    List<String> problems = problems(root);
    assertThat(problems, hasItem(containsString("google_bigquery_table.metrics: schema is"
        + " schemas/src/main/resources/bigquery/links.json, not the pipeline's own")));
    assertThat(problems, hasItem(containsString("schema drift in metrics")));
  }

  @Test
  public void aWrongPartitionFieldIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "bigquery.tf", "field         = \"start_time\"", "field         = \"end_time\"");
    assertThat(problems(root), hasItem(containsString("google_bigquery_table.spans: spans is partitioned on end_time,"
        + " the pipeline's on start_time")));
  }

  @Test
  public void aPartitionFieldOnTheIngestionTimeTableIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "bigquery.tf", "    type          = \"DAY\"\n    expiration_ms",
        "    type          = \"DAY\"\n    field         = \"line\"\n    expiration_ms");
    assertThat(problems(root), hasItem(containsString("dead_letters is partitioned on line, the pipeline's on"
        + " ingestion time")));
  }

  @Test
  public void aWrongClusteringIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "bigquery.tf", "clustering          = [\"metric\"]",
        "clustering          = [\"metric\", \"window_start\"]");
    assertThat(problems(root), hasItem(containsString("metrics is clustered on [metric, window_start], the pipeline's"
        + " on [metric]")));
  }

  @Test
  public void aTableThePipelineWritesButTerraformLacksIsReported() throws Exception {
    Path root = copy();
    replace(root, MODULE + "bigquery.tf", "resource \"google_bigquery_table\" \"dead_letters\"",
        "resource \"google_bigquery_table\" \"dead_letters_old\"");
    replace(root, MODULE + "bigquery.tf", "table_id            = \"dead_letters\"", "table_id            = \"errors\"");
    List<String> problems = problems(root);
    assertThat(problems, hasItem(containsString("errors is not a table the pipeline writes")));
    assertThat(problems, hasItem(containsString("no google_bigquery_table for the pipeline's table dead_letters")));
  }

  @Test
  public void aParameterTheTemplateDoesNotDeclareIsReported() throws Exception {
    Path root = copy();
    // The contract's names, less watermarkDelay; mode and bigqueryDataset required.
    writeMetadata(root, List.of("input", "since", "until", "pubsubSubscription", "kafkaBootstrap", "topic", "kafkaAuth",
        "cluster", "window", "maxOwnerDepth", "stateTtl", "metricsWindow", "noMetrics", "otlpEndpoint", "otlpProtocol",
        "otlpHeaderSecret", "allowedLateness"));
    List<String> problems = problems(root);
    assertThat(problems, hasItem(containsString("google_dataflow_flex_template_job.stream passes parameter"
        + " watermarkDelay, which deploy/flex-template/metadata.json does not declare")));
  }

  @Test
  public void aRequiredTemplateParameterLeftOutIsReported() throws Exception {
    Path root = copy();
    writeMetadata(root, List.of("input", "pubsubSubscription", "kafkaBootstrap", "topic", "cluster", "window",
        "metricsWindow", "noMetrics", "otlpEndpoint", "otlpProtocol", "otlpHeaderSecret", "watermarkDelay",
        "allowedLateness"));
    replace(root, MODULE + "main.tf", "    mode               = \"stream\"\n", "");
    assertThat(problems(root), hasItem(containsString("google_dataflow_flex_template_job.stream does not pass mode,"
        + " which deploy/flex-template/metadata.json requires")));
  }

  @Test
  public void theJobPassesOnlyTheContractsParameters() throws Exception {
    Path root = copy();
    writeMetadata(root, List.of("input", "since", "until", "pubsubSubscription", "kafkaBootstrap", "topic", "kafkaAuth",
        "cluster", "window", "maxOwnerDepth", "stateTtl", "metricsWindow", "noMetrics", "otlpEndpoint", "otlpProtocol",
        "otlpHeaderSecret", "watermarkDelay", "allowedLateness"));
    assertThat(problems(root), is(empty()));
  }

  // --- The temporary tree -------------------------------------------------------------------------------------------

  private List<String> problems(Path root) {
    return new TerraformCheck(root, pipeline).run();
  }

  /** terraform/'s Terraform files and the pipeline's schema files, as in the repository. */
  private Path copy() throws IOException {
    Path to = tmp.newFolder("repo").toPath();
    Path from = projectRoot();
    for (String dir : List.of("terraform", TerraformCheck.SCHEMAS_DIR)) {
      try (Stream<Path> files = Files.walk(from.resolve(dir))) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          Path rel = from.relativize(f);
          String name = f.getFileName().toString();
          if (rel.toString().contains("/target/") || rel.toString().contains("/src/")
              && !rel.startsWith(TerraformCheck.SCHEMAS_DIR)) {
            continue;
          }
          if (name.endsWith(".tf") || name.endsWith(".tfvars.example") || name.endsWith(".json")) {
            Files.createDirectories(to.resolve(rel).getParent());
            Files.copy(f, to.resolve(rel));
          }
        }
      }
    }
    return to;
  }

  /** Replaces the one occurrence of {@code from}; a fault that no longer applies fails the test instead of passing. */
  private static void replace(Path root, String file, String from, String to) throws IOException {
    Path path = root.resolve(file);
    String text = Files.readString(path);
    int at = text.indexOf(from);
    if (at < 0 || text.indexOf(from, at + 1) >= 0) {
      throw new AssertionError("expected exactly one `" + from + "` in " + file);
    }
    Files.writeString(path, text.replace(from, to));
  }

  private static void append(Path root, String file, String text) throws IOException {
    Path path = root.resolve(file);
    Files.writeString(path, Files.readString(path) + text);
  }

  /** A template metadata file declaring {@code optional} as optional parameters, and mode and bigqueryDataset. */
  private static void writeMetadata(Path root, List<String> optional) throws IOException {
    StringBuilder json = new StringBuilder("{\"name\": \"kelemetry\", \"parameters\": [");
    json.append("{\"name\": \"mode\", \"label\": \"mode\", \"helpText\": \"stream or backfill\"},");
    json.append("{\"name\": \"bigqueryDataset\", \"label\": \"dataset\", \"helpText\": \"PROJECT:DATASET\"}");
    for (String name : optional) {
      json.append(",{\"name\": \"").append(name).append("\", \"label\": \"").append(name)
          .append("\", \"helpText\": \"\", \"isOptional\": true}");
    }
    json.append("]}");
    Path file = root.resolve(TerraformCheck.TEMPLATE_METADATA);
    Files.createDirectories(file.getParent());
    Files.writeString(file, json.toString());
  }
}
