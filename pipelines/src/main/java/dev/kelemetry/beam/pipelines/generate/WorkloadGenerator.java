package dev.kelemetry.beam.pipelines.generate;

import static dev.kelemetry.beam.pipelines.generate.AuditEventWriter.MILLIS;
import static dev.kelemetry.beam.pipelines.generate.AuditEventWriter.SECONDS;

import java.io.IOException;
import java.io.Writer;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Deterministic generator of a Kubernetes audit log ({@code audit.k8s.io/v1} Events at level
 * RequestResponse, one JSON object per line, ordered by stageTimestamp) that behaves like a real
 * control plane: kubectl commands, the deployment and ReplicaSet controllers, the scheduler,
 * kubelets and the garbage collector all react to each other with realistic delays, objects carry
 * consistent uids, resourceVersions, generations, managedFields and ownerReferences, and there is
 * background noise (lease renewals, never-ending watches, a 404 and a 409 per cycle).
 *
 * <p>Scenarios:
 *
 * <ul>
 *   <li>{@code deployment-rollout}: create deployment {@code demo} (2 replicas), scale to 4,
 *       change the image (second ReplicaSet, rolling update), scale to 2, delete (GC cleanup).
 *   <li>{@code ancestors}: create deployment {@code ancestors} (2 replicas), change the image so a
 *       second ReplicaSet replaces the first (scaled to 0), delete (GC cleanup).
 * </ul>
 *
 * <p>Scale N runs N deployments ({@code demo}, {@code demo-2} ... {@code demo-N}) concurrently, each
 * repeating its whole cycle N times with fresh uids, with replica counts multiplied by ceil(N/4)
 * and 3 x ceil(N/4) nodes. Output therefore grows roughly with N^2 x ceil(N/4). Measured line
 * counts (seed 1; other seeds differ by a few percent):
 *
 * <pre>
 *   scale   deployment-rollout   ancestors
 *       1                  774         400
 *       5               21,632      11,570
 *      10              115,472      59,328
 *      20              716,116     367,640
 *      22            1,024,234           -
 * </pre>
 *
 * <p>Scale 20 of {@code deployment-rollout} is about 1.6 GB and is written in roughly 12 s; scale 22
 * (about 1M lines) takes roughly 10-15 s, also with a 128 MB heap.
 *
 * <p>Memory stays bounded: actors are simulated as a time-ordered event queue and lines are written
 * as soon as no pending action can precede them, so only a few seconds of activity are buffered.
 */
public final class WorkloadGenerator {
  public static final List<String> SCENARIOS = List.of("deployment-rollout", "ancestors");

  /** Summary of one generated log; {@code first}/{@code last} are the extreme stageTimestamps. */
  public record Stats(long events, long requests, int deployments, Instant first, Instant last) {}

  private WorkloadGenerator() {}

  /**
   * Writes the audit log of {@code scenario} to {@code out}.
   *
   * @param scale >= 1 multiplies deployments, replicas and duration. Throws
   *     IllegalArgumentException for an unknown scenario (message lists SCENARIOS) or scale < 1.
   */
  public static Stats generate(String scenario, int scale, long seed, Instant start, Writer out)
      throws IOException {
    if (!SCENARIOS.contains(scenario)) {
      throw new IllegalArgumentException("unknown scenario '" + scenario + "', expected one of " + SCENARIOS);
    }
    if (scale < 1) {
      throw new IllegalArgumentException("scale must be >= 1, got " + scale);
    }
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(out, "out");

    long startMicros = Math.addExact(Math.multiplyExact(start.getEpochSecond(), SECONDS), start.getNano() / 1000);
    AuditEventWriter log = new AuditEventWriter(out, new Random(seed), startMicros);
    int multiplier = (scale + 3) / 4;
    ControlPlane cluster = new ControlPlane(log, 3 * multiplier);

    boolean fullRollout = scenario.equals("deployment-rollout");
    String baseName = fullRollout ? "demo" : "ancestors";
    // Stagger the deployments by a few hundred milliseconds so their activity interleaves.
    long at = startMicros + log.between(500 * MILLIS, 1500 * MILLIS);
    for (int i = 1; i <= scale; i++) {
      String name = i == 1 ? baseName : baseName + "-" + i;
      new DeploymentLifecycle(cluster, name, "default", fullRollout, multiplier, scale).start(at);
      at += log.between(200 * MILLIS, 900 * MILLIS);
    }
    cluster.startBackground(startMicros);
    log.run();

    return new Stats(log.eventCount(), log.requestCount(), scale, instant(log.firstLineMicros()),
        instant(log.lastLineMicros()));
  }

  private static Instant instant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, SECONDS), Math.floorMod(micros, SECONDS) * 1000);
  }
}
