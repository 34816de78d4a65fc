package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.io.bigquery.BigQueryTarget;
import dev.kelemetry.beam.io.otlp.OtlpOptions;
import dev.kelemetry.beam.transforms.metrics.MetricDefinitions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.beam.runners.dataflow.DataflowRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;
import picocli.CommandLine;

/**
 * The Dataflow Flex Template's main class: {@link TemplateOptions} in, one Dataflow job out, a live stream from a
 * GKE log sink's Pub/Sub subscription (or Kafka) or a backfill of files, both into BigQuery (and OTLP when set). The
 * options become the {@link TracingConfig} the command line would build for the same flags, and the graph is the
 * command line's ({@link TracingPipeline#buildWithRemoteSinks}), with the sorting-in-state steps for a stream since
 * Dataflow's streaming engine rejects {@code @RequiresTimeSortedInput}.
 */
public final class TemplateMain {
  private TemplateMain() {}

  /** What the options ask for: the graph's settings, and the stream's source (null for a backfill). */
  record Plan(TracingConfig config, Streams.StreamConfig stream) {
    boolean isStream() {
      return stream != null;
    }
  }

  public static void main(String[] args) {
    PipelineOptionsFactory.register(TemplateOptions.class); // so --help=TemplateOptions lists our parameters
    Pipeline pipeline;
    try {
      TemplateOptions options = PipelineOptionsFactory.fromArgs(args).withValidation().as(TemplateOptions.class);
      options.setRunner(DataflowRunner.class); // this class only ever launches Dataflow jobs
      pipeline = build(options, SecretHeaders::read);
    } catch (IllegalArgumentException e) {
      // Bad parameters: one line the launcher's log shows, and a failed launch rather than a job that fails later.
      System.err.println("kelemetry template: " + e.getMessage());
      System.exit(2);
      return;
    }
    pipeline.run(); // submits the job; the Flex Template launcher returns once Dataflow has accepted it
  }

  /**
   * The job's graph, built and not run, as {@code --runner dataflow} builds it ({@link DataflowJobs}): the mode sets
   * {@code streaming} (and Streaming Engine for a stream) on the options. {@code secrets} reads the OTLP header secret
   * (Secret Manager in production).
   */
  static Pipeline build(TemplateOptions options, Function<String, Map<String, String>> secrets) {
    Plan plan = plan(options, secrets);
    return plan.isStream() ? DataflowJobs.stream(plan.stream(), plan.config(), options)
        : DataflowJobs.backfill(plan.config(), options);
  }

