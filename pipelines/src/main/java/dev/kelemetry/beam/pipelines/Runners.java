package dev.kelemetry.beam.pipelines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;

/** Pipeline options for the runners the command line offers. */
public final class Runners {
  private Runners() {}

  public static PipelineOptions options(String runner) {
    switch (runner.toLowerCase(Locale.ROOT)) {
      case "flink" -> {
        return localFlink();
      }
      case "direct" -> {
        DirectOptions direct = PipelineOptionsFactory.as(DirectOptions.class);
        direct.setRunner(DirectRunner.class);
        // The DirectRunner re-encodes and compares every element to catch DoFns that mutate their input; the tests
        // keep those checks (TestPipeline), a backfill on the command line does not need them.
        direct.setEnforceEncodability(Boolean.getBoolean("kelemetry.direct.enforce"));
        direct.setEnforceImmutability(Boolean.getBoolean("kelemetry.direct.enforce"));
        return direct;
      }
      // dataflow is not a local run: the commands submit it through DataflowJobs
      default -> throw new IllegalArgumentException("--runner must be flink, direct or dataflow, got " + runner);
    }
  }

  private static FlinkPipelineOptions localFlink() {
    FlinkPipelineOptions flink = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    flink.setRunner(FlinkRunner.class);
    flink.setFlinkMaster("[local]"); // embedded: a Flink mini cluster inside this JVM
    flink.setParallelism(Runtime.getRuntime().availableProcessors());
    flink.setObjectReuse(true); // our elements are immutable records; copying them between operators is waste
    return flink;
  }

  /**
   * The embedded Flink runner in streaming mode, checkpointing to {@code checkpoints} every {@code interval} and
   * keeping the checkpoints when the job ends or dies, so the next run can restore one.
   *
   * @param restoreFrom a checkpoint ({@code .../chk-N}) to start from, or null
   * @param confDir a folder for the Flink configuration this writes: with {@code [local]}, Beam 2.70 ignores
   *     {@code --savepointPath}, and the embedded cluster takes the path to restore from its configuration instead
   */
  public static FlinkPipelineOptions streamingFlink(Path checkpoints, Duration interval, String restoreFrom, Path confDir)
      throws IOException {
    FlinkPipelineOptions flink = localFlink();
    flink.setStreaming(true);
    // Each step hands its output on when a bundle ends; Beam's default bundle time (1 s) adds up over the graph's
    // watermark-driven steps: measured, a window's file came 13.5 s after its last record (median) with 1 s bundles
    // and 4.7 s with 100 ms ones, at the same throughput (docs/performance.md).
    flink.setMaxBundleTimeMills(100L);
    flink.setCheckpointingInterval(interval.getMillis());
    flink.setMinPauseBetweenCheckpoints(Math.min(interval.getMillis(), 1000L));
    flink.setStateBackend("filesystem");
    flink.setStateBackendStoragePath(checkpoints.toUri().toString());
    flink.setExternalizedCheckpointsEnabled(true);
    flink.setRetainExternalizedCheckpointsOnCancellation(true);
    flink.setNumberOfExecutionRetries(0); // a failure ends the run with its error; a restart resumes from the checkpoint
    Files.createDirectories(confDir);
    Files.writeString(confDir.resolve("flink-conf.yaml"),
        restoreFrom == null ? "" : "execution.savepoint.path: " + restoreFrom + "\n");
    flink.setFlinkConfDir(confDir.toString());
    if (restoreFrom != null) {
      flink.setSavepointPath(restoreFrom); // what a remote Flink master reads
    }
    return flink;
  }
}
