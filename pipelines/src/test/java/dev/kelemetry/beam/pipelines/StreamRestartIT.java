package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.parse.RecordParser;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.joda.time.Duration;
import org.junit.ClassRule;
import org.junit.Test;
import dev.kelemetry.beam.testing.kafka.KafkaBroker;

/**
 * Kill -9 the {@code stream} command mid-stream and start it again with the same arguments: the output ends with
 * exactly the backfill's span rows, none lost and none twice. The rollout is produced live (each line when the wall
 * clock reaches its time, the log shifted to start a few seconds from now) into a 2-partition topic, with one-minute
 * windows, so windows close while the producer is still sending and the kill lands between checkpoints, after some
 * windows were written.
 */
public class StreamRestartIT {
  @ClassRule public static final KafkaBroker KAFKA = new KafkaBroker();
  private static final String TOPIC = "audit-restart";

  @Test
  public void aKilledStreamStartedAgainLosesAndRepeatsNoSpanRow() throws Exception {
    Path work = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "stream-restart-");
    Path log = work.resolve("rollout.log");
    // start on the next whole second, 12 s from now: the first job is up by then
    Instant start = Instant.ofEpochSecond(Instant.now().getEpochSecond() + 12);
    Kelemetry.generate("deployment-rollout", 1, 5, start, log);
    List<String> lines = Files.readAllLines(log);

    TracingConfig batchConfig = TracingConfig.defaults(List.of(new InputSpec(log.toString(), "")),
        work.resolve("batch").toString()).withCluster("restart").withWindow(Duration.standardMinutes(1));
    Kelemetry.Backfills.run(batchConfig, "flink", false);
    List<String> batch = StreamCommandIT.comparable(SpanFiles.read(Path.of(batchConfig.output())));
    assertThat(batch.size(), greaterThan(300));

    StreamCommandIT.createTopic(KAFKA.bootstrapServers(), TOPIC, 2);
    Path out = work.resolve("stream");
    Process first = startStream(work, out, "job1.log");
    LiveProducer producer = new LiveProducer(lines);
    producer.start();
    try {
      awaitOrFail(() -> !spanFiles(out).isEmpty(), 180, first, work.resolve("job1.log"), "the first window's spans");
      assertTrue("the producer finished before the kill; the kill would not be mid-stream", producer.sent.get() < lines.size());
      first.destroyForcibly().waitFor(); // SIGKILL: no final checkpoint, no cancel
      System.err.printf("[StreamRestartIT] killed after %d of %d lines produced, %d span rows written%n",
          producer.sent.get(), lines.size(), SpanFiles.read(out).size());
    } finally {
      first.destroyForcibly();
    }

    Process second = startStream(work, out, "job2.log");
    try {
      producer.join(TimeUnit.MINUTES.toMillis(4));
      awaitOrFail(() -> SpanFiles.read(out).size() >= batch.size(), 180, second, work.resolve("job2.log"),
          "all " + batch.size() + " span rows");
      Thread.sleep(3000); // a row written twice, if any, would land now
    } finally {
      second.destroyForcibly().waitFor();
      producer.interrupt();
    }
    assertThat(Files.readString(work.resolve("job2.log")), org.hamcrest.Matchers.containsString("resuming from checkpoint"));
    List<String> streamed = StreamCommandIT.comparable(SpanFiles.read(out));
    assertThat(streamed.size(), equalTo(batch.size()));
    assertThat(streamed, equalTo(batch));
  }

  /** Sends each line when the wall clock reaches the time the API server wrote it, alternating partitions. */
  private static final class LiveProducer extends Thread {
    private final List<String> lines;
    final AtomicInteger sent = new AtomicInteger();

    LiveProducer(List<String> lines) {
      super("live-producer");
      setDaemon(true);
      this.lines = lines;
    }

    @Override
    public void run() {
      try (KafkaProducer<byte[], byte[]> producer = StreamCommandIT.producer(KAFKA.bootstrapServers())) {
        for (int i = 0; i < lines.size(); i++) {
          long due = writtenAtMillis(lines.get(i));
          long wait = due - System.currentTimeMillis();
          if (wait > 0) {
            Thread.sleep(wait);
          }
          producer.send(new ProducerRecord<>(TOPIC, i % 2, null, lines.get(i).getBytes(StandardCharsets.UTF_8))).get();
          sent.incrementAndGet();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static long writtenAtMillis(String line) {
    String field = "\"stageTimestamp\":\"";
    int at = line.indexOf(field) + field.length();
    return RecordParser.micros(line.substring(at, line.indexOf('"', at))) / 1000;
  }

  private static Process startStream(Path work, Path out, String logName) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens")).forEach(command::add);
    command.addAll(List.of("-Xmx2g", "-Djava.io.tmpdir=" + work, "-cp", System.getProperty("java.class.path"),
        Kelemetry.class.getName(), "stream", "--kafka-bootstrap", KAFKA.bootstrapServers(), "--topic", TOPIC,
        "--cluster", "restart", "--output", out.toString(), "--window", "1m", "--watermark-delay", "10s",
        "--checkpoint-interval", "2s", "--consumer-group", "restart-test"));
    return new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(work.resolve(logName).toFile()).start();
  }

  private static List<Path> spanFiles(Path out) throws IOException {
    Path spans = out.resolve("spans");
    if (!Files.isDirectory(spans)) {
      return List.of();
    }
    try (var files = Files.list(spans)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".json")).toList();
    }
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
        fail("the stream exited (" + job.exitValue() + ") before " + what + "; its output:\n" + tail(log));
      }
      Thread.sleep(250);
    }
    fail("no " + what + " within " + seconds + " s; the stream's output:\n" + tail(log));
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }
}
