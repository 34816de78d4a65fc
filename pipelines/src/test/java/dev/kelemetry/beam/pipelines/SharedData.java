package dev.kelemetry.beam.pipelines;

import static org.junit.Assume.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real audit data written by others, in ../shared/data/real beside the checkout. CI always has it; a user's clone
 * does not, and the tests that need it are then skipped (visibly, as assumptions) rather than failed.
 */
final class SharedData {
  private SharedData() {}

  static Path real() {
    String configured = System.getProperty("kelemetry.sharedData");
    Path dir = configured != null ? Path.of(configured) : Path.of("..", "..", "shared", "data", "real");
    assumeTrue("no shared data at " + dir.toAbsolutePath().normalize() + " (only CI and developers have ../shared)",
        Files.isDirectory(dir));
    return dir.toAbsolutePath().normalize();
  }
}