  /** The options checked and turned into typed values; a bad value or combination is an IllegalArgumentException. */
  static Plan plan(TemplateOptions o, Function<String, Map<String, String>> secrets) {
    String mode = o.getMode();
    boolean stream = "stream".equals(mode);
    if (!stream && !"backfill".equals(mode)) {
      throw new IllegalArgumentException("mode must be stream or backfill, got '" + mode + "'");
    }
    List<String> inputs = list(o.getInput());
    boolean pubsub = o.getPubsubSubscription() != null && !o.getPubsubSubscription().isBlank();
    boolean kafka = o.getKafkaBootstrap() != null || o.getTopic() != null;
    if (stream) {
      if (!inputs.isEmpty() || o.getSince() != null || o.getUntil() != null) {
        throw new IllegalArgumentException("input, since and until are for mode=backfill; a stream reads"
            + " pubsubSubscription or kafkaBootstrap with topic");
      }
      if (pubsub == kafka) {
        throw new IllegalArgumentException(pubsub
            ? "a stream reads one source: pubsubSubscription or kafkaBootstrap with topic, not both"
            : "mode=stream needs a source: pubsubSubscription (projects/P/subscriptions/S) or kafkaBootstrap with topic");
      }
      if (kafka && (o.getKafkaBootstrap() == null || list(o.getTopic()).isEmpty())) {
        throw new IllegalArgumentException("Kafka needs both kafkaBootstrap and topic");
      }
      if (pubsub && !o.getPubsubSubscription().matches("projects/[^/]+/subscriptions/[^/]+")) {
        throw new IllegalArgumentException("pubsubSubscription must be projects/P/subscriptions/S, got '"
            + o.getPubsubSubscription() + "'");
      }
    } else {
      if (inputs.isEmpty()) {
        throw new IllegalArgumentException("mode=backfill needs input: file patterns, comma-separated"
            + " (gs://BUCKET/path/**)");
      }
      if (pubsub || kafka) {
        throw new IllegalArgumentException("pubsubSubscription, kafkaBootstrap and topic are for mode=stream;"
            + " a backfill reads input");
      }
    }
    Map<String, String> kafkaSettings = KafkaAuth.properties(o.getKafkaAuth()); // refuses an unknown mode
    if (!kafka && !"none".equals(o.getKafkaAuth())) {
      throw new IllegalArgumentException("kafkaAuth is for a Kafka stream (kafkaBootstrap with topic)");
    }
    if (o.getOtlpHeaderSecret() != null && o.getOtlpEndpoint() == null) {
      throw new IllegalArgumentException("otlpHeaderSecret holds headers for otlpEndpoint, which is not set");
    }
    if (o.getMaxOwnerDepth() == null || o.getMaxOwnerDepth() < 0) {
      throw new IllegalArgumentException("maxOwnerDepth must be 0 or more, got " + o.getMaxOwnerDepth());
    }
    TracingConfig config = TracingConfig.defaults(Kelemetry.inputSpecs(inputs), null)
        .withCluster(o.getCluster())
        .withWindow(duration(o.getWindow(), "window", false))
        .withMaxOwnerDepth(o.getMaxOwnerDepth())
        .withStateTtl(duration(o.getStateTtl(), "stateTtl", false))
        .withBigQuery(BigQueryTarget.parse(o.getBigqueryDataset()))
        .withMetrics(Boolean.TRUE.equals(o.getNoMetrics()) ? MetricDefinitions.none() : MetricDefinitions.defaults())
        .withMetricsWindow(duration(o.getMetricsWindow(), "metricsWindow", false))
        .withOtlp(otlp(o, secrets))
        .withTimeRange(instant(o.getSince(), "since"), instant(o.getUntil(), "until"))
        .withSortingInState(stream); // Dataflow's streaming engine rejects @RequiresTimeSortedInput; batch keeps it
    if (!stream) {
      return new Plan(config, null);
    }
    Duration delay = duration(o.getWatermarkDelay(), "watermarkDelay", true);
    Duration lateness = duration(o.getAllowedLateness(), "allowedLateness", true);
    // Dataflow keeps its own checkpoints of sources and state; the Flink checkpoint interval has no use here.
    Streams.StreamConfig source = pubsub
        ? Streams.StreamConfig.pubsub(o.getPubsubSubscription(), delay, lateness, null)
        : new Streams.StreamConfig(o.getKafkaBootstrap(), list(o.getTopic()),
            new Streams.ClusterRule(o.getCluster(), null, null), Kelemetry.StreamCommand.DEFAULT_CONSUMER_GROUP,
            delay, lateness, null, null).withKafkaProperties(kafkaSettings);
    return new Plan(config, source);
  }

  private static OtlpOptions otlp(TemplateOptions o, Function<String, Map<String, String>> secrets) {
    if (o.getOtlpEndpoint() == null) {
      return null;
    }
    OtlpOptions otlp = OtlpOptions.of(o.getOtlpEndpoint(), o.getOtlpProtocol());
    return o.getOtlpHeaderSecret() == null ? otlp : otlp.withHeaders(secrets.apply(o.getOtlpHeaderSecret()));
  }

  private static List<String> list(String commaSeparated) {
    return commaSeparated == null ? List.of()
        : Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static Duration duration(String text, String option, boolean zeroAllowed) {
    try {
      return Kelemetry.parseDuration(text, option, zeroAllowed);
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(option + " takes a duration like 30m, 1h or 90s, got '" + text + "'");
    }
  }

  private static Instant instant(String text, String option) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(option + " takes an RFC 3339 time like 2026-03-01T00:00:00Z, got '" + text + "'");
    }
  }
}
