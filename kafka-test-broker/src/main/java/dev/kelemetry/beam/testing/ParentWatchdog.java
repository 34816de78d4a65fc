package dev.kelemetry.beam.testing;

import java.io.IOException;
import java.io.InputStream;

/**
 * For the main of a child JVM that a test starts ({@link ChildJvmServer}): halts the JVM when the parent goes away,
 * i.e. when the pipe on its standard input closes, so a server never outlives its test JVM, even one killed with
 * SIGKILL (where no shutdown hook runs). Kept apart from {@link ChildJvmServer} so the child needs no JUnit.
 */
public final class ParentWatchdog {
  private ParentWatchdog() {}

  public static void start(InputStream parentPipe) {
    Thread watchdog = new Thread(() -> {
      try {
        while (parentPipe.read() >= 0) {
          // the parent writes nothing; any byte is ignored
        }
      } catch (IOException e) {
        // a broken pipe means the same as end of file
      }
      Runtime.getRuntime().halt(3);
    }, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
