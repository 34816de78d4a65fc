package dev.kelemetry.beam.pipelines;

import java.util.Locale;
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
        PipelineOptions direct = PipelineOptionsFactory.create();
        direct.setRunner(DirectRunner.class);
        return direct;
      }
      default -> throw new IllegalArgumentException("--runner must be flink or direct, got " + runner);
    }
  }
}
