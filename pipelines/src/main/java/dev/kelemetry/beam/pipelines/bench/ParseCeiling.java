package dev.kelemetry.beam.pipelines.bench;

import dev.kelemetry.beam.transforms.parse.RecordParser;
import dev.kelemetry.beam.transforms.parse.ParseOutcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling for the pipeline: read a JSON-lines audit log and run the same parser the pipeline runs, on every core,
 * with nothing else. One reader thread hands batches of lines to one parser thread per core. Prints events/s.
 *
 * <p>Usage: {@code java ... ParseCeiling FILE [THREADS]}
 */
public final class ParseCeiling {
  private static final List<String> END = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
    BlockingQueue<List<String>> batches = new ArrayBlockingQueue<>(64);
    AtomicLong parsed = new AtomicLong();
    AtomicLong other = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(() -> {
        RecordParser parser = new RecordParser("bench", file.toString());
        try {
          for (List<String> batch = batches.take(); batch != END; batch = batches.take()) {
            for (String line : batch) {
              for (ParseOutcome o : parser.parse(line, 0)) {
                (o instanceof ParseOutcome.Parsed ? parsed : other).incrementAndGet();
              }
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      t.start();
      workers.add(t);
    }
    long start = System.nanoTime();
    long lines = 0;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      List<String> batch = new ArrayList<>(1000);
      for (String line; (line = in.readLine()) != null; ) {
        batch.add(line);
        lines++;
        if (batch.size() == 1000) {
          batches.put(batch);
          batch = new ArrayList<>(1000);
        }
      }
      batches.put(batch);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
    for (int i = 0; i < threads; i++) {
      batches.put(END);
    }
    for (Thread t : workers) {
      t.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("parse ceiling: %,d lines, %,d parsed, %,d filtered or dead-lettered, %d threads, %.1f s, %,.0f events/s%n",
        lines, parsed.get(), other.get(), threads, seconds, lines / seconds);
  }
}
