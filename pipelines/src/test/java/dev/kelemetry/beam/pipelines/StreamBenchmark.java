package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.testing.kafka.KafkaBroker;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.parse.RecordParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.joda.time.Duration;

/**
 * The streaming benchmark (not a test; {@code bench/stream.sh} runs it): a real Kafka broker on loopback, the
 * generated workload, and {@code stream} on the embedded Flink runner, in this JVM. Prints:
 * <ol>
 *   <li>sustained throughput: the whole log produced into a 2-partition topic first, then read and traced to the end
 *       (a bounded read, {@code --max-records}), wall time from job start to job end;
 *   <li>end-to-end delay at a given rate: the log replayed live, {@code k} times faster than generated, every time in
 *       each line mapped by one affine map so that a record's times are the wall clock when it is sent; for each
 *       trace window, the time from sending the window's last record to its span file appearing.
 * </ol>
 * Arguments: scale, rate (events/s), window seconds, work directory.
 */
public final class StreamBenchmark {
  private static final Pattern TIME = Pattern.compile("\"(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2})(\\.\\d+)?Z\"");
  private static final Pattern WINDOW_FILE = Pattern.compile("spans-?(\\S+?Z)-(\\S+?Z)-pane");

  private StreamBenchmark() {}

  public static void main(String[] args) throws Exception {
    Kelemetry.quietLogging();
    int scale = Integer.parseInt(args[0]);
    int rate = Integer.parseInt(args[1]);
    int windowSeconds = Integer.parseInt(args[2]);
    Path work = Files.createDirectories(Path.of(args[3]));
    KafkaBroker broker = new KafkaBroker();
    broker.start();
    try {
      Path log = work.resolve("stream-bench-scale" + scale + ".log");
      if (!Files.exists(log)) {
        Kelemetry.generate("deployment-rollout", scale, 1, Instant.parse("2026-01-01T00:00:00Z"), log);
      }
      List<String> lines = Files.readAllLines(log);
      System.out.printf("input: %,d events (scale %d); broker %s%n", lines.size(), scale, broker.bootstrapServers());
      sustained(broker.bootstrapServers(), lines, work);
      atRate(broker.bootstrapServers(), lines, rate, windowSeconds, work);
    } finally {
      broker.stop();
    }
    System.exit(0);
  }

