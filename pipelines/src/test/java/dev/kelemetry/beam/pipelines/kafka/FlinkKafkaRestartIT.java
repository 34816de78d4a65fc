package dev.kelemetry.beam.pipelines.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.fail;

import dev.kelemetry.beam.testing.kafka.KafkaBroker;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.ClassRule;
import org.junit.Test;

/**
 * The Flink restart recipe, proven end to end: a streaming job on the embedded Flink runner reads a 2-partition
 * topic while a producer writes to it, is killed with SIGKILL mid-stream, and a second job restores from the newest
 * retained checkpoint while the producer goes on; every message must then be in the windowed output files exactly
 * once, with no line written twice.
 */
public class FlinkKafkaRestartIT {
  @ClassRule public static final KafkaBroker KAFKA = new KafkaBroker();

  private static final String TOPIC = "audit-restart";
  /** Messages sent after the kill: some while no job runs, the rest while the restored job catches up. */
  private static final int MESSAGES_AFTER_KILL = 300;
  private static final long PRODUCE_EVERY_MILLIS = 50;

  @Test
  public void aKilledJobRestoredFromItsLastCheckpointOutputsEveryMessageExactlyOnce() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    Path work = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "flink-restart-");
    Path out = Files.createDirectories(work.resolve("out"));
    Path checkpoints = Files.createDirectories(work.resolve("checkpoints"));
    long t0 = System.nanoTime();

    Process first = startJob(work, out, checkpoints, "-", "job1.log");
    Producer producer = new Producer();
    try {
      awaitOrFail(() -> latestCheckpoint(checkpoints).isPresent(), 120, first, work.resolve("job1.log"),
          "the first job to complete a checkpoint");
      log(t0, "job 1 running (first checkpoint " + latestCheckpoint(checkpoints).get().getFileName() + ")");
      producer.start();
      // Kill once some windows are in files (so the restore replays over written output) and while the producer
      // still has messages to send (so the kill lands mid-stream).
      awaitOrFail(() -> !outputFiles(out).isEmpty(), 120, first, work.resolve("job1.log"), "the first output file");
      first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no final checkpoint, no cancel
      producer.stopAfter(MESSAGES_AFTER_KILL);
      log(t0, "job 1 killed after " + producer.sent.get() + " messages sent; " + outputFiles(out).size()
          + " output files; " + lines(out).size() + " lines");
    } finally {
      first.destroyForcibly();
    }

    Path restoreFrom = latestCheckpoint(checkpoints).orElseThrow();
    log(t0, "restoring from " + checkpoints.relativize(restoreFrom));
    Process second = startJob(work, out, checkpoints, restoreFrom.toString(), "job2.log");
    try {
      producer.join();
      assertThat("producer failed", producer.failure, org.hamcrest.Matchers.nullValue());
      log(t0, "producer done: " + producer.sent.get() + " messages");
      awaitOrFail(() -> ids(out).size() >= producer.sent.get(), 180, second, work.resolve("job2.log"),
          "every message in the output");
      log(t0, "all " + producer.sent.get() + " ids in the output");
      Thread.sleep(3000); // a late duplicate, if any, would land now
    } finally {
      second.destroyForcibly().waitFor();
      producer.interrupt();
    }
    log(t0, "job 2 stopped; files: " + outputFiles(out).stream().map(p -> p.getFileName().toString()).sorted()
        .collect(Collectors.joining(" ")));
    String job2 = Files.readString(work.resolve("job2.log"));
    log(t0, "job 2 log restore lines:\n" + job2.lines()
        .filter(l -> l.contains("estor") && (l.contains("heckpoint") || l.contains("avepoint")))
        .limit(5).collect(Collectors.joining("\n")));

    List<String> lines = lines(out);
    Set<String> distinct = new HashSet<>(lines);
    assertThat("lines written twice", lines.size() - distinct.size(), equalTo(0));
    Map<Long, Integer> seen = new TreeMap<>();
    for (String line : lines) {
      for (String id : line.substring(line.indexOf("ids=") + 4).split(",")) {
        seen.merge(Long.parseLong(id), 1, Integer::sum);
      }
    }
    int messages = producer.sent.get();
    List<Long> missing = new ArrayList<>();
    for (long i = 0; i < messages; i++) {
      if (!seen.containsKey(i)) {
        missing.add(i);
      }
    }
    assertThat("ids missing from the output", missing, empty());
    assertThat("ids counted more than once",
        seen.entrySet().stream().filter(e -> e.getValue() != 1).map(Map.Entry::getKey).toList(), empty());
    assertThat(seen.size(), equalTo(messages));
  }

  /**
   * Sends messages with ids 0, 1, 2, ... alternating partitions, each stamped with its send time as its event time,
   * until {@link #stopAfter} says how many more to send.
   */
  private static final class Producer extends Thread {
    final AtomicInteger sent = new AtomicInteger();
    private volatile int limit = Integer.MAX_VALUE;
    volatile Exception failure;

    void stopAfter(int more) {
      limit = sent.get() + more;
    }

    Producer() {
      super("test-producer");
      setDaemon(true);
    }

    @Override
    public void run() {
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
        for (int i = 0; i < limit; i++) {
          String text = "{\"id\":" + i + ",\"ts\":" + System.currentTimeMillis() + "}";
          producer.send(new ProducerRecord<>(TOPIC, i % 2, null, text.getBytes(StandardCharsets.UTF_8))).get();
          sent.incrementAndGet();
          Thread.sleep(PRODUCE_EVERY_MILLIS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        failure = e;
      }
    }
  }

  private static Process startJob(Path work, Path out, Path checkpoints, String restoreFrom, String logName)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    // The same --add-opens the embedded Flink runner needs in this JVM (from the failsafe argLine).
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens")).forEach(command::add);
    command.addAll(List.of("-Xmx1g", "-Djava.io.tmpdir=" + work,
        "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn",
        "-Dorg.slf4j.simpleLogger.log.org.apache.flink.runtime.checkpoint=info",
        "-cp", System.getProperty("java.class.path"),
        FlinkKafkaRestartJob.class.getName(),
        KAFKA.bootstrapServers(), TOPIC, out.toString(), checkpoints.toString(), restoreFrom));
    return new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(work.resolve(logName).toFile()).start();
  }

  /** The newest completed checkpoint: {@code <dir>/<job id>/chk-<n>} holding a {@code _metadata} file. */
  static Optional<Path> latestCheckpoint(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir, 3)) {
      return walk.filter(p -> p.getFileName().toString().startsWith("chk-") && Files.exists(p.resolve("_metadata")))
          .max(Comparator.comparingLong((Path p) -> p.toFile().lastModified())
              .thenComparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(4))));
    }
  }

  /** Finished output files: the top-level files; the sink's temporary files live in hidden subfolders. */
  static List<Path> outputFiles(Path out) throws IOException {
    try (Stream<Path> files = Files.list(out)) {
      return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).toList();
    }
  }

  static List<String> lines(Path out) throws IOException {
    List<String> all = new ArrayList<>();
    for (Path f : outputFiles(out)) {
      all.addAll(Files.readAllLines(f).stream().filter(l -> !l.isBlank()).toList());
    }
    return all;
  }

  static Set<Long> ids(Path out) throws IOException {
    Set<Long> ids = new HashSet<>();
    for (String line : lines(out)) {
      for (String id : line.substring(line.indexOf("ids=") + 4).split(",")) {
        ids.add(Long.parseLong(id));
      }
    }
    return ids;
  }

  interface Check {
    boolean ok() throws Exception;
  }

  private static void awaitOrFail(Check check, int seconds, Process job, Path log, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (check.ok()) {
        return;
      }
      if (!job.isAlive()) {
        fail("the job exited (" + job.exitValue() + ") before " + what + "; log tail:\n" + tail(log));
      }
      Thread.sleep(250);
    }
    fail("no " + what + " within " + seconds + " s; job log tail:\n" + tail(log));
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
  }

  private static void log(long t0, String message) {
    System.err.printf("[FlinkKafkaRestartIT +%.1fs] %s%n", (System.nanoTime() - t0) / 1e9, message);
  }
}
