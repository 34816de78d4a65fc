package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.io.ReadKafkaRecords;
import dev.kelemetry.beam.io.ReadPubsubRecords;
import dev.kelemetry.beam.transforms.parse.RecordParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubClient;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubJsonClient;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.joda.time.Duration;

/**
 * Runs the live stream: Kafka topics or a Pub/Sub subscription through the tracing graph into the local directory, on
 * the embedded Flink runner in streaming mode, with checkpoints so that a killed job resumes where its last checkpoint
 * was.
 *
 * <p>Restart: checkpoints (the Kafka offsets or the Pub/Sub messages not yet acknowledged, the source's watermark and
 * every object's tracked state) go to {@code <output>/.checkpoints} and are kept when the job dies or is cancelled. A
 * new {@code stream} with the same output restores the newest one, re-reads what came after it and recomputes the
 * windows that were open; their files are written again under the same names, so no row is lost and none appears
 * twice. Kafka offsets are also committed to the consumer group, and Pub/Sub messages are acknowledged, when a
 * checkpoint completes, so a job started without checkpoints (a new output directory) begins after what the last one
 * had checkpointed.
 */
final class Streams {
  private Streams() {}

  /**
   * What a stream reads and how it keeps time; the graph's own settings are in {@link TracingConfig}. The source is
   * Kafka ({@code bootstrapServers}, {@code topics}, {@code clusterRule}, {@code consumerGroup}, {@code maxRecords}) or
   * a Pub/Sub subscription ({@code pubsubSubscription}; its records name their cluster, else {@code --cluster}).
   */
  record StreamConfig(
      String bootstrapServers,
      List<String> topics,
      ClusterRule clusterRule,
      String consumerGroup,
      Duration watermarkDelay,
      Duration allowedLateness,
      Duration checkpointInterval,
      Long maxRecords,
      String pubsubSubscription,
      Map<String, String> kafkaProperties) {

    StreamConfig {
      if (watermarkDelay.isShorterThan(Duration.ZERO) || allowedLateness.isShorterThan(Duration.ZERO)) {
        throw new IllegalArgumentException("--watermark-delay and --allowed-lateness must not be negative");
      }
      boolean kafka = bootstrapServers != null || (topics != null && !topics.isEmpty());
      if (kafka == (pubsubSubscription != null)) {
        throw new IllegalArgumentException("a stream reads exactly one source: --kafka-bootstrap with --topic, or"
            + " --pubsub-subscription");
      }
      if (pubsubSubscription != null && kafkaProperties != null && !kafkaProperties.isEmpty()) {
        throw new IllegalArgumentException("Kafka settings (--kafka-auth, --kafka-property) are for a Kafka stream");
      }
      if (pubsubSubscription != null && maxRecords != null) {
        throw new IllegalArgumentException("--max-records bounds a Kafka read; a Pub/Sub stream runs until stopped");
      }
    }

    /** A Kafka stream. */
    StreamConfig(String bootstrapServers, List<String> topics, ClusterRule clusterRule, String consumerGroup,
        Duration watermarkDelay, Duration allowedLateness, Duration checkpointInterval, Long maxRecords) {
      this(bootstrapServers, topics, clusterRule, consumerGroup, watermarkDelay, allowedLateness, checkpointInterval,
          maxRecords, null, Map.of());
    }

    /** The same Kafka stream with more consumer settings (authentication: {@link KafkaAuth}, --kafka-property). */
    StreamConfig withKafkaProperties(Map<String, String> properties) {
      return new StreamConfig(bootstrapServers, topics, clusterRule, consumerGroup, watermarkDelay, allowedLateness,
          checkpointInterval, maxRecords, pubsubSubscription, Map.copyOf(properties));
    }

    /** A Pub/Sub stream. */
    static StreamConfig pubsub(String subscription, Duration watermarkDelay, Duration allowedLateness,
        Duration checkpointInterval) {
      return new StreamConfig(null, List.of(), null, null, watermarkDelay, allowedLateness, checkpointInterval, null,
          subscription, Map.of());
    }

    boolean isPubsub() {
      return pubsubSubscription != null;
    }

    /** The source's step name: an update-compatibility key, and the node label in docs/architecture.md. */
    String sourceStep() {
      return isPubsub() ? "ReadPubsubRecords" : "ReadKafkaRecords";
    }

    /** How far the source's watermark trails the newest record: the delay, then the lateness spent before firing. */
    Duration sourceDelay() {
      return watermarkDelay.plus(allowedLateness);
    }
  }

