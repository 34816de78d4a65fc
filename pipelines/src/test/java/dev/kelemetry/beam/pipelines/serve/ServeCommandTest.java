package dev.kelemetry.beam.pipelines.serve;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.kelemetry.beam.pipelines.Kelemetry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import picocli.CommandLine;

/** {@code kelemetry serve} refuses, in one line, a directory that holds no span rows, rather than serving nothing. */
public class ServeCommandTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  @Test
  public void aDirectoryWithoutSpansIsRefusedWithTheReason() throws Exception {
    String empty = TMP.newFolder("not-an-output").toString();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream before = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = new CommandLine(new Kelemetry()).execute("serve", "--data", empty, "--port", "0");
    } finally {
      System.setErr(before);
    }
    assertThat(code, equalTo(2));
    assertThat(err.toString(StandardCharsets.UTF_8), containsString("no spans/ folder in " + empty));
  }

  @Test
  public void theDataDirectoryIsRequired() {
    assertThat(new CommandLine(new Kelemetry()).setErr(new java.io.PrintWriter(new java.io.StringWriter()))
        .execute("serve"), equalTo(2));
  }
}
