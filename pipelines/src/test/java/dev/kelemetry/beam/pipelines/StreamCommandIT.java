package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.io.bigquery.BigQueryTarget;
import dev.kelemetry.beam.io.otlp.OtlpOptions;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.testing.kafka.KafkaBroker;
import dev.kelemetry.beam.testing.otlp.OtlpReceiver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.io.gcp.testing.FakeBigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;
import org.apache.beam.sdk.io.gcp.testing.FakeJobService;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.joda.time.Duration;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code stream} against a real Kafka broker (KRaft, a child JVM) on the embedded Flink runner: the generated
 * deployment rollout produced into a topic gives exactly the span rows that {@code backfill} gives from the same file,
 * ids included. The only field that differs is {@code kelemetry.source}, which says where each record was read (a
 * file line in one, a topic, partition and offset in the other), so the comparison leaves it out.
 */
public class StreamCommandIT {
  @ClassRule public static final KafkaBroker KAFKA = new KafkaBroker();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  @ClassRule public static final OtlpReceiver OTLP = new OtlpReceiver();

  /**
   * Creates the topic and waits until every partition has a leader: a produce right after creation otherwise meets
   * NOT_LEADER_OR_FOLLOWER, and the idempotent producer's retries of it have ended in OUT_OF_ORDER_SEQUENCE_NUMBER
   * and lost records (seen once here: the bounded read then waited for them until the checkpoint timeout).
   */
  static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
          .stream().anyMatch(p -> p.leader() == null || p.leader().isEmpty())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("topic " + topic + " has a partition without a leader after 30 s");
        }
        Thread.sleep(100);
      }
    }
  }

  /** Sends every record and fails, naming the broker's error, unless each one was written. */
  static void produceAll(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records)
      throws Exception {
    List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new java.util.ArrayList<>();
    for (ProducerRecord<byte[], byte[]> record : records) {
      sent.add(producer.send(record));
    }
    producer.flush();
    for (var written : sent) {
      written.get(30, TimeUnit.SECONDS);
    }
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5),
        new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Span rows as JSON without the attribute that names where the record was read. */
  static List<String> comparable(List<SpanRow> spans) {
    return SpanComparison.withoutSource(spans);
  }

  @Test
  public void theRolloutProducedIntoKafkaGivesTheBackfillsSpanRows() throws Exception {
    Path log = TMP.getRoot().toPath().resolve("rollout.log");
    Kelemetry.generate("deployment-rollout", 1, 3, Instant.parse("2026-02-01T08:10:00Z"), log);
    List<String> lines = Files.readAllLines(log);
    TracingConfig batchConfig = TracingConfig.defaults(List.of(new InputSpec(log.toString(), "")),
        TMP.newFolder("batch").toString()).withCluster("prod");
    Kelemetry.Backfills.run(batchConfig, "flink", false);
    List<String> batch = comparable(SpanFiles.read(Path.of(batchConfig.output())));
    assertThat(batch.size(), greaterThan(300));

    createTopic(KAFKA.bootstrapServers(), "audit-prod", 2);
    try (KafkaProducer<byte[], byte[]> producer = producer(KAFKA.bootstrapServers())) {
      List<ProducerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        records.add(new ProducerRecord<>("audit-prod", i % 2, null, lines.get(i).getBytes(StandardCharsets.UTF_8)));
      }
      produceAll(producer, records);
    }

    TracingConfig streamConfig = TracingConfig.defaults(List.of(), TMP.newFolder("stream").toString());
    Streams.StreamConfig stream = new Streams.StreamConfig(KAFKA.bootstrapServers(), List.of("audit-prod"),
        new Streams.ClusterRule(null, java.util.regex.Pattern.compile("^audit-(.+)$"), null), "parity",
        Duration.standardMinutes(1), Duration.ZERO, Duration.standardSeconds(2), (long) lines.size());
    RunSummary summary = Streams.run(stream, streamConfig, false);

    assertThat(summary.get(dev.kelemetry.beam.transforms.Counters.RECORDS_READ), equalTo((long) lines.size()));
    assertThat(SpanFiles.readRows(Path.of(streamConfig.output(), "dead_letters"), DeadLetterRow.class), empty());
    List<String> streamed = comparable(SpanFiles.read(Path.of(streamConfig.output())));
    assertThat(streamed.size(), equalTo(batch.size()));
    assertThat(streamed, equalTo(batch));
  }

  /**
   * The stream's other sinks: the spans it writes to its directory also reach an OTLP receiver and the BigQuery
   * spans table (Beam's fake services), the same ids in all three.
   */
  @Test
  public void aStreamAlsoExportsOverOtlpAndWritesTheBigQueryTables() throws Exception {
    Path log = TMP.getRoot().toPath().resolve("sinks.log");
    Kelemetry.generate("deployment-rollout", 1, 4, Instant.parse("2026-02-01T09:10:00Z"), log);
    List<String> lines = Files.readAllLines(log);
    createTopic(KAFKA.bootstrapServers(), "audit-sinks", 1);
    try (KafkaProducer<byte[], byte[]> producer = producer(KAFKA.bootstrapServers())) {
      produceAll(producer, lines.stream()
          .map(line -> new ProducerRecord<byte[], byte[]>("audit-sinks", null, line.getBytes(StandardCharsets.UTF_8)))
          .toList());
    }
    FakeDatasetService.setUp();
    FakeDatasetService datasets = new FakeDatasetService();
    datasets.createDataset("kelemetry-test", "stream_traces", "", "", null);
    TracingConfig config = TracingConfig.defaults(List.of(), TMP.newFolder("sinks").toString())
        .withOtlp(OtlpOptions.of(OTLP.grpcEndpoint(), OtlpOptions.GRPC))
        .withBigQuery(BigQueryTarget.parse("kelemetry-test:stream_traces")
            .withServices(new FakeBigQueryServices().withDatasetService(datasets).withJobService(new FakeJobService())));
    Streams.StreamConfig stream = new Streams.StreamConfig(KAFKA.bootstrapServers(), List.of("audit-sinks"),
        new Streams.ClusterRule("sinks", null, null), "sinks", Duration.standardMinutes(1), Duration.ZERO,
        Duration.standardSeconds(2), (long) lines.size());
    Streams.run(stream, config, false);

    List<String> written = SpanFiles.read(Path.of(config.output())).stream().map(SpanRow::spanId).sorted().toList();
    assertThat(written.size(), greaterThan(300));
    assertThat(OTLP.spans().stream().map(OtlpReceiver.ReceivedSpan::spanId).sorted().toList(), equalTo(written));
    assertThat(datasets.getAllRows("kelemetry-test", "stream_traces", "spans").stream()
        .map(r -> (String) r.get("span_id")).sorted().toList(), equalTo(written));
  }

  @Test
  public void aTopicThatDoesNotExistIsAClearErrorBeforeAnyJobStarts() throws Exception {
    createTopic(KAFKA.bootstrapServers(), "audit-other", 1);
    Streams.StreamConfig stream = new Streams.StreamConfig(KAFKA.bootstrapServers(), List.of("audit-typo"),
        new Streams.ClusterRule("c", null, null), "g", Duration.standardMinutes(1), Duration.ZERO,
        Duration.standardSeconds(30), null);
    IllegalArgumentException e = org.junit.Assert.assertThrows(IllegalArgumentException.class,
        () -> Streams.run(stream, TracingConfig.defaults(List.of(), TMP.newFolder("typo").toString()), false));
    assertThat(e.getMessage(), org.hamcrest.Matchers.containsString("no topic audit-typo at "));
    assertThat(e.getMessage(), org.hamcrest.Matchers.containsString("audit-other"));
  }
}
