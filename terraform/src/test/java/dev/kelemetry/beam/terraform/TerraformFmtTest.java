package dev.kelemetry.beam.terraform;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.Assume;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Where a terraform binary is installed, its own parser reads every file: {@code terraform fmt -check} needs no
 * providers and no network, fails on a syntax error hcl4j lets through, and keeps the layout canonical. Skipped (an
 * assumption) where there is none; {@link TerraformCheckTest} runs everywhere.
 */
public class TerraformFmtTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void theTerraformIsCanonicallyFormatted() throws Exception {
    assertThat(fmtCheck(TerraformCheckTest.projectRoot().resolve("terraform")), is(0));
  }

  @Test
  public void aSyntaxErrorFailsTheFormatCheck() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Files.writeString(dir.resolve("broken.tf"), "resource \"google_storage_bucket\" \"b\" {\n  name = \n");
    assertThat(fmtCheck(dir), is(not(0)));
  }

  private static int fmtCheck(Path dir) throws IOException, InterruptedException {
    String terraform = terraform();
    Assume.assumeTrue("no terraform binary on this machine", terraform != null);
    Process p = new ProcessBuilder(terraform, "fmt", "-check", "-recursive", "-diff", dir.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("terraform fmt did not finish in 60 s");
    }
    return p.exitValue();
  }

  private static String terraform() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Paths.get(dir, "terraform");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }
}
