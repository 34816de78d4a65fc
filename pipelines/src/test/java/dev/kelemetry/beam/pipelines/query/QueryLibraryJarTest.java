package dev.kelemetry.beam.pipelines.query;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A packaged jar lists its library as the launcher's classes folder does. */
public class QueryLibraryJarTest {
  @Rule
  public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void theQueriesInAJarAreItsSqlFilesByName() throws Exception {
    Path jar = tmp.getRoot().toPath().resolve("queries.jar");
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
      for (String entry : List.of("queries/", "queries/zeta.sql", "queries/alpha.sql", "queries/notes.txt")) {
        out.putNextEntry(new JarEntry(entry));
        if (!entry.endsWith("/")) {
          out.write("SELECT 1".getBytes(StandardCharsets.UTF_8));
        }
        out.closeEntry();
      }
    }
    // no parent: the test's own classpath holds the real library, which must not be what is listed
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      assertThat(QueryLibrary.names(loader), equalTo(List.of("alpha", "zeta")));
    }
  }
}
