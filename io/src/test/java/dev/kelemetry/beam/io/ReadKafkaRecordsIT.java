package dev.kelemetry.beam.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.testing.kafka.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.joda.time.Duration;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;

/** {@link ReadKafkaRecords} against a real broker (KRaft, child JVM) through KafkaIO and kafka-clients 3.9.1. */
public class ReadKafkaRecordsIT {
  @ClassRule public static final KafkaBroker KAFKA = new KafkaBroker();
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final String HEADER = "k8s-cluster";

  private static void createTopic(String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static String event(int i) {
    return "{\"kind\":\"Event\",\"auditID\":\"id-" + i + "\",\"stageTimestamp\":\"" + (1_700_000_000_000L + i) + "\"}";
  }

  @Test
  public void everyMessageOfBothPartitionsArrivesOnceWithItsPlaceAndClusterBadOnesAsDeadLettersAndTheGroupCommits() throws Exception {
    String topic = "audit-headers";
    createTopic(topic, 2);
    List<RawRecord> expected = new ArrayList<>();
    List<String> expectedDead = new ArrayList<>();
    int n = 0;
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < 40; i++, n++) {
        int partition = i % 2;
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, partition, null, event(i).getBytes(StandardCharsets.UTF_8));
        r.headers().add(HEADER, (i < 20 ? "prod-eu" : "prod-us").getBytes(StandardCharsets.UTF_8));
        RecordMetadata m = producer.send(r).get();
        expected.add(new RawRecord("kafka://" + topic + "/" + partition, m.offset(), event(i), i < 20 ? "prod-eu" : "prod-us"));
      }
      RecordMetadata noHeader = producer.send(new ProducerRecord<>(topic, 0, null, event(99).getBytes(StandardCharsets.UTF_8))).get();
      expectedDead.add("kafka://" + topic + "/0@" + noHeader.offset() + ": no 'k8s-cluster' header naming the cluster");
      ProducerRecord<byte[], byte[]> tombstone = new ProducerRecord<>(topic, 1, null, null);
      tombstone.headers().add(HEADER, "prod-eu".getBytes(StandardCharsets.UTF_8));
      RecordMetadata nullValue = producer.send(tombstone).get();
      expectedDead.add("kafka://" + topic + "/1@" + nullValue.offset() + ": message without a value (null, e.g. a tombstone)");
      ProducerRecord<byte[], byte[]> empty = new ProducerRecord<>(topic, 1, null, new byte[0]);
      empty.headers().add(HEADER, "prod-eu".getBytes(StandardCharsets.UTF_8));
      RecordMetadata emptyValue = producer.send(empty).get();
      expectedDead.add("kafka://" + topic + "/1@" + emptyValue.offset() + ": empty message");
      n += 3;
    }

    PCollectionTuple out = pipeline.apply(ReadKafkaRecords.from(KAFKA.bootstrapServers(), List.of(topic))
        .withClusterFromHeader(HEADER)
        .withConsumerGroup("it-headers")
        .withEventTime(ReadKafkaRecordsIT::stageMicros, Duration.standardSeconds(5))
        .withMaxRecords(n));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(expected);
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)
            .apply(org.apache.beam.sdk.transforms.MapElements.into(org.apache.beam.sdk.values.TypeDescriptors.strings())
                .via((DeadLetterRow d) -> d.source() + "@" + d.line() + ": " + d.reason())))
        .containsInAnyOrder(expectedDead);
    pipeline.run().waitUntilFinish();
    // The group's offsets were committed as the read finalized its checkpoints: a restart resumes after them.
    long deadline = System.currentTimeMillis() + 15_000;
    while (committed("it-headers", topic, 2) < n && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    assertThat(committed("it-headers", topic, 2), equalTo((long) n));
  }

  @Test
  public void theClusterComesFromEachTopicsNameAndOtherTopicsAreDeadLetters() throws Exception {
    createTopic("audit-eu", 1);
    createTopic("audit-us", 1);
    createTopic("events-x", 1);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (String topic : List.of("audit-eu", "audit-us", "events-x")) {
        producer.send(new ProducerRecord<>(topic, event(1).getBytes(StandardCharsets.UTF_8))).get();
      }
    }
    PCollectionTuple out = pipeline.apply(ReadKafkaRecords.from(KAFKA.bootstrapServers(),
            List.of("audit-eu", "audit-us", "events-x"))
        .withClusterFromTopic(Pattern.compile("^audit-(.+)$"))
        .withMaxRecords(3));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(
        new RawRecord("kafka://audit-eu/0", 0, event(1), "eu"), new RawRecord("kafka://audit-us/0", 0, event(1), "us"));
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)).containsInAnyOrder(DeadLetterRow.of("kafka://events-x/0", 0,
        "ReadKafkaRecords", "topic 'events-x' does not match the cluster pattern '^audit-(.+)$'", event(1)));
    pipeline.run().waitUntilFinish();
  }

  /** The event time this test's messages carry, as a parser-side function would extract it. */
  static Long stageMicros(String text) {
    java.util.regex.Matcher m = Pattern.compile("\"stageTimestamp\":\"(\\d+)\"").matcher(text);
    return m.find() ? Long.parseLong(m.group(1)) * 1000 : null;
  }

  static long committed(String group, String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      long sum = 0;
      for (int p = 0; p < partitions; p++) {
        OffsetAndMetadata o = offsets.get(new TopicPartition(topic, p));
        sum += o == null ? 0 : o.offset();
      }
      return sum;
    }
  }
}
