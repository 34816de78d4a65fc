package dev.kelemetry.beam.testing.kafka;

import java.io.IOException;
import java.io.InputStream;

/**
 * Entry point of the broker's child JVM: starts {@code kafka.Kafka} and ends the JVM as soon as its standard input
 * reaches end of file. The parent holds the other end of that pipe, so a broker never outlives its test JVM, even one
 * killed with SIGKILL (where no shutdown hook runs).
 */
public final class BrokerMain {
  private BrokerMain() {}

  public static void main(String[] args) throws Exception {
    watchParent(System.in);
    Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object) args);
  }

  /** Also used for any other child JVM a test starts: halt when the parent goes away. */
  public static void watchParent(InputStream parentPipe) {
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
