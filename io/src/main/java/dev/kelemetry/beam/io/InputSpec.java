package dev.kelemetry.beam.io;

import java.io.Serializable;

/**
 * One input of a backfill: a file glob (local path; any filesystem Beam has registered) and the cluster its records
 * belong to, or empty to use the run's default cluster.
 */
public record InputSpec(String glob, String cluster) implements Serializable {
  public InputSpec {
    if (glob == null || glob.isBlank()) {
      throw new IllegalArgumentException("an input needs a file path or glob");
    }
    cluster = cluster == null ? "" : cluster;
  }
}
