package dev.kelemetry.beam.pipelines;

import java.util.Locale;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** Pipeline options for the runners the command line offers. */
public final class Runners {
  private Runners() {}

  public static PipelineOptions options(String runner) {
    switch (runner.toLowerCase(Locale.ROOT)) {
      case "flink" -> {
        FlinkPipelineOptions flink = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
        flink.setRunner(FlinkRunner.class);
        flink.setFlinkMaster("[local]"); // embedded: a Flink mini cluster inside this JVM
        flink.setParallelism(Runtime.getRuntime().availableProcessors());
        flink.setObjectReuse(true); // our elements are immutable records; copying them between operators is waste
        return flink;
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
      default -> throw new IllegalArgumentException("--runner must be flink or direct, got " + runner);
    }
  }
}