  private static void sustained(String bootstrap, List<String> lines, Path work) throws Exception {
    StreamCommandIT.createTopic(bootstrap, "bench-backlog", 2);
    long t0 = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = StreamCommandIT.producer(bootstrap)) {
      List<ProducerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        records.add(new ProducerRecord<>("bench-backlog", i % 2, null, lines.get(i).getBytes(StandardCharsets.UTF_8)));
      }
      StreamCommandIT.produceAll(producer, records);
    }
    double produceSeconds = (System.nanoTime() - t0) / 1e9;
    TracingConfig config = TracingConfig.defaults(List.of(), work.resolve("out-backlog").toString()).withCluster("bench");
    deleteRecursively(Path.of(config.output()));
    Streams.StreamConfig stream = new Streams.StreamConfig(bootstrap, List.of("bench-backlog"),
        new Streams.ClusterRule("bench", null, null), "bench-backlog", Duration.standardMinutes(1), Duration.ZERO,
        Duration.standardSeconds(30), (long) lines.size());
    long t1 = System.nanoTime();
    RunSummary summary = Streams.run(stream, config, false);
    double seconds = (System.nanoTime() - t1) / 1e9;
    System.out.printf("produced %,d messages in %.1f s (%,.0f/s)%n", lines.size(), produceSeconds, lines.size() / produceSeconds);
    System.out.printf("sustained: %,d events read and traced from the broker in %.1f s = %,.0f events/s"
            + " (job start to end, including Flink's start); %,d span rows, %,d dead letters; heap in use %d MB%n",
        summary.get(Counters.RECORDS_READ), seconds, summary.get(Counters.RECORDS_READ) / seconds,
        SpanFiles.read(Path.of(config.output())).size(), summary.get(Counters.RECORDS_DEAD_LETTERED),
        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
  }

  private static void atRate(String bootstrap, List<String> lines, int rate, int windowSeconds, Path work) throws Exception {
    long first = writtenAt(lines.get(0));
    long last = writtenAt(lines.get(lines.size() - 1));
    double generatedRate = lines.size() / ((last - first) / 1e6);
    double k = Math.max(1.0, rate / generatedRate); // how much faster than generated the log is played
    long startWallMicros = (System.currentTimeMillis() + 15_000) * 1000; // Flink is up by then
    StreamCommandIT.createTopic(bootstrap, "bench-live", 2);
    TracingConfig config = TracingConfig.defaults(List.of(), work.resolve("out-live").toString()).withCluster("bench")
        .withWindow(Duration.standardSeconds(windowSeconds));
    deleteRecursively(Path.of(config.output()));
    Streams.StreamConfig stream = new Streams.StreamConfig(bootstrap, List.of("bench-live"),
        new Streams.ClusterRule("bench", null, null), "bench-live", Duration.standardSeconds(2), Duration.ZERO,
        Duration.standardSeconds(10), null);
    Thread job = new Thread(() -> {
      try {
        Streams.run(stream, config, false);
      } catch (Exception e) {
        e.printStackTrace();
      }
    }, "stream-job");
    job.setDaemon(true);
    job.start();

    Map<String, Long> fileSeenMillis = new ConcurrentHashMap<>();
    Thread watcher = new Thread(() -> {
      Path spans = Path.of(config.output(), "spans");
      while (!Thread.currentThread().isInterrupted()) {
        try (var files = Files.exists(spans) ? Files.list(spans) : java.util.stream.Stream.<Path>empty()) {
          files.forEach(f -> fileSeenMillis.putIfAbsent(f.getFileName().toString(), System.currentTimeMillis()));
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          // a file renamed under us: look again
        }
      }
    }, "file-watcher");
    watcher.setDaemon(true);
    watcher.start();

    // send each line when the wall clock reaches its mapped time; remember the last send per trace window
    Map<Long, Long> lastSentInWindow = new TreeMap<>();
    long windowMicros = windowSeconds * 1_000_000L;
    long sentAt = 0;
    try (KafkaProducer<byte[], byte[]> producer = StreamCommandIT.producer(bootstrap)) {
      for (int i = 0; i < lines.size(); i++) {
        long due = startWallMicros + (long) ((writtenAt(lines.get(i)) - first) / k);
        long wait = due / 1000 - System.currentTimeMillis();
        if (wait > 0) {
          Thread.sleep(wait);
        }
        String mapped = mapTimes(lines.get(i), first, startWallMicros, k);
        producer.send(new ProducerRecord<>("bench-live", i % 2, null, mapped.getBytes(StandardCharsets.UTF_8)));
        sentAt = System.currentTimeMillis();
        Long latest = RecordParser.latestEventMicros(mapped);
        long eventMicros = latest == null ? due : latest;
        lastSentInWindow.put(Math.floorDiv(eventMicros, windowMicros) * windowMicros, sentAt);
      }
    }
    double sendSeconds = (sentAt - startWallMicros / 1000) / 1e3;
    System.out.printf("live: %,d events sent in %.1f s = %,.0f events/s (the log played %.0fx faster than generated),"
        + " %d s windows, watermark delay 2 s%n", lines.size(), sendSeconds, lines.size() / sendSeconds, k, windowSeconds);
    long lastWindow = lastSentInWindow.keySet().stream().max(Long::compare).orElseThrow();
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline && !seen(fileSeenMillis, lastWindow)) {
      Thread.sleep(200);
    }
    List<Long> delays = new ArrayList<>();
    for (Map.Entry<Long, Long> w : lastSentInWindow.entrySet()) {
      Long seen = seenMillis(fileSeenMillis, w.getKey());
      if (seen == null) {
        System.out.printf("  window %s: no span file within 2 minutes of the last send%n", Instant.ofEpochMilli(w.getKey() / 1000));
      } else {
        delays.add(seen - w.getValue());
      }
    }
    delays.sort(Long::compare);
    if (!delays.isEmpty()) {
      System.out.printf("end-to-end delay, last record of a window sent -> its span file on disk: median %.1f s, max %.1f s"
          + " over %d windows (the watermark delay, 2 s, is its floor)%n",
          delays.get(delays.size() / 2) / 1e3, delays.get(delays.size() - 1) / 1e3, delays.size());
    }
    watcher.interrupt();
  }

  private static boolean seen(Map<String, Long> files, long windowStartMicros) {
    return seenMillis(files, windowStartMicros) != null;
  }

  private static Long seenMillis(Map<String, Long> files, long windowStartMicros) {
    String start = org.joda.time.Instant.ofEpochMilli(windowStartMicros / 1000).toString();
    for (Map.Entry<String, Long> f : files.entrySet()) {
      Matcher m = WINDOW_FILE.matcher(f.getKey());
      if (m.find() && m.group(1).equals(start)) {
        return f.getValue();
      }
    }
    return null;
  }

  /** Every RFC 3339 time in the line, mapped by t -> start + (t - first) / k. */
  static String mapTimes(String line, long firstMicros, long startMicros, double k) {
    Matcher m = TIME.matcher(line);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      long t = RecordParser.micros(m.group(1) + (m.group(2) == null ? "" : m.group(2)) + "Z");
      long mapped = startMicros + (long) ((t - firstMicros) / k);
      String text = m.group(2) == null
          ? Instant.ofEpochSecond(Math.floorDiv(mapped, 1_000_000L)).toString()
          : dev.kelemetry.beam.schemas.Rows.timestamp(mapped);
      m.appendReplacement(out, Matcher.quoteReplacement("\"" + text + "\""));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static long writtenAt(String line) {
    String field = "\"stageTimestamp\":\"";
    int at = line.indexOf(field) + field.length();
    return RecordParser.micros(line.substring(at, line.indexOf('"', at)));
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    if (Files.exists(dir)) {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