  /** Where a message's cluster name comes from. */
  record ClusterRule(String fixed, Pattern fromTopic, String fromHeader) {}

  /**
   * The source of a stream. Its watermark trails the newest event time (of each Kafka partition, or of the Pub/Sub
   * subscription) by the watermark delay plus the allowed lateness: windows then fire once, complete, when that has
   * passed their end, and a record further behind is a dead letter (see {@code ParseRecords}).
   */
  static PTransform<PBegin, PCollectionTuple> source(StreamConfig stream) {
    if (stream.isPubsub()) {
      return ReadPubsubRecords.from(stream.pubsubSubscription())
          .withEventTime(RecordParser::latestEventMicros, stream.sourceDelay());
    }
    ReadKafkaRecords read = ReadKafkaRecords.from(stream.bootstrapServers(), stream.topics())
        .withConsumerGroup(stream.consumerGroup())
        .withConsumerProperties(stream.kafkaProperties())
        .withEventTime(RecordParser::latestEventMicros, stream.sourceDelay());
    ClusterRule rule = stream.clusterRule();
    read = rule.fromTopic() != null ? read.withClusterFromTopic(rule.fromTopic())
        : rule.fromHeader() != null ? read.withClusterFromHeader(rule.fromHeader())
        : read.withCluster(rule.fixed());
    return stream.maxRecords() == null ? read : read.withMaxRecords(stream.maxRecords());
  }

  /** Runs until the job ends (with {@code maxRecords}, after that many messages) or the process is stopped. */
  static RunSummary run(StreamConfig stream, TracingConfig config, boolean print) throws IOException {
    if (stream.isPubsub()) {
      checkSubscription(stream.pubsubSubscription(), PubsubJsonClient.FACTORY); // PubsubIO's own client
    } else {
      checkTopicsExist(stream.bootstrapServers(), stream.topics());
    }
    return run(stream, source(stream), config, print);
  }

  /** Runs the stream with this source until the job ends or the process is stopped. */
  static RunSummary run(StreamConfig stream, PTransform<PBegin, PCollectionTuple> source, TracingConfig config,
      boolean print) throws IOException {
    long startedAt = System.nanoTime();
    PipelineResult result = start(stream, source, config, print, true);
    result.waitUntilFinish();
    RunSummary summary = RunSummary.of(result, (System.nanoTime() - startedAt) / 1e9);
    summary.write(Path.of(config.output()).toAbsolutePath().resolve("summary.json"), config, "flink-streaming");
    if (print) {
      System.out.println(summary.describe());
    }
    return summary;
  }

