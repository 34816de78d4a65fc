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

/** {@code kelemetry serve} refuses, in one line, what it cannot serve, rather than serving nothing. */
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
  public void aDirectoryAndADatasetTogetherAreRefused() {
    java.io.StringWriter err = new java.io.StringWriter();
    int code = new CommandLine(new Kelemetry()).setErr(new java.io.PrintWriter(err))
        .execute("serve", "--data", TMP.getRoot().toString(), "--bigquery-dataset", "p:d");
    assertThat(code, equalTo(2));
    assertThat(err.toString(), containsString("mutually exclusive"));
  }

  @Test
  public void aDatasetThatIsNotProjectColonDatasetIsRefusedWithTheForm() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream before = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = new CommandLine(new Kelemetry()).execute("serve", "--bigquery-dataset", "just-a-name", "--port", "0");
    } finally {
      System.setErr(before);
    }
    assertThat(code, equalTo(2));
    assertThat(err.toString(StandardCharsets.UTF_8), containsString("--bigquery-dataset takes PROJECT:DATASET"));
  }

  @Test
  public void theDataDirectoryIsRequired() {
    assertThat(new CommandLine(new Kelemetry()).setErr(new java.io.PrintWriter(new java.io.StringWriter()))
        .execute("serve"), equalTo(2));
  }
}
