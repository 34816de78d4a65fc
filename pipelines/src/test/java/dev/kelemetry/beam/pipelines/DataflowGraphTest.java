package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.Assert.assertThrows;

import com.google.api.services.dataflow.model.Job;
import com.google.api.services.dataflow.model.Step;
import java.util.List;
import java.util.Map;
import org.apache.beam.model.pipeline.v1.RunnerApi;
import org.apache.beam.runners.dataflow.DataflowPipelineTranslator;
import org.apache.beam.runners.dataflow.DataflowRunner;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.runners.dataflow.util.PropertyNames;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory;
import org.apache.beam.sdk.extensions.gcp.storage.NoopPathValidator;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.construction.Environments;
import org.apache.beam.sdk.util.construction.PipelineTranslation;
import org.apache.beam.sdk.util.construction.SdkComponents;
import org.junit.Test;

/**
 * The Flex Template's two jobs, built from template parameters and translated by Beam's Dataflow translator, offline:
 * a fake project, region and bucket, a test credential and a path validator that checks nothing. Nothing is
 * submitted; what fails here (a transform Dataflow cannot run, a DoFn feature its streaming engine lacks, an IO
 * misconfigured for an unbounded input) would otherwise fail at launch.
 */
public class DataflowGraphTest {

  static TemplateOptions options(String... parameters) {
    List<String> args = new java.util.ArrayList<>(List.of(parameters));
    args.addAll(List.of("--project=kelemetry-test", "--region=europe-west1", "--tempLocation=gs://kelemetry-test/tmp",
        "--jobName=kelemetry-test", "--bigqueryDataset=kelemetry-test:k8s_traces"));
    TemplateOptions options = PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).withValidation()
        .as(TemplateOptions.class);
    options.setRunner(DataflowRunner.class);
    options.setCredentialFactoryClass(NoopCredentialFactory.class); // no credential is ever asked for
    options.setPathValidatorClass(NoopPathValidator.class);
    // Given, so that its default (which asks Cloud Storage for the bucket's soft-delete policy) is never computed.
    options.setGcpTempLocation(options.getTempLocation());
    options.setFilesToStage(List.of()); // else the runner lists this JVM's classpath to upload
    return options;
  }

  /** Exposes the runner's replacements of Beam's transforms by Dataflow's own, which run() applies before translating. */
  private static final class OfflineRunner extends DataflowRunner {
    OfflineRunner(DataflowPipelineOptions options) {
      super(options);
    }

    void replaceTransforms(Pipeline pipeline) {
      replaceV1Transforms(pipeline);
    }
  }

  /** What {@code DataflowRunner.run} does up to the job request it would send. */
  static Job translate(Pipeline pipeline, DataflowPipelineOptions options) {
    DataflowRunner.fromOptions(options); // validates the options as a launch would
    OfflineRunner runner = new OfflineRunner(options);
    runner.replaceTransforms(pipeline);
    SdkComponents components = SdkComponents.create();
    // The SDK environment the steps refer to; its image is not checked offline.
    components.registerEnvironment(Environments.createDockerEnvironment("kelemetry-offline-check"));
    RunnerApi.Pipeline proto = PipelineTranslation.toProto(pipeline, components, true);
    return DataflowPipelineTranslator.fromOptions(options).translate(pipeline, proto, components, runner, List.of())
        .getJob();
  }

  private static List<String> stepNames(Job job) {
    return job.getSteps().stream().map(DataflowGraphTest::userName).toList();
  }

  private static String userName(Step step) {
    Object name = ((Map<?, ?>) step.getProperties()).get(PropertyNames.USER_NAME);
    return String.valueOf(name);
  }

  private static boolean anyStep(Job job, String part) {
    return stepNames(job).stream().anyMatch(n -> n.contains(part));
  }

  @Test
  public void theStreamingJobFromPubsubTranslates() {
    TemplateOptions options = options("--mode=stream",
        "--pubsubSubscription=projects/kelemetry-test/subscriptions/audit-logs");
    Job job = translate(TemplateMain.build(options, secret -> Map.of()), options);
    assertThat(job.getType(), equalTo("JOB_TYPE_STREAMING"));
    assertThat(options.getExperiments(), hasItems("enable_streaming_engine"));
    for (String step : List.of("ReadPubsubRecords", "ParseRecords", "Deduplicate", "TrackObjects/TrackEachObject",
        "ResolveOwners/ResolveWindowsInOrder", "BuildSpans", "LinkRows", "ComputeMetrics", "WriteBigQuerySpans",
        "WriteBigQueryLinks", "WriteBigQueryMetrics", "WriteBigQueryDeadLetters")) {
      assertThat(step + " in " + stepNames(job), anyStep(job, step), equalTo(true));
    }
  }

  @Test
  public void theStreamingJobWithTimeSortedInputIsRejectedByTheTranslator() {
    // The same job with the steps that ask the runner to sort: what this test class exists to catch.
    TemplateOptions options = options("--mode=stream",
        "--pubsubSubscription=projects/kelemetry-test/subscriptions/audit-logs");
    TemplateMain.Plan plan = TemplateMain.plan(options, secret -> Map.of());
    options.setStreaming(true);
    options.setEnableStreamingEngine(true);
    Pipeline pipeline = Pipeline.create(options);
    TracingPipeline.buildWithRemoteSinks(pipeline, plan.stream().sourceStep(), Streams.source(plan.stream()),
        plan.config().withSortingInState(false));
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> translate(pipeline, options));
    assertThat(e.getMessage(), containsString("@RequiresTimeSortedInput in streaming mode"));
  }

  @Test
  public void theBackfillJobFromCloudStorageTranslates() {
    TemplateOptions options = options("--mode=backfill",
        "--input=gs://kelemetry-test/cloudaudit.googleapis.com/activity/**",
        "--since=2026-03-01T00:00:00Z", "--until=2026-03-02T00:00:00Z");
    Job job = translate(TemplateMain.build(options, secret -> Map.of()), options);
    assertThat(job.getType(), equalTo("JOB_TYPE_BATCH"));
    assertThat(stepNames(job).toString(), anyStep(job, "ReadAuditFiles"), equalTo(true));
    assertThat(stepNames(job).toString(), anyStep(job, "KeepTimeRange"), equalTo(true));
    assertThat(stepNames(job).toString(), anyStep(job, "TrackObjects"), equalTo(true));
    assertThat(stepNames(job).toString(), anyStep(job, "WriteBigQuerySpans"), equalTo(true));
  }

  /**
   * With OTLP export and its headers from the secret. (A Kafka stream is not translated here: Dataflow's translator
   * splits the Kafka source at submission, asking the brokers for the topics' partitions.)
   */
  @Test
  public void theStreamingJobWithOtlpExportTranslates() {
    TemplateOptions options = options("--mode=stream",
        "--pubsubSubscription=projects/kelemetry-test/subscriptions/audit-logs",
        "--otlpEndpoint=https://otlp.example:4317",
        "--otlpHeaderSecret=projects/kelemetry-test/secrets/otlp/versions/1");
    Job job = translate(TemplateMain.build(options, secret -> Map.of("x-api-key", "k")), options);
    assertThat(job.getType(), equalTo("JOB_TYPE_STREAMING"));
    assertThat(stepNames(job).toString(), anyStep(job, "WriteOtlp/"), equalTo(true));
    assertThat(stepNames(job).toString(), anyStep(job, "WriteOtlpMetrics"), equalTo(true));
  }

  /** {@code kelemetry stream --runner dataflow}: the command line's stream graph, sorting in state, translates too. */
  @Test
  public void theCommandLinesDataflowStreamTranslates() {
    DataflowPipelineOptions options = DataflowJobs.options(List.of("project=kelemetry-test", "region=europe-west1",
        "tempLocation=gs://kelemetry-test/tmp", "gcpTempLocation=gs://kelemetry-test/tmp",
        "credentialFactoryClass=" + NoopCredentialFactory.class.getName(),
        "pathValidatorClass=" + NoopPathValidator.class.getName()));
    options.setFilesToStage(List.of());
    Streams.StreamConfig stream = Streams.StreamConfig.pubsub("projects/kelemetry-test/subscriptions/audit-logs",
        org.joda.time.Duration.standardMinutes(1), org.joda.time.Duration.ZERO, null);
    TracingConfig config = TracingConfig.defaults(List.of(), "")
        .withBigQuery(dev.kelemetry.beam.io.bigquery.BigQueryTarget.parse("kelemetry-test:k8s_traces"));
    Job job = translate(DataflowJobs.stream(stream, config, options), options);
    assertThat(job.getType(), equalTo("JOB_TYPE_STREAMING"));
    assertThat(stepNames(job).toString(), anyStep(job, "ResolveOwners/ResolveWindowsInOrder"), equalTo(true));
  }
}
