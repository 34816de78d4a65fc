package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.io.ReadKafkaRecords;
import dev.kelemetry.beam.io.InputFiles;
import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.io.ReadBigQueryLogEntries;
import dev.kelemetry.beam.io.ReadPubsubRecords;
import dev.kelemetry.beam.io.bigquery.BigQueryTarget;
import dev.kelemetry.beam.io.otlp.OtlpOptions;
import dev.kelemetry.beam.transforms.metrics.MetricDefinitions;
import dev.kelemetry.beam.io.ObjectStorage;
import dev.kelemetry.beam.pipelines.generate.WorkloadGenerator;
import dev.kelemetry.beam.plugins.Linker;
import dev.kelemetry.beam.plugins.Plugins;
import dev.kelemetry.beam.plugins.RecordSource;
import dev.kelemetry.beam.schemas.SpanRow;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.extensions.gcp.options.GcpOptions;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code ./kelemetry} command line. */
@Command(name = "kelemetry", mixinStandardHelpOptions = true, version = "kelemetry-beam 0.1.0",
    description = "Control-plane tracing for Kubernetes on Apache Beam: audit logs in, owner-linked traces out.",
    subcommands = {Kelemetry.Backfill.class, Kelemetry.StreamCommand.class, Kelemetry.Generate.class, Kelemetry.Demo.class,
        Kelemetry.PluginsCommand.class, dev.kelemetry.beam.pipelines.query.QueryCommand.class,
        dev.kelemetry.beam.pipelines.serve.ServeCommand.class})
public final class Kelemetry implements Runnable {

