package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.io.ObjectStorage;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.joda.time.Duration;
import org.junit.Test;
import picocli.CommandLine;

/** How the command line turns its options into the backfill's configuration. */
public class CommandLineTest {
  private static TracingConfig config(String... args) {
    Kelemetry.Backfill backfill = new Kelemetry.Backfill();
    new CommandLine(backfill).parseArgs(args);
    return Kelemetry.config(backfill.inputs, backfill.output, backfill.run)
        .withObjectStorage(backfill.storage.toObjectStorage());
  }

  @Test
  public void objectStorageDefaultsToAwsAndGoogleThemselves() {
    assertThat(config("--input", "s3://b/*.gz", "--output", "o").objectStorage(), equalTo(ObjectStorage.defaults()));
  }

  @Test
  public void anS3CompatibleServerIsAnEndpointARegionAndPathStyle() {
    TracingConfig c = config("--input", "s3://audit/clusters/a/*.log.gz", "--output", "o",
        "--s3-endpoint", "http://127.0.0.1:9000", "--aws-region", "eu-west-1", "--s3-path-style",
        "--gcs-endpoint", "http://127.0.0.1:4443");
    assertThat(c.objectStorage(), equalTo(new ObjectStorage(URI.create("http://127.0.0.1:9000"), "eu-west-1", true,
        URI.create("http://127.0.0.1:4443"))));
    assertThat(c.inputs(), equalTo(List.of(new InputSpec("s3://audit/clusters/a/*.log.gz", ""))));
  }

  @Test
  public void defaultsAreThirtyMinuteWindowsTheDefaultClusterAndADayOfState() {
    TracingConfig c = config("--input", "a.log", "--output", "out");
    assertThat(c.window(), equalTo(Duration.standardMinutes(30)));
    assertThat(c.cluster(), equalTo("default"));
    assertThat(c.stateTtl(), equalTo(Duration.standardHours(24)));
    assertThat(c.maxOwnerDepth(), equalTo(10));
  }

  @Test
  public void anInputMayNameItsClusterButAPathWithAnAtSignStaysAPath() {
    TracingConfig c = config("--input", "eu/*.log@prod-eu", "--input", "logs/audit@2024.log", "--output", "out");
    assertThat(c.inputs(), equalTo(List.of(new InputSpec("eu/*.log", "prod-eu"), new InputSpec("logs/audit@2024.log", ""))));
  }

