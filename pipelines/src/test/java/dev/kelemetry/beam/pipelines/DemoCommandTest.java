package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import picocli.CommandLine;

/** The README's run command: generate, backfill and print the Deployment's tree, with its outputs where it says. */
public class DemoCommandTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void demoPrintsTheDeploymentTreeAndWritesTheOutputs() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("demo");
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = new CommandLine(new Kelemetry()).execute("demo", "--output", out.toString(), "--runner", "direct");
    } finally {
      System.setOut(original);
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    assertThat(printed, code, equalTo(0));
    assertThat(printed, containsString("\ndeployments/demo  ["));
    assertThat(printed, containsString("    replicasets/demo-"));
    assertThat(printed, containsString("        pods/demo-"));
    assertThat(printed, containsString("kubernetes-admin patch scale"));
    assertThat(Files.readString(out.resolve("summary.json")), containsString("\"accounted_for\" : true"));
  }

  @Test
  public void anInputThatMatchesNothingIsAClearErrorNotACrash() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = new CommandLine(new Kelemetry()).execute("backfill", "--input", tmp.getRoot() + "/none-*.log",
          "--output", tmp.getRoot() + "/out", "--runner", "direct");
    } finally {
      System.setErr(original);
    }
    assertThat(code, equalTo(2));
    assertThat(err.toString(StandardCharsets.UTF_8), containsString("no file matches --input"));
  }
}
