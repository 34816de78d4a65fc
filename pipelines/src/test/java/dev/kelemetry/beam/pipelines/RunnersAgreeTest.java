package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.Rows;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The embedded Flink runner (the default of the run command) and the DirectRunner (the tests') write the same span
 * rows, byte for byte once sorted; and a second backfill of the same input writes the same rows again, ids included.
 */
public class RunnersAgreeTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private List<String> backfill(String runner, List<InputSpec> inputs) throws Exception {
    Path out = tmp.newFolder().toPath();
    TracingConfig config = TracingConfig.defaults(inputs, out.toString()).withCluster("agree");
    Kelemetry.Backfills.run(config, runner, false);
    return SpanFiles.read(out).stream().map(Rows::toJson).sorted().toList();
  }

  @Test
  public void flinkAndDirectRunnersWriteTheSameSpansAndReRunsRepeatThem() throws Exception {
    Path real = SharedData.real();
    List<InputSpec> inputs = List.of(new InputSpec(real + "/falco-k8s-audit/*.json", ""),
        new InputSpec(real + "/khi/oss/test-log.yaml", ""));
    List<String> direct = backfill("direct", inputs);
    List<String> directAgain = backfill("direct", inputs);
    List<String> flink = backfill("flink", inputs);
    assertThat(direct.size(), greaterThan(50));
    assertThat(directAgain, equalTo(direct));
    assertThat(flink, equalTo(direct));
  }
}
