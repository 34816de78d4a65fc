package dev.kelemetry.beam.testing.kafka;

import dev.kelemetry.beam.testing.ParentWatchdog;

/**
 * Entry point of the broker's child JVM: starts {@code kafka.Kafka} and ends the JVM as soon as its standard input
 * reaches end of file. The parent holds the other end of that pipe, so a broker never outlives its test JVM, even one
 * killed with SIGKILL (where no shutdown hook runs).
 */
public final class BrokerMain {
  private BrokerMain() {}

  public static void main(String[] args) throws Exception {
    ParentWatchdog.start(System.in);
    Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object) args);
  }
}
