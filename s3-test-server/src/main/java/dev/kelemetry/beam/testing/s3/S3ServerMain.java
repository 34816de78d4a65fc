package dev.kelemetry.beam.testing.s3;

import dev.kelemetry.beam.testing.ParentWatchdog;

/**
 * Entry point of the server's child JVM: starts s3proxy and ends the JVM as soon as its standard input reaches end of
 * file, so the server never outlives the test JVM that holds the other end, even one killed with SIGKILL.
 */
public final class S3ServerMain {
  private S3ServerMain() {}

  public static void main(String[] args) throws Exception {
    ParentWatchdog.start(System.in);
    org.gaul.s3proxy.Main.main(args);
  }
}
