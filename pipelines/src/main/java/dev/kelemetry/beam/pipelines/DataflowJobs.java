package dev.kelemetry.beam.pipelines;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.dataflow.DataflowPipelineJob;
import org.apache.beam.runners.dataflow.DataflowRunner;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * {@code --runner dataflow}: the command line's backfill or stream submitted as a Dataflow job from this machine,
 * the graph of the Flex Template ({@link TracingPipeline#buildWithRemoteSinks}): rows go to BigQuery (and OTLP), there
 * is no local output directory. Dataflow's own options (project, region, tempLocation, serviceAccount, ...) are
 * {@code --runner-option KEY=VALUE} flags, parsed by Beam as {@code --KEY=VALUE}.
 */
final class DataflowJobs {
  private DataflowJobs() {}

  /** Dataflow options from {@code KEY=VALUE} pairs, validated by Beam (a missing project is an error here). */
  static DataflowPipelineOptions options(List<String> runnerOptions) {
    List<String> args = new ArrayList<>();
    for (String option : runnerOptions) {
      int eq = option.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--runner-option takes KEY=VALUE (a Dataflow option, e.g. region=europe-west1),"
            + " got '" + option + "'");
      }
      args.add("--" + option);
    }
    DataflowPipelineOptions options = PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).withValidation()
        .as(DataflowPipelineOptions.class);
    options.setRunner(DataflowRunner.class);
    return options;
  }

  /** The backfill's graph on these options, not run. */
  static Pipeline backfill(TracingConfig config, DataflowPipelineOptions options) {
    options.setStreaming(false);
    Pipeline pipeline = Pipeline.create(options);
    TracingPipeline.buildWithRemoteSinks(pipeline, null, null, config);
    return pipeline;
  }

  /**
   * The stream's graph on these options, not run: sorting in state (Dataflow's streaming engine rejects
   * {@code @RequiresTimeSortedInput}) on Streaming Engine (which the BigQuery sinks' auto-sharding needs).
   */
  static Pipeline stream(Streams.StreamConfig stream, TracingConfig config, DataflowPipelineOptions options) {
    options.setStreaming(true);
    options.setEnableStreamingEngine(true);
    Pipeline pipeline = Pipeline.create(options);
    TracingPipeline.buildWithRemoteSinks(pipeline, stream.sourceStep(), Streams.source(stream),
        config.withSortingInState(true));
    return pipeline;
  }

  /** Submits the job and returns at once: a stream never ends, and a backfill's progress is in the console. */
  static PipelineResult submit(Pipeline pipeline, DataflowPipelineOptions options) {
    PipelineResult result = pipeline.run();
    String id = result instanceof DataflowPipelineJob job ? job.getJobId() : "?";
    System.out.printf("submitted Dataflow job %s: https://console.cloud.google.com/dataflow/jobs/%s/%s?project=%s%n",
        id, options.getRegion(), id, options.getProject());
    return result;
  }
}