  /**
   * Starts the stream with this source. Attached, the embedded Flink runner returns when the job has ended; detached,
   * at once, with a result that can cancel the job (a Pub/Sub job never ends by itself: the tests that read Beam's
   * test client cancel it once the output is complete).
   */
  static PipelineResult start(StreamConfig stream, PTransform<PBegin, PCollectionTuple> source, TracingConfig config,
      boolean print, boolean attached) throws IOException {
    Path out = Path.of(config.output()).toAbsolutePath();
    Path checkpoints = Files.createDirectories(out.resolve(".checkpoints"));
    Optional<Path> restore = latestCheckpoint(checkpoints);
    FlinkPipelineOptions options = Runners.streamingFlink(checkpoints, stream.checkpointInterval(),
        restore.map(Path::toString).orElse(null), out.resolve(".flink-conf"));
    if (stream.maxRecords() != null) {
      // A bounded read ends its source, but with checkpointing on, Flink keeps a finished source's task alive and the
      // job never ends; this lets it finish once the source has been idle this long.
      options.setShutdownSourcesAfterIdleMs(2000L);
    }
    // A stream reads no files, but the runner registers every filesystem, S3's included: this settles its region
    // without asking the AWS default chain (see ObjectStorage#configure).
    config.objectStorage().configure(options, List.of());
    if (print) {
      String from = stream.isPubsub() ? stream.pubsubSubscription()
          : String.format("%s from %s as group '%s'", String.join(",", stream.topics()), stream.bootstrapServers(),
              stream.consumerGroup());
      System.out.printf("stream: %s, %s windows, watermark %s behind the newest record (+ %s allowed lateness) -> %s%n",
          from, config.window().toPeriod(), stream.watermarkDelay().toPeriod(), stream.allowedLateness().toPeriod(),
          out);
      System.out.println(restore.map(p -> "resuming from checkpoint " + p)
          .orElse("no checkpoint in " + checkpoints + ": starting from " + (stream.isPubsub()
              ? "the subscription's unacknowledged messages" : "the consumer group's committed offsets")));
      System.out.println("a window's spans are written when the watermark passes its end; Ctrl-C stops, a restart resumes");
    }
    options.setAttachedMode(attached);
    Pipeline pipeline = Pipeline.create(options);
    TracingPipeline.buildStreamWithLocalOutput(pipeline, stream.sourceStep(), source, config);
    return pipeline.run();
  }

  /**
   * Fails fast, in words, when the brokers cannot be reached or a topic does not exist: started anyway, the job would
   * wait a minute for metadata and end in a stack trace.
   */
  static void checkTopicsExist(String bootstrapServers, List<String> topics) {
    Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    Set<String> existing;
    try (Admin admin = Admin.create(config)) {
      existing = admin.listTopics().names().get(15, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("cannot reach Kafka at " + bootstrapServers + " (" + cause.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking Kafka at " + bootstrapServers + " for its topics", e);
    }
    List<String> missing = topics.stream().filter(t -> !existing.contains(t)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("no topic " + String.join(", ", missing) + " at " + bootstrapServers
          + "; it has: " + (existing.isEmpty() ? "no topics" : String.join(", ", new TreeSet<>(existing))));
    }
  }

  /**
   * Fails fast, in words, when the subscription cannot be read (it does not exist, no credentials, no permission):
   * started anyway, PubsubIO would fail inside the job with a stack trace. Asks what PubsubIO's reader asks first,
   * the subscription's ack deadline.
   */
  static void checkSubscription(String subscription, PubsubClient.PubsubClientFactory clients) {
    PubsubOptions options = PipelineOptionsFactory.as(PubsubOptions.class);
    try (PubsubClient client = clients.newClient(null, null, options)) {
      client.ackDeadlineSeconds(PubsubClient.subscriptionPathFromPath(subscription));
    } catch (IOException | RuntimeException e) {
      String why = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString());
      throw new IllegalStateException("cannot read the Pub/Sub subscription " + subscription + " (" + why + "): check"
          + " that it exists and that the Application Default Credentials (gcloud auth application-default login, or"
          + " the VM's service account) have roles/pubsub.subscriber and roles/pubsub.viewer on it");
    }
  }

  /** The newest completed checkpoint Flink kept under {@code dir} ({@code <job id>/chk-<n>/_metadata}), if any. */
  static Optional<Path> latestCheckpoint(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (Stream<Path> walk = Files.walk(dir, 3)) {
      return walk.filter(p -> p.getFileName().toString().equals("_metadata"))
          .map(Path::getParent)
          .filter(p -> p.getFileName().toString().startsWith("chk-"))
          .max(Comparator.comparing(Streams::modified))
          .map(Path::toAbsolutePath);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p.resolve("_metadata")).toMillis();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