  @Test
  public void durationsComposeAndBadOnesSayWhichOption() {
    assertThat(config("--input", "a", "--output", "o", "--window", "1h30m").window(), equalTo(Duration.standardMinutes(90)));
    assertThat(config("--input", "a", "--output", "o", "--state-ttl", "2d").stateTtl(), equalTo(Duration.standardDays(2)));
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
        () -> config("--input", "a", "--output", "o", "--window", "30 minutes"));
    assertThat(e.getMessage(), containsString("--window takes a duration like 30m"));
  }

  @Test
  public void aWindowThatDoesNotDivideADayIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config("--input", "a", "--output", "o", "--window", "7m"));
    assertThat(e.getMessage(), containsString("--window must divide a day evenly"));
  }

  @Test
  public void outputIsThePathGiven() {
    assertThat(Path.of(config("--input", "a", "--output", "x/y").output()), equalTo(Path.of("x/y")));
  }

  private static Streams.StreamConfig stream(String... args) {
    Kelemetry.StreamCommand command = new Kelemetry.StreamCommand();
    new CommandLine(command).parseArgs(args);
    return command.streamConfig();
  }

  @Test
  public void streamDefaultsWaitAMinuteForStragglersAndCheckpointEveryThirtySeconds() {
    Streams.StreamConfig s = stream("--kafka-bootstrap", "k:9092", "--topic", "a", "--topic", "b", "--output", "o");
    assertThat(s.topics(), equalTo(List.of("a", "b")));
    assertThat(s.watermarkDelay(), equalTo(Duration.standardMinutes(1)));
    assertThat(s.allowedLateness(), equalTo(Duration.ZERO));
    assertThat(s.checkpointInterval(), equalTo(Duration.standardSeconds(30)));
    assertThat(s.consumerGroup(), equalTo("kelemetry"));
    assertThat(s.clusterRule(), equalTo(new Streams.ClusterRule("default", null, null)));
    assertThat(s.maxRecords(), equalTo(null));
  }

  @Test
  public void streamTakesOneClusterRuleAndRunsOnFlinkOrDataflow() {
    Streams.StreamConfig s = stream("--kafka-bootstrap", "k:9092", "--topic", "audit-prod", "--output", "o",
        "--cluster-from-topic", "^audit-(.+)$");
    assertThat(s.clusterRule().fromTopic().pattern(), equalTo("^audit-(.+)$"));
    CommandLine.ParameterException both = assertThrows(CommandLine.ParameterException.class, () -> stream(
        "--kafka-bootstrap", "k:9092", "--topic", "t", "--output", "o", "--cluster-from-topic", "x", "--cluster-header", "h"));
    assertThat(both.getMessage(), containsString("use one of --cluster-from-topic and --cluster-header"));
    CommandLine.ParameterException direct = assertThrows(CommandLine.ParameterException.class, () -> stream(
        "--kafka-bootstrap", "k:9092", "--topic", "t", "--output", "o", "--runner", "direct"));
    assertThat(direct.getMessage(), containsString("embedded Flink runner (--runner flink) or on Dataflow"));
  }

  @Test
  public void streamAllowsNoLatenessButNeedsCheckpoints() {
    assertThat(stream("--kafka-bootstrap", "k", "--topic", "t", "--output", "o", "--allowed-lateness", "2m")
        .allowedLateness(), equalTo(Duration.standardMinutes(2)));
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> stream(
        "--kafka-bootstrap", "k", "--topic", "t", "--output", "o", "--checkpoint-interval", "0s"));
    assertThat(e.getMessage(), containsString("--checkpoint-interval takes a duration"));
  }

  @Test
  public void aPubsubStreamReadsTheSubscriptionWithTheSameTimeOptions() {
    Streams.StreamConfig s = stream("--pubsub-subscription", "projects/gke-prod/subscriptions/k8s-audit", "--output", "o",
        "--watermark-delay", "2m");
    assertThat(s.isPubsub(), equalTo(true));
    assertThat(s.pubsubSubscription(), equalTo("projects/gke-prod/subscriptions/k8s-audit"));
    assertThat(s.sourceStep(), equalTo("ReadPubsubRecords"));
    assertThat(s.sourceDelay(), equalTo(Duration.standardMinutes(2)));
  }

  @Test
  public void aStreamReadsExactlyOneSourceAndKafkaOptionsDoNotApplyToPubsub() {
    CommandLine.ParameterException none = assertThrows(CommandLine.ParameterException.class, () -> stream("--output", "o"));
    assertThat(none.getMessage(), containsString("read exactly one source"));
    CommandLine.ParameterException both = assertThrows(CommandLine.ParameterException.class, () -> stream(
        "--kafka-bootstrap", "k:9092", "--topic", "t", "--pubsub-subscription", "projects/p-123456/subscriptions/s",
        "--output", "o"));
    assertThat(both.getMessage(), containsString("read exactly one source"));
    CommandLine.ParameterException kafkaOnly = assertThrows(CommandLine.ParameterException.class, () -> stream(
        "--pubsub-subscription", "projects/p-123456/subscriptions/s", "--output", "o", "--consumer-group", "g",
        "--max-records", "10"));
    assertThat(kafkaOnly.getMessage(), containsString("--consumer-group, --max-records only apply to Kafka"));
    CommandLine.ParameterException topicOnly = assertThrows(CommandLine.ParameterException.class, () -> stream(
        "--kafka-bootstrap", "k:9092", "--output", "o"));
    assertThat(topicOnly.getMessage(), containsString("at least one --topic"));
  }

  @Test
  public void kafkaAuthenticationAndPropertiesReachTheStreamAndTheirMistakesAreRefused() {
    Streams.StreamConfig google = stream("--kafka-bootstrap", "k:9092", "--topic", "t", "--output", "o",
        "--kafka-auth", "google", "--kafka-property", "client.id=kelemetry-prod");
    Map<String, String> expected = new java.util.LinkedHashMap<>(KafkaAuth.properties("google"));
    expected.put("client.id", "kelemetry-prod");
    assertThat(google.kafkaProperties(), equalTo(expected));
    // a property overrides the mode's setting of the same name
    Streams.StreamConfig plain = stream("--kafka-bootstrap", "k:9092", "--topic", "t", "--output", "o",
        "--kafka-property", "security.protocol=SSL");
    assertThat(plain.kafkaProperties(), equalTo(Map.of("security.protocol", "SSL")));
    CommandLine.ParameterException own = assertThrows(CommandLine.ParameterException.class, () -> stream(
        "--kafka-bootstrap", "k:9092", "--topic", "t", "--output", "o", "--kafka-property", "group.id=other"));
    assertThat(own.getMessage(), containsString("group.id is set by the stream's own options"));
    CommandLine.ParameterException unknown = assertThrows(CommandLine.ParameterException.class, () -> stream(
        "--kafka-bootstrap", "k:9092", "--topic", "t", "--output", "o", "--kafka-auth", "kerberos"));
    assertThat(unknown.getMessage(), containsString("one of [none, google]"));
    CommandLine.ParameterException pubsub = assertThrows(CommandLine.ParameterException.class, () -> stream(
        "--pubsub-subscription", "projects/p-123456/subscriptions/s", "--output", "o", "--kafka-auth", "google"));
    assertThat(pubsub.getMessage(), containsString("--kafka-auth only apply to Kafka"));
  }

  @Test
  public void aSubscriptionIsNamedByItsFullPath() {
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> stream(
        "--pubsub-subscription", "k8s-audit", "--output", "o"));
    assertThat(e.getMessage(), containsString("projects/<project>/subscriptions/<name>"));
  }

  private static Kelemetry.Backfill backfill(String... args) {
    Kelemetry.Backfill backfill = new Kelemetry.Backfill();
    new CommandLine(backfill).parseArgs(args);
    return backfill;
  }

  @Test
  public void aBackfillReadsFilesOrALogSinksBigQueryTablesOrBoth() {
    assertThat(backfill("--input", "a.log", "--output", "o").bigQuery(), equalTo(null));
    assertThat(backfill("--bigquery-table", "gke-prod-123:logs.events", "--since", "2026-01-01", "--until",
            "2026-02-01T00:00:00Z", "--bigquery-filter", "resource.labels.cluster_name = 'prod'", "--output", "o")
        .bigQuery().describe(), equalTo("BigQuery gke-prod-123:logs.events where"
            + " timestamp >= CAST('2026-01-01T00:00:00Z' AS TIMESTAMP) AND timestamp < CAST('2026-02-01T00:00:00Z' AS"
            + " TIMESTAMP) AND (resource.labels.cluster_name = 'prod') (Storage Read API)"));
    CommandLine.ParameterException none = assertThrows(CommandLine.ParameterException.class,
        () -> backfill("--output", "o").bigQuery());
    assertThat(none.getMessage(), containsString("--input (files), --bigquery-table (a log sink's tables) or --source"));
  }

  @Test
  public void bigQueryOptionsAreCheckedBeforeAnythingRuns() {
    assertThat(assertThrows(CommandLine.ParameterException.class, () -> backfill("--input", "a", "--output", "o",
        "--since", "2026-01-01").bigQuery()).getMessage(), containsString("apply to --bigquery-table only"));
    assertThat(assertThrows(CommandLine.ParameterException.class, () -> backfill("--bigquery-table",
        "gke-prod-123:logs.events", "--output", "o", "--since", "last month").bigQuery()).getMessage(),
        containsString("--since takes a time like 2026-01-01T00:00:00Z"));
    assertThat(assertThrows(CommandLine.ParameterException.class, () -> backfill("--bigquery-table",
        "logs.events", "--output", "o").bigQuery()).getMessage(), containsString("PROJECT:DATASET.TABLE"));
    assertThat(assertThrows(CommandLine.ParameterException.class, () -> backfill("--bigquery-table",
        "gke-prod-123:logs.events", "--output", "o", "--bigquery-method", "export").bigQuery()).getMessage(),
        containsString("needs --temp-location gs://"));
    assertThat(backfill("--bigquery-table", "gke-prod-123:logs.events", "--output", "o", "--bigquery-method", "export",
        "--temp-location", "gs://b/tmp").bigQuery().describe(), containsString("(export)"));
  }

  /** The output check of a parsed command, as its call() does first. */
  private static String outputError(Object command, Kelemetry.RunOptions run, java.nio.file.Path output) {
    return assertThrows(CommandLine.ParameterException.class,
        () -> Kelemetry.onDataflowWithoutLocalOutput(run, output, command)).getMessage();
  }

  @Test
  public void dataflowWritesBigQueryNotAnOutputDirectoryAndTakesRunnerOptions() {
    Kelemetry.Backfill backfill = new Kelemetry.Backfill();
    new CommandLine(backfill).parseArgs("--input", "gs://b/*", "--runner", "dataflow", "--bigquery-dataset", "p:d",
        "--runner-option", "project=p", "--runner-option", "region=europe-west1");
    assertThat(Kelemetry.onDataflowWithoutLocalOutput(backfill.run, backfill.output, backfill), equalTo(true));
    assertThat(backfill.run.runnerOptions, equalTo(List.of("project=p", "region=europe-west1")));
    var options = DataflowJobs.options(backfill.run.runnerOptions);
    assertThat(options.getProject() + " " + options.getRegion(), equalTo("p europe-west1"));

    Kelemetry.Backfill withOutput = new Kelemetry.Backfill();
    new CommandLine(withOutput).parseArgs("--input", "gs://b/*", "--runner", "dataflow", "--bigquery-dataset", "p:d",
        "--output", "o");
    assertThat(outputError(withOutput, withOutput.run, withOutput.output), containsString("not --output"));
    Kelemetry.Backfill noDataset = new Kelemetry.Backfill();
    new CommandLine(noDataset).parseArgs("--input", "gs://b/*", "--runner", "dataflow");
    assertThat(outputError(noDataset, noDataset.run, noDataset.output), containsString("needs --bigquery-dataset"));
    Kelemetry.Backfill local = new Kelemetry.Backfill();
    new CommandLine(local).parseArgs("--input", "a.log");
    assertThat(outputError(local, local.run, local.output), containsString("Missing required option: '--output"));
    Kelemetry.Backfill flinkWithRunnerOption = new Kelemetry.Backfill();
    new CommandLine(flinkWithRunnerOption).parseArgs("--input", "a.log", "--output", "o", "--runner-option", "region=x");
    assertThat(outputError(flinkWithRunnerOption, flinkWithRunnerOption.run, flinkWithRunnerOption.output),
        containsString("--runner-option is for --runner dataflow"));
    assertThat(assertThrows(IllegalArgumentException.class, () -> DataflowJobs.options(List.of("europe-west1")))
        .getMessage(), containsString("--runner-option takes KEY=VALUE"));
  }
}
