package dev.kelemetry.beam.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertThrows;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.Rule;
import org.junit.Test;

/** Cluster resolution, decoding and dead letters of {@link ReadKafkaRecords}, on the DirectRunner without a broker. */
public class ReadKafkaRecordsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final String EVENT = "{\"kind\":\"Event\",\"auditID\":\"a\"}";

  private static KafkaRecord<byte[], byte[]> message(String topic, int partition, long offset, byte[] value,
      String... headers) {
    RecordHeaders h = new RecordHeaders();
    for (int i = 0; i < headers.length; i += 2) {
      h.add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return new KafkaRecord<>(topic, partition, offset, 0L, KafkaTimestampType.CREATE_TIME, h, null, value);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private PCollectionTuple convert(ReadKafkaRecords.ClusterRule rule, List<KafkaRecord<byte[], byte[]>> messages) {
    return pipeline
        .apply(Create.of(messages).withCoder(KafkaRecordCoder.of(
            NullableCoder.of(ByteArrayCoder.of()), NullableCoder.of(ByteArrayCoder.of()))))
        .apply(ParDo.of(new ReadKafkaRecords.ToRawRecordFn(rule))
            .withOutputTags(ReadAuditFiles.RECORDS, TupleTagList.of(ReadAuditFiles.DEAD_LETTERS)));
  }

  private static SerializableFunction<Iterable<DeadLetterRow>, Void> reasons(String... expected) {
    return rows -> {
      List<DeadLetterRow> all = new java.util.ArrayList<>();
      rows.forEach(all::add);
      assertThat(all.size(), org.hamcrest.Matchers.equalTo(expected.length));
      for (String e : expected) {
        assertThat(e, all.stream().anyMatch(r -> r.reason().contains(e)), org.hamcrest.Matchers.is(true));
      }
      return null;
    };
  }

  @Test
  public void aFixedClusterNamesEveryMessageWithTopicPartitionAndOffsetAsItsPlace() {
    PCollectionTuple out = convert(new ReadKafkaRecords.ClusterRule(ReadKafkaRecords.ClusterRule.Kind.FIXED, "prod", null),
        List.of(message("audit", 0, 7, utf8(EVENT)), message("audit", 1, 3, utf8(EVENT))));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(
        new RawRecord("kafka://audit/0", 7, EVENT, "prod"), new RawRecord("kafka://audit/1", 3, EVENT, "prod"));
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)).empty();
    pipeline.run();
  }

  @Test
  public void theTopicPatternsFirstGroupNamesTheClusterAndAnUnmatchedTopicIsADeadLetter() {
    PCollectionTuple out = convert(
        new ReadKafkaRecords.ClusterRule(ReadKafkaRecords.ClusterRule.Kind.TOPIC, null, Pattern.compile("^audit-(.+)$")),
        List.of(message("audit-eu", 0, 1, utf8(EVENT)), message("events", 0, 2, utf8(EVENT))));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(new RawRecord("kafka://audit-eu/0", 1, EVENT, "eu"));
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)).containsInAnyOrder(DeadLetterRow.of("kafka://events/0", 2,
        "ReadKafkaRecords", "topic 'events' does not match the cluster pattern '^audit-(.+)$'", EVENT));
    pipeline.run();
  }

  @Test
  public void aPatternWithoutGroupNamesTheClusterByItsWholeMatch() {
    PCollectionTuple out = convert(
        new ReadKafkaRecords.ClusterRule(ReadKafkaRecords.ClusterRule.Kind.TOPIC, null, Pattern.compile("[a-z]+$")),
        List.of(message("audit.prod", 0, 1, utf8(EVENT))));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(new RawRecord("kafka://audit.prod/0", 1, EVENT, "prod"));
    pipeline.run();
  }

  @Test
  public void theHeaderNamesTheClusterAndAMissingOrEmptyHeaderIsADeadLetter() {
    PCollectionTuple out = convert(
        new ReadKafkaRecords.ClusterRule(ReadKafkaRecords.ClusterRule.Kind.HEADER, "k8s-cluster", null),
        List.of(message("audit", 0, 1, utf8(EVENT), "k8s-cluster", "old", "k8s-cluster", "prod"),
            message("audit", 0, 2, utf8(EVENT), "other", "x"),
            message("audit", 0, 3, utf8(EVENT), "k8s-cluster", " ")));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(new RawRecord("kafka://audit/0", 1, EVENT, "prod"));
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)).satisfies(reasons(
        "no 'k8s-cluster' header naming the cluster", "the 'k8s-cluster' header naming the cluster is empty"));
    pipeline.run();
  }

  @Test
  public void nullAndEmptyValuesAreDeadLettersAndBadBytesSpoilOnlyThemselves() {
    byte[] latin1 = "{\"user\":\"Ren\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
    PCollectionTuple out = convert(new ReadKafkaRecords.ClusterRule(ReadKafkaRecords.ClusterRule.Kind.FIXED, "prod", null),
        List.of(message("audit", 0, 1, null), message("audit", 0, 2, new byte[0]), message("audit", 0, 3, latin1)));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(
        new RawRecord("kafka://audit/0", 3, "{\"user\":\"Ren\uFFFD\"}", "prod"));
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)).satisfies(reasons("without a value", "empty message"));
    pipeline.run();
  }

  @Test
  public void theClusterRuleIsRequiredAndExactlyOne() {
    ReadKafkaRecords read = ReadKafkaRecords.from("127.0.0.1:9092", List.of("audit"));
    IllegalStateException twice = assertThrows(IllegalStateException.class,
        () -> read.withCluster("a").withClusterFromHeader("cluster"));
    assertThat(twice.getMessage(), containsString("exactly one"));
    IllegalStateException none = assertThrows(IllegalStateException.class, () -> TestPipeline.create().apply(read));
    assertThat(none.getMessage(), containsString("needs a cluster"));
    assertThrows(IllegalArgumentException.class, () -> ReadKafkaRecords.from(" ", List.of("audit")));
    assertThrows(IllegalArgumentException.class, () -> ReadKafkaRecords.from("h:1", List.of()));
    assertThrows(IllegalArgumentException.class, () -> read.withMaxRecords(0));
    assertThrows(IllegalArgumentException.class, () -> read.withEventTime(t -> null, org.joda.time.Duration.millis(-1)));
    pipeline.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void consumerPropertiesReachKafkaIoAndTheOnesItDecidesAreRefused() {
    org.apache.beam.sdk.Pipeline graph = org.apache.beam.sdk.Pipeline.create();
    graph.apply(ReadKafkaRecords.from("k:9092", List.of("audit")).withCluster("prod").withConsumerGroup("g")
        .withConsumerProperties(java.util.Map.of("security.protocol", "SASL_SSL", "auto.offset.reset", "latest")));
    java.util.List<java.util.Map<String, Object>> configs = new java.util.ArrayList<>();
    graph.traverseTopologically(new org.apache.beam.sdk.Pipeline.PipelineVisitor.Defaults() {
      @Override
      public CompositeBehavior enterCompositeTransform(org.apache.beam.sdk.runners.TransformHierarchy.Node node) {
        if (node.getTransform() instanceof org.apache.beam.sdk.io.kafka.KafkaIO.Read<?, ?> read) {
          configs.add(read.getConsumerConfig());
        }
        return CompositeBehavior.ENTER_TRANSFORM;
      }
    });
    assertThat(configs.size(), org.hamcrest.Matchers.equalTo(1));
    assertThat(configs.get(0), org.hamcrest.Matchers.hasEntry("security.protocol", (Object) "SASL_SSL"));
    // an offset reset may be chosen; the group, commits and deserializers stay the transform's
    assertThat(configs.get(0), org.hamcrest.Matchers.hasEntry("auto.offset.reset", (Object) "latest"));
    assertThat(configs.get(0), org.hamcrest.Matchers.hasEntry("group.id", (Object) "g"));
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> ReadKafkaRecords.from("k:9092", List.of("audit")).withConsumerProperties(
            java.util.Map.of("enable.auto.commit", "true")));
    assertThat(refused.getMessage(), containsString("enable.auto.commit is set by the stream's own options"));
  }
}