  public static void main(String[] args) {
    quietLogging();
    int code = new CommandLine(new Kelemetry())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("kelemetry: " + rootMessage(e));
          return 1;
        })
        .execute(args);
    System.exit(code);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Flink and Beam log a lot at INFO; the user wants our progress lines and real warnings. */
  static void quietLogging() {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("kelemetry.logLevel", "warn"));
    System.setProperty("org.slf4j.simpleLogger.log.dev.kelemetry", "info");
    // The embedded Flink cluster warns about things that matter only to a real cluster (web UI log files, delegation
    // tokens, 80-character operator names); TextIO warns when a shard had nothing to write. Failures still surface
    // as the exception that ends the run.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.flink", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.beam.runners.flink", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.beam.sdk.io.FileBasedSink", "error");
    // The Kafka client warns on every reconnect attempt; an unreachable broker is reported once, in words.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    // KafkaIO reports lineage and backlog outside a bundle, where Beam has no metrics container: an ERROR with a
    // stack trace that changes nothing (the counters of the run are complete).
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.beam.sdk.metrics.MetricsEnvironment", "off");
    // Without Application Default Credentials (an emulator, a public bucket, or credentials still to be set up) Beam
    // warns with a stack trace on every worker; a refusal that follows is reported once, naming where credentials
    // come from (InputFiles).
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.beam.sdk.extensions.gcp.auth.GcpCredentialFactory", "error");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss");
    System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
    System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (cause: " + t + ")";
  }

  /** Options shared by the commands that run the pipeline. */
  static final class RunOptions {
    @Option(names = "--cluster", defaultValue = "default", description = "Cluster name of records whose input names none (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(names = "--window", defaultValue = "30m", description = "Trace window, epoch-aligned: one trace per root object per window (default: ${DEFAULT-VALUE}).")
    String window;

    @Option(names = "--max-owner-depth", defaultValue = "10", description = "Owner hops followed above an object (default: ${DEFAULT-VALUE}).")
    int maxOwnerDepth;

    @Option(names = "--redact", description = "Extra json path to redact, [resource:]path, e.g. configmaps:data.* (repeatable). Secret values are always redacted.")
    List<String> redact = new ArrayList<>();

    @Option(names = "--state-ttl", defaultValue = "24h", description = "How long an object's state and owner link are kept after its last request, in event time (default: ${DEFAULT-VALUE}).")
    String stateTtl;

    @Option(names = "--runner", defaultValue = "flink", description = "flink (embedded local Flink, the default), direct (Beam's DirectRunner) or dataflow (submits a Dataflow job that writes only --bigquery-dataset and OTLP; no --output).")
    String runner;

    @Option(names = "--runner-option", paramLabel = "KEY=VALUE", description = "With --runner dataflow: one of Dataflow's own options, as Beam names them (repeatable), e.g. project=P, region=europe-west1, tempLocation=gs://B/tmp, serviceAccount=SA_EMAIL.")
    List<String> runnerOptions = new ArrayList<>();

    boolean onDataflow() {
      if (!runner.equals("dataflow") && !runnerOptions.isEmpty()) {
        throw new IllegalArgumentException("--runner-option is for --runner dataflow");
      }
      return runner.equals("dataflow");
    }

    @Option(names = "--disable-linker", paramLabel = "NAME", description = "Switch off a linker (repeatable): owner-references, parent-link-annotation, pod-node, or a plugin's; `kelemetry plugins` lists them.")
    List<String> disabledLinkers = new ArrayList<>();

    @CommandLine.ArgGroup(exclusive = false, heading = "Export over OTLP (besides the output directory):%n")
    OtlpCli otlp;

    @Option(names = "--bigquery-dataset", paramLabel = "PROJECT:DATASET", description = "Also write the spans, links, metrics and dead_letters tables there (created when absent, from schemas/); credentials are Application Default Credentials.")
    String bigQueryDataset;

    @Option(names = "--metrics", paramLabel = "FILE", description = "Metric definitions, YAML (default: the built-in set; docs/metrics.md).")
    Path metricsFile;

    @Option(names = "--no-metrics", description = "Compute no metrics.")
    boolean noMetrics;

    @Option(names = "--metrics-window", defaultValue = "1m", description = "Event-time window of request metrics (default: ${DEFAULT-VALUE}).")
    String metricsWindow = "1m";

    MetricDefinitions metrics() {
      if (noMetrics && metricsFile != null) {
        throw new IllegalArgumentException("--metrics and --no-metrics exclude each other");
      }
      return noMetrics ? MetricDefinitions.none()
          : metricsFile == null ? MetricDefinitions.defaults() : MetricDefinitions.read(metricsFile);
    }
  }

  /** The OTLP exporter's options; all but the endpoint have defaults. */
  static final class OtlpCli {
    @Option(names = "--otlp-endpoint", required = true, paramLabel = "URL", description = "OTLP receiver: http(s)://host:4317 for grpc, http(s)://host:4318 for http/protobuf (/v1/traces is added).")
    String endpoint;

    @Option(names = "--otlp-protocol", defaultValue = "grpc", description = "grpc or http/protobuf (default: ${DEFAULT-VALUE}).")
    String protocol = "grpc";

    @Option(names = "--otlp-header", paramLabel = "KEY=VALUE", description = "A header for every request, e.g. an API key (repeatable).")
    Map<String, String> headers = new LinkedHashMap<>();

    @Option(names = "--otlp-timeout", defaultValue = "10s", description = "Time allowed for one request (default: ${DEFAULT-VALUE}).")
    String timeout = "10s";

    @Option(names = "--otlp-max-attempts", defaultValue = "5", description = "Tries per batch of spans before they become dead letters (default: ${DEFAULT-VALUE}).")
    int maxAttempts = 5;

    @Option(names = "--otlp-retry-backoff", defaultValue = "1s", description = "Wait before the first retry; doubles each time, up to 30s (default: ${DEFAULT-VALUE}).")
    String backoff = "1s";

    @Option(names = "--otlp-tls-ca", paramLabel = "PEM_FILE", description = "CA certificates to trust for an https:// endpoint (default: the JVM's).")
    Path tlsCa;

    @Option(names = "--otlp-tls-client-cert", paramLabel = "PEM_FILE", description = "Client certificate for mutual TLS (with --otlp-tls-client-key).")
    Path tlsClientCert;

    @Option(names = "--otlp-tls-client-key", paramLabel = "PEM_FILE", description = "Private key of the client certificate (PKCS#8 PEM).")
    Path tlsClientKey;

    OtlpOptions options() {
      return OtlpOptions.of(endpoint, protocol)
          .withHeaders(headers)
          .withTimeout(java.time.Duration.ofMillis(parseDuration(timeout, "--otlp-timeout").getMillis()))
          .withRetries(maxAttempts, java.time.Duration.ofMillis(parseDuration(backoff, "--otlp-retry-backoff").getMillis()),
              java.time.Duration.ofSeconds(30))
          .withTls(pem(tlsCa, "--otlp-tls-ca"), pem(tlsClientCert, "--otlp-tls-client-cert"),
              pem(tlsClientKey, "--otlp-tls-client-key"));
    }

    private static String pem(Path file, String option) {
      if (file == null) {
        return "";
      }
      try {
        return Files.readString(file);
      } catch (IOException e) {
        throw new IllegalArgumentException(option + " cannot be read: " + file + " (" + e.getMessage() + ")");
      }
    }
  }

  /** Where s3:// and gs:// inputs are read from; credentials are the providers' own default chains, never options. */
  static final class ObjectStorageOptions {
    @Option(names = "--s3-endpoint", paramLabel = "URL", description = "An S3-compatible server for s3:// inputs (MinIO, s3proxy, Cloudflare R2, a VPC endpoint) instead of AWS S3.")
    URI s3Endpoint;

    @Option(names = "--aws-region", paramLabel = "REGION", description = "Region of the S3 client (default: the AWS default chain - AWS_REGION, the profile, the instance - else us-east-1).")
    String awsRegion;

    @Option(names = "--s3-path-style", description = "Address buckets as ENDPOINT/BUCKET/KEY, as most S3-compatible servers need.")
    boolean s3PathStyle;

    @Option(names = "--gcs-endpoint", paramLabel = "URL", description = "A server speaking the Cloud Storage JSON API for gs:// inputs (an emulator, a Private Service Connect endpoint).")
    URI gcsEndpoint;

    ObjectStorage toObjectStorage() {
      return new ObjectStorage(s3Endpoint, awsRegion, s3PathStyle, gcsEndpoint);
    }
  }

  @Command(name = "backfill", mixinStandardHelpOptions = true,
      description = "Turn audit-log files, or the BigQuery tables of a GKE log sink, into traces in a local directory"
          + " (spans/, dead_letters/, summary.json). Inputs are local paths, s3:// or gs:// globs; S3 credentials come from the AWS default chain"
          + " (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, a container or instance role), GCS credentials"
          + " are Application Default Credentials (gcloud auth application-default login, GOOGLE_APPLICATION_CREDENTIALS,"
          + " a VM's service account).")
  static final class Backfill implements Callable<Integer> {
    @Option(names = "--input", description = "Audit-log file or glob: a local path, s3://BUCKET/KEY or gs://BUCKET/OBJECT, * and ** allowed (gzip read transparently); repeatable. Append @CLUSTER to name its cluster, e.g. 'logs/prod-*.log@prod'.")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--bigquery-table", paramLabel = "PROJECT:DATASET.TABLE", description = "A table a GKE log sink writes (cloudaudit_googleapis_com_activity, cloudaudit_googleapis_com_data_access, events); repeatable. Credentials: Application Default Credentials.")
    List<String> bigQueryTables = new ArrayList<>();

    @Option(names = "--since", paramLabel = "TIME", description = "With --bigquery-table: only rows with timestamp at or after this (RFC 3339, e.g. 2026-01-01T00:00:00Z, or a date 2026-01-01).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "With --bigquery-table: only rows with timestamp before this.")
    String until;

    @Option(names = "--bigquery-filter", paramLabel = "CONDITION", description = "With --bigquery-table: only rows for which this GoogleSQL condition holds, e.g. \"resource.labels.cluster_name = 'prod'\".")
    String bigQueryFilter;

    @Option(names = "--bigquery-method", defaultValue = "direct", description = "direct (the Storage Read API: filters apply in the read session, no bucket) or export (an extract or query job through --temp-location) (default: ${DEFAULT-VALUE}).")
    String bigQueryMethod;

    @Option(names = "--temp-location", paramLabel = "gs://BUCKET/PATH", description = "Where --bigquery-method export writes the rows it reads.")
    String tempLocation;

    @Option(names = "--source", paramLabel = "NAME", description = "Also read this plugin source (repeatable); `kelemetry plugins` lists the sources on the classpath.")
    List<String> sources = new ArrayList<>();

    @Option(names = "--source-option", paramLabel = "KEY=VALUE", description = "An option for the plugin sources (repeatable); an option no source reads is an error.")
    Map<String, String> sourceOptions = new LinkedHashMap<>();

    @Option(names = "--output", description = "Output directory (required, except with --runner dataflow, which writes BigQuery).")
    Path output;

    @Option(names = "--cluster-from-path", paramLabel = "REGEX", description = "Take the cluster of a file from its path: the regex's first group, or its whole match (e.g. '/clusters/([^/]+)/'); inputs with @CLUSTER keep theirs, a file it does not match is a dead letter.")
    String clusterFromPath;

    @CommandLine.Mixin
    RunOptions run = new RunOptions();

    @CommandLine.Mixin
    ObjectStorageOptions storage = new ObjectStorageOptions();

    @Override
    public Integer call() throws Exception {
      ReadBigQueryLogEntries tables = bigQuery();
      boolean dataflow = onDataflowWithoutLocalOutput(run, output, this);
      if (dataflow && tables != null) {
        throw usage("--bigquery-table with --runner dataflow is not supported yet: read the sink's files with --input");
      }
      TracingConfig config = config(inputs, dataflow ? Path.of("") : output, run)
          .withPlugins(new PluginConfig(sources, sourceOptions, run.disabledLinkers))
          .withObjectStorage(storage.toObjectStorage());
      if (clusterFromPath != null) {
        config = config.withClusterFromPath(Pattern.compile(clusterFromPath));
      }
      if (dataflow) {
        var options = DataflowJobs.options(run.runnerOptions);
        DataflowJobs.submit(DataflowJobs.backfill(config, options), options);
        return 0;
      }
      return Backfills.run(config, tables, tempLocation, run.runner, true) == null ? 2 : 0;
    }

    /** The BigQuery tables to read, checked, or null when there are none. */
    ReadBigQueryLogEntries bigQuery() {
      if (inputs.isEmpty() && bigQueryTables.isEmpty() && sources.isEmpty()) {
        throw usage("give the logs to read: --input (files), --bigquery-table (a log sink's tables) or --source (a plugin's)");
      }
      if (bigQueryTables.isEmpty()) {
        if (since != null || until != null || bigQueryFilter != null || tempLocation != null) {
          throw usage("--since, --until, --bigquery-filter and --temp-location apply to --bigquery-table only");
        }
        return null;
      }
      ReadBigQueryLogEntries read;
      try {
        read = ReadBigQueryLogEntries.from(bigQueryTables)
            .withTimeRange(since == null ? null : instant(since, "--since"), until == null ? null : instant(until, "--until"));
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
      if (bigQueryFilter != null) {
        read = read.withFilter(bigQueryFilter);
      }
      switch (bigQueryMethod) {
        case "direct" -> read = read.withMethod(ReadBigQueryLogEntries.Method.DIRECT_READ);
        case "export" -> {
          if (tempLocation == null || !tempLocation.startsWith("gs://")) {
            throw usage("--bigquery-method export needs --temp-location gs://BUCKET/PATH for the rows it exports");
          }
          read = read.withMethod(ReadBigQueryLogEntries.Method.EXPORT);
        }
        default -> throw usage("--bigquery-method is direct or export, got '" + bigQueryMethod + "'");
      }
      return read;
    }

    /** RFC 3339, or a date meaning its midnight UTC. */
    private Instant instant(String text, String option) {
      try {
        return text.length() == 10 ? java.time.LocalDate.parse(text).atStartOfDay(java.time.ZoneOffset.UTC).toInstant()
            : Instant.parse(text);
      } catch (java.time.format.DateTimeParseException e) {
        throw usage(option + " takes a time like 2026-01-01T00:00:00Z or a date like 2026-01-01, got '" + text + "'");
      }
    }

    private CommandLine.ParameterException usage(String message) {
      return Kelemetry.usage(this, message);
    }
  }

  @Command(name = "stream", mixinStandardHelpOptions = true,
      description = "Trace audit logs, Kubernetes Events and object watches live, from Kafka or from the Pub/Sub"
          + " subscription of a GKE log sink, on the embedded Flink runner."
          + " Each message holds one record or a batch in any input format backfill reads. A window's spans are written"
          + " once, when the watermark passes its end; a record that arrives behind the watermark is a dead letter."
          + " Checkpoints go to <output>/.checkpoints: run the same command again to resume after a crash or Ctrl-C.")
  static final class StreamCommand implements Callable<Integer> {
    static final String DEFAULT_CONSUMER_GROUP = "kelemetry";

    @Option(names = "--kafka-bootstrap", description = "Kafka bootstrap servers, host:port[,host:port...] (with --topic).")
    String bootstrap;

    @Option(names = "--topic", description = "Kafka topic to read; repeatable.")
    List<String> topics = new ArrayList<>();

    @Option(names = "--pubsub-subscription", paramLabel = "projects/P/subscriptions/S", description = "Read this Pub/Sub subscription instead of Kafka: each message one Cloud Logging LogEntry, as a log sink publishes it. Credentials: Application Default Credentials.")
    String pubsubSubscription;

    @Option(names = "--cluster-from-topic", paramLabel = "REGEX", description = "Take the cluster name from the topic: the regex's first group, or its whole match (e.g. '^audit-(.+)$').")
    String clusterFromTopic;

    @Option(names = "--cluster-header", paramLabel = "HEADER", description = "Take the cluster name from this message header.")
    String clusterHeader;

    @Option(names = "--output", description = "Output directory (spans/, dead_letters/, .checkpoints/); required, except with --runner dataflow, which writes BigQuery.")
    Path output;

    @Option(names = "--kafka-auth", defaultValue = "none", paramLabel = "none|google", description = "Kafka authentication: none, or google for Google Cloud's Managed Service for Apache Kafka (SASL/OAUTHBEARER with Application Default Credentials).")
    String kafkaAuth;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE", description = "A Kafka consumer setting, e.g. for another secured Kafka (security.protocol=SASL_SSL, sasl.*); repeatable, applied after --kafka-auth's.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--consumer-group", description = "Kafka consumer group; offsets are committed at each checkpoint (default: " + DEFAULT_CONSUMER_GROUP + ").")
    String consumerGroup;

    @Option(names = "--watermark-delay", defaultValue = "1m", description = "How far behind the newest record of a partition (or of the subscription) a record may be and still be on time: clock skew between API servers, shipper batching (the webhook backend waits up to 30 s), slow requests, a log sink's latency (default: ${DEFAULT-VALUE}).")
    String watermarkDelay;

    @Option(names = "--allowed-lateness", defaultValue = "0s", description = "Extra time a window stays open for records behind the watermark; adds to the delay before a window is written (default: ${DEFAULT-VALUE}).")
    String allowedLateness;

    @Option(names = "--checkpoint-interval", defaultValue = "30s", description = "How often state and offsets are checkpointed (and Pub/Sub messages acknowledged); a restart repeats at most this much work (default: ${DEFAULT-VALUE}).")
    String checkpointInterval;

    @Option(names = "--max-records", description = "Stop after this many Kafka messages (for tests and benchmarks); without it the stream runs until stopped.")
    Long maxRecords;

    @CommandLine.Mixin
    RunOptions run = new RunOptions();

    @Override
    public Integer call() throws Exception {
      boolean dataflow = onDataflowWithoutLocalOutput(run, output, this);
      Streams.StreamConfig stream = streamConfig();
      TracingConfig config = config(List.of(), dataflow ? Path.of("") : output, run);
      if (dataflow) {
        var options = DataflowJobs.options(run.runnerOptions);
        DataflowJobs.submit(DataflowJobs.stream(stream, config, options), options);
        return 0;
      }
      Streams.run(stream, config, true);
      return 0;
    }

    /** The options as the stream's configuration, checked. */
    Streams.StreamConfig streamConfig() {
      boolean kafka = bootstrap != null || !topics.isEmpty();
      if (kafka == (pubsubSubscription != null)) {
        throw usage("read exactly one source: --kafka-bootstrap with --topic, or --pubsub-subscription");
      }
      if (!run.runner.equals("flink") && !run.runner.equals("dataflow")) {
        throw usage("stream runs on the embedded Flink runner (--runner flink) or on Dataflow (--runner dataflow)");
      }
      if (run.runner.equals("dataflow") && maxRecords != null) {
        throw usage("--max-records bounds a local Kafka read; a Dataflow stream runs until drained or cancelled");
      }
      Duration delay = parseDuration(watermarkDelay, "--watermark-delay", true);
      Duration lateness = parseDuration(allowedLateness, "--allowed-lateness", true);
      Duration interval = parseDuration(checkpointInterval, "--checkpoint-interval", false);
      if (pubsubSubscription != null) {
        // A log sink's entries name their cluster in resource.labels.cluster_name; --cluster is the fallback.
        List<String> kafkaOnly = new ArrayList<>();
        if (clusterFromTopic != null) kafkaOnly.add("--cluster-from-topic");
        if (clusterHeader != null) kafkaOnly.add("--cluster-header");
        if (consumerGroup != null) kafkaOnly.add("--consumer-group");
        if (maxRecords != null) kafkaOnly.add("--max-records");
        if (!kafkaAuth.equals("none")) kafkaOnly.add("--kafka-auth");
        if (!kafkaProperties.isEmpty()) kafkaOnly.add("--kafka-property");
        if (!kafkaOnly.isEmpty()) {
          throw usage(String.join(", ", kafkaOnly) + " only apply to Kafka, not to --pubsub-subscription");
        }
        try {
          ReadPubsubRecords.checkSubscription(pubsubSubscription);
        } catch (IllegalArgumentException e) {
          throw usage("--pubsub-subscription: " + e.getMessage());
        }
        return Streams.StreamConfig.pubsub(pubsubSubscription, delay, lateness, interval);
      }
      if (bootstrap == null || topics.isEmpty()) {
        throw usage("Kafka needs both --kafka-bootstrap and at least one --topic");
      }
      if (clusterFromTopic != null && clusterHeader != null) {
        throw usage("use one of --cluster-from-topic and --cluster-header");
      }
      Map<String, String> consumer;
      try {
        consumer = KafkaAuth.properties(kafkaAuth);
        consumer.putAll(kafkaProperties);
        ReadKafkaRecords.checkConsumerProperties(consumer);
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
      return new Streams.StreamConfig(bootstrap, topics,
          new Streams.ClusterRule(run.cluster, clusterFromTopic == null ? null : Pattern.compile(clusterFromTopic), clusterHeader),
          consumerGroup == null ? DEFAULT_CONSUMER_GROUP : consumerGroup, delay, lateness, interval, maxRecords)
          .withKafkaProperties(consumer);
    }

    private CommandLine.ParameterException usage(String message) {
      return Kelemetry.usage(this, message);
    }
  }

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = "Write a RequestResponse-level audit log of a scenario, as the real controllers would produce it.")
  static final class Generate implements Callable<Integer> {
    @Option(names = "--scenario", defaultValue = "deployment-rollout", description = "One of: deployment-rollout, ancestors (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--output", required = true, description = "File to write (JSON lines; .gz is not applied).")
    Path output;

    @Option(names = "--scale", defaultValue = "1", description = "Multiplies deployments, replicas and duration (default: ${DEFAULT-VALUE}).")
    int scale;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed; the same seed writes the same log (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--start", defaultValue = "2026-01-01T00:00:00Z", description = "Time of the first request (default: ${DEFAULT-VALUE}).")
    String start;

    @Override
    public Integer call() throws Exception {
      WorkloadGenerator.Stats stats = generate(scenario, scale, seed, Instant.parse(start), output);
      System.out.printf("wrote %,d audit events (%,d requests, %d deployments) from %s to %s into %s%n",
          stats.events(), stats.requests(), stats.deployments(), stats.first(), stats.last(), output);
      return 0;
    }
  }

  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = "Generate the deployment-rollout scenario, backfill it on the local Flink runner, and show the Deployment's trace.")
  static final class Demo implements Callable<Integer> {
    @Option(names = "--output", defaultValue = "demo-output", description = "Directory for the log and the traces (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--runner", defaultValue = "flink", description = "flink (default) or direct.")
    String runner;

    @Override
    public Integer call() throws Exception {
      Files.createDirectories(output);
      Path log = output.resolve("audit.log");
      WorkloadGenerator.Stats stats = generate("deployment-rollout", 1, 1, Instant.parse("2026-01-01T00:00:00Z"), log);
      System.out.printf("1/3 generated %,d audit events of a deployment rollout (create demo, scale to 4, new image, scale to 2, delete) into %s%n",
          stats.events(), log);
      // the backfill's own defaults, as the command line would set them, with the demo's cluster name
      RunOptions options = CommandLine.populateCommand(new RunOptions(), "--cluster", "demo");
      System.out.printf("2/3 backfilling on the %s runner...%n", runner.equals("flink") ? "embedded Flink" : runner);
      RunSummary summary = Backfills.run(config(List.of(log.toString()), output, options), runner, false);
      if (summary == null) {
        return 2;
      }
      System.out.println(summary.describe());
      List<SpanRow> spans = SpanFiles.read(output);
      SpanRow deployment = spans.stream()
          .filter(s -> s.kind().equals(SpanRow.KIND_OBJECT) && s.resource().equals("deployments") && s.objectName().equals("demo"))
          .filter(s -> !s.uid().isEmpty()) // the Deployment itself, not the 404 get for its name before it existed
          .min(Comparator.comparing(SpanRow::windowStart))
          .orElseThrow(() -> new IllegalStateException("no span for deployments/demo in " + output.resolve("spans")));
      List<SpanRow> trace = spans.stream().filter(s -> s.traceId().equals(deployment.traceId())).toList();
      System.out.printf("3/3 the trace of deployments/demo (trace %s, window from %s), %d spans:%n%n",
          deployment.traceId(), deployment.windowStart(), trace.size());
      System.out.println(TraceTree.render(trace, 14));
      System.out.printf("spans:        %s%nmetrics:      %s%ndead letters: %s%nsummary:      %s%n", output.resolve("spans"),
          output.resolve("metrics"), output.resolve("dead_letters"), output.resolve("summary.json"));
      return 0;
    }
  }

  /**
   * Whether the command submits a Dataflow job: then it writes BigQuery (required) and OTLP, and no --output; else
   * --output is required.
   */
  static boolean onDataflowWithoutLocalOutput(RunOptions run, Path output, Object command) {
    boolean dataflow;
    try {
      dataflow = run.onDataflow();
    } catch (IllegalArgumentException e) {
      throw usage(command, e.getMessage());
    }
    if (!dataflow && output == null) {
      throw usage(command, "Missing required option: '--output=<output>'");
    }
    if (dataflow && output != null) {
      throw usage(command, "--runner dataflow writes --bigquery-dataset (and OTLP), not --output");
    }
    if (dataflow && run.bigQueryDataset == null) {
      throw usage(command, "--runner dataflow needs --bigquery-dataset PROJECT:DATASET for its rows");
    }
    return dataflow;
  }

  /** A usage error of {@code command}: picocli prints it with the command's help. */
  static CommandLine.ParameterException usage(Object command, String message) {
    return new CommandLine.ParameterException(new CommandLine(command), message);
  }

  static WorkloadGenerator.Stats generate(String scenario, int scale, long seed, Instant start, Path output) throws IOException {
    Path parent = output.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (BufferedWriter out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
      return WorkloadGenerator.generate(scenario, scale, seed, start, out);
    }
  }

  static TracingConfig config(List<String> inputs, Path output, RunOptions run) {
    return TracingConfig.defaults(inputSpecs(inputs), output.toString())
        .withCluster(run.cluster)
        .withWindow(parseDuration(run.window, "--window"))
        .withMaxOwnerDepth(run.maxOwnerDepth)
        .withStateTtl(parseDuration(run.stateTtl, "--state-ttl"))
        .withRedactPaths(run.redact)
        .withPlugins(new PluginConfig(List.of(), Map.of(), run.disabledLinkers))
        .withOtlp(run.otlp == null ? null : run.otlp.options())
        .withBigQuery(run.bigQueryDataset == null ? null : BigQueryTarget.parse(run.bigQueryDataset))
        .withMetrics(run.metrics())
        .withMetricsWindow(parseDuration(run.metricsWindow, "--metrics-window"));
  }

  /** Inputs as given, {@code GLOB} or {@code GLOB@CLUSTER}: the command line's and the Flex Template's. */
  static List<InputSpec> inputSpecs(List<String> inputs) {
    List<InputSpec> specs = new ArrayList<>();
    for (String input : inputs) {
      Matcher m = INPUT_WITH_CLUSTER.matcher(input);
      specs.add(m.matches() ? new InputSpec(m.group(1), m.group(2)) : new InputSpec(input, ""));
    }
    return specs;
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+)([smhd])");

  /** {@code GLOB@CLUSTER}; a cluster name has no dot or slash, so {@code logs/audit@2024.log} stays a path. */
  private static final Pattern INPUT_WITH_CLUSTER = Pattern.compile("(.+)@([A-Za-z0-9_-]+)");

  /** {@code 30m}, {@code 1h}, {@code 90s}, {@code 1h30m}; not zero. */
  static Duration parseDuration(String text, String option) {
    return parseDuration(text, option, false);
  }

  static Duration parseDuration(String text, String option, boolean zeroAllowed) {
    Matcher m = DURATION.matcher(text.strip());
    long seconds = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      seconds += switch (m.group(2)) {
        case "s" -> n;
        case "m" -> n * 60;
        case "h" -> n * 3600;
        default -> n * 86400;
      };
      end = m.end();
    }
    if (end == 0 || end != text.strip().length() || (seconds == 0 && !zeroAllowed)) {
      throw new CommandLine.ParameterException(new CommandLine(new Kelemetry()),
          option + " takes a duration like 30m, 1h or 90s, got '" + text + "'");
    }
    return Duration.standardSeconds(seconds);
  }

  @Command(name = "plugins", mixinStandardHelpOptions = true,
      description = "List the linkers and sources on the classpath (built-in and from plugin jars, see docs/plugins.md).")
  static final class PluginsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      System.out.println("linkers (in the order they run; the first parent link wins):");
      for (Linker l : Plugins.linkers(List.of())) {
        System.out.printf("  %-24s order %3d  %s%s%n", l.name(), l.order(), l.getClass().getName(), origin(l.getClass()));
      }
      System.out.println("sources (backfill --source NAME):");
      Map<String, RecordSource> sources = new TreeMap<>(Plugins.sources());
      if (sources.isEmpty()) {
        System.out.println("  none besides --input files; a plugin jar adds its own");
      }
      sources.forEach((name, s) -> System.out.printf("  %-24s %s%s%n", name, s.description(), origin(s.getClass())));
      return 0;
    }

    /** The jar a plugin came from, so a user sees that theirs was picked up. */
    private static String origin(Class<?> c) {
      var location = c.getProtectionDomain().getCodeSource() == null ? null : c.getProtectionDomain().getCodeSource().getLocation();
      return location == null || !location.getPath().endsWith(".jar") ? "" : "  (" + Path.of(location.getPath()).getFileName() + ")";
    }
  }

  /** Runs one backfill: checks inputs, clears the previous output, runs, writes and prints the summary. */
  static final class Backfills {
    private Backfills() {}

    /** Returns null (after saying why in one line) when an input matches no file or cannot be read. */
    static RunSummary run(TracingConfig config, String runner, boolean print) throws IOException {
      return run(config, null, null, runner, print);
    }

    /**
     * A backfill of files and (when {@code tables} is not null) BigQuery log-sink tables; {@code tempLocation} is where
     * a BigQuery export writes, or null.
     */
    static RunSummary run(TracingConfig config, ReadBigQueryLogEntries tables, String tempLocation, String runner,
        boolean print) throws IOException {
      PipelineOptions options = Runners.options(runner);
      if (tempLocation != null) {
        options.setTempLocation(tempLocation);
      }
      if (tables != null && options.as(GcpOptions.class).getProject() == null) {
        // A read session (or a job) runs in a project; without one configured (gcloud, GOOGLE_CLOUD_PROJECT), the
        // table's own project is the one a user most likely means.
        options.as(GcpOptions.class).setProject(tables.firstProject());
      }
      config.objectStorage().configure(options, config.inputs().stream().map(InputSpec::glob).toList());
      // The runner registers the filesystems from these options on each worker; this registers them here, for the
      // check of the inputs below.
      FileSystems.setDefaultPipelineOptions(options);
      InputFiles.Matched matched;
      try {
        matched = InputFiles.match(config.inputs());
      } catch (InputFiles.UnusableInput e) {
        System.err.println("kelemetry: " + e.getMessage());
        return null;
      }
      if (Boolean.getBoolean("kelemetry.sortInState")) {
        // what a Dataflow stream runs, here to measure it against the runner's sorting (bench/run.sh)
        config = config.withSortingInState(true);
      }
      // The graph is built before anything is cleared: a bad option fails here and leaves the last output as it was.
      Pipeline pipeline = Pipeline.create(options);
      TracingPipeline.buildWithLocalOutput(pipeline, config, tables);
      Path out = Path.of(config.output());
      clearPreviousOutput(out);
      if (print) {
        String sources = (tables == null ? "" : ", " + tables.describe())
            + (config.plugins().sources().isEmpty() ? "" : " + source " + String.join(", ", config.plugins().sources()));
        System.out.printf("backfill: %d file(s), %,d MB%s, cluster '%s', %s windows, runner %s -> %s%n", matched.files(),
            matched.bytes() >> 20, sources, config.cluster(), config.window().toPeriod(), runner, out);
      }
      long startedAt = System.nanoTime();
      PipelineResult result = pipeline.run();
      result.waitUntilFinish();
      RunSummary summary = RunSummary.of(result, (System.nanoTime() - startedAt) / 1e9);
      summary.write(out.resolve("summary.json"), config, runner);
      if (print) {
        System.out.println(summary.describe());
        System.out.printf("spans in %s, dead letters in %s, counters in %s%n", out.resolve("spans"),
            out.resolve("dead_letters"), out.resolve("summary.json"));
      }
      return summary;
    }

    /** Old shards would mix with new ones: remove what a previous run wrote (only our own folders and file). */
    private static void clearPreviousOutput(Path out) throws IOException {
      Files.createDirectories(out);
      for (String owned : List.of("spans", "dead_letters")) {
        Path dir = out.resolve(owned);
        if (Files.isDirectory(dir)) {
          try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
              try {
                Files.delete(p);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
          }
        }
      }
      Files.deleteIfExists(out.resolve("summary.json"));
    }
  }
}
