package dev.kelemetry.beam.pipelines.kafka;

import dev.kelemetry.beam.io.ReadAuditFiles;
import dev.kelemetry.beam.io.ReadKafkaRecords;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.testing.kafka.BrokerMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The streaming job {@link FlinkKafkaRestartIT} runs in a child JVM (so it can be killed with SIGKILL): Kafka ->
 * event-time 5 s windows -> GroupByKey -> one line per (window, bucket) listing the message ids -> windowed text
 * files, on the embedded Flink runner with checkpoints to a folder, restored from {@code restoreFrom} if given.
 *
 * <p>Arguments: bootstrapServers topic outputDir checkpointDir restoreFrom|-
 */
public final class FlinkKafkaRestartJob {
  static final Duration WINDOW = Duration.standardSeconds(5);
  static final Duration WATERMARK_DELAY = Duration.standardSeconds(2);
  private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");
  private static final Pattern TS = Pattern.compile("\"ts\":(\\d+)");

  private FlinkKafkaRestartJob() {}

  public static void main(String[] args) {
    BrokerMain.watchParent(System.in); // never outlive the test JVM
    String bootstrap = args[0];
    String topic = args[1];
    String output = args[2];
    String checkpoints = args[3];
    String restoreFrom = args[4];

    FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    options.setFlinkMaster("[local]");
    options.setStreaming(true);
    options.setParallelism(1);
    options.setCheckpointingInterval(1000L);
    options.setMinPauseBetweenCheckpoints(200L);
    options.setStateBackend("filesystem"); // Beam 2.70 knows "rocksdb" or "filesystem" (the heap backend)
    options.setStateBackendStoragePath("file://" + checkpoints);
    options.setExternalizedCheckpointsEnabled(true);
    options.setRetainExternalizedCheckpointsOnCancellation(true);
    options.setNumberOfExecutionRetries(0);
    if (!restoreFrom.equals("-")) {
      // Beam 2.70 applies --savepointPath only to a remote Flink master; with [local] it is silently ignored (no
      // "Starting job ... from savepoint" in the log, and the job starts from the committed group offsets, losing
      // what sat in window state). The embedded cluster takes the restore path from its Flink configuration.
      options.setSavepointPath(restoreFrom);
      options.setFlinkConfDir(flinkConfWithRestorePath(Paths.get(checkpoints).getParent(), restoreFrom));
    }

    Pipeline p = Pipeline.create(options);
    p.apply("ReadKafka", ReadKafkaRecords.from(bootstrap, List.of(topic))
            .withCluster("restart-test")
            .withConsumerGroup("restart-test")
            .withEventTime(FlinkKafkaRestartJob::eventMicros, WATERMARK_DELAY))
        .get(ReadAuditFiles.RECORDS)
        .apply("StampWithEventTime", ParDo.of(new StampFn()))
        .setCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of()))
        .apply("Window", Window.into(FixedWindows.of(WINDOW)))
        .apply("GroupByBucket", GroupByKey.create())
        .apply("FormatLine", ParDo.of(new FormatFn()))
        .apply("WriteFiles", TextIO.write().to(output + "/ids").withSuffix(".txt")
            .withWindowedWrites().withNumShards(1));
    System.out.println("JOB STARTING restoreFrom=" + restoreFrom);
    p.run().waitUntilFinish();
  }

  /** A Flink configuration folder whose only setting is the checkpoint (or savepoint) to restore from. */
  static String flinkConfWithRestorePath(Path parent, String restoreFrom) {
    try {
      Path dir = Files.createDirectories(parent.resolve("flink-conf-restore"));
      Files.writeString(dir.resolve("flink-conf.yaml"), "execution.savepoint.path: " + restoreFrom + "\n");
      return dir.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Long eventMicros(String text) {
    Matcher m = TS.matcher(text);
    return m.find() ? Long.parseLong(m.group(1)) * 1000 : null;
  }

  /** (bucket, id) at the message's event time; never before the element's own timestamp (the reader's watermark). */
  static final class StampFn extends DoFn<RawRecord, KV<Integer, Long>> {
    @ProcessElement
    public void process(@Element RawRecord r, @Timestamp Instant elementTime, OutputReceiver<KV<Integer, Long>> out) {
      Matcher id = ID.matcher(r.text());
      if (!id.find()) {
        throw new IllegalStateException("test message without id: " + r.text());
      }
      long n = Long.parseLong(id.group(1));
      Long micros = eventMicros(r.text());
      Instant event = micros == null ? elementTime : new Instant(micros / 1000);
      out.outputWithTimestamp(KV.of((int) (n % 3), n), event.isBefore(elementTime) ? elementTime : event);
    }
  }

  static final class FormatFn extends DoFn<KV<Integer, Iterable<Long>>, String> {
    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Long>> group, BoundedWindow window, OutputReceiver<String> out) {
      List<Long> ids = new ArrayList<>();
      group.getValue().forEach(ids::add);
      Collections.sort(ids);
      StringBuilder line = new StringBuilder("window=").append(((IntervalWindow) window).start().getMillis())
          .append(" bucket=").append(group.getKey()).append(" ids=");
      for (int i = 0; i < ids.size(); i++) {
        line.append(i == 0 ? "" : ",").append(ids.get(i));
      }
      out.output(line.toString());
    }
  }
}
