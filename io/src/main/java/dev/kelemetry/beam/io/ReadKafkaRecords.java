package dev.kelemetry.beam.io;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.joda.time.Duration;

/**
 * Reads audit-log messages from Kafka topics into raw records, with the same outputs as {@link ReadAuditFiles}:
 * {@link ReadAuditFiles#RECORDS} and {@link ReadAuditFiles#DEAD_LETTERS}.
 *
 * <p>Each message value (read as bytes, decoded as UTF-8 with malformed bytes replaced by U+FFFD) becomes one
 * {@link RawRecord} with source {@code kafka://<topic>/<partition>}, line = the message's offset, and the cluster
 * named by exactly one rule: {@link #withCluster} (fixed), {@link #withClusterFromTopic} (the first capture group of a
 * pattern found in the topic name, or the whole match if it has no group) or {@link #withClusterFromHeader}. A message
 * that cannot be used (null or empty value, no cluster header, a topic the pattern does not match) becomes a dead
 * letter with the reason; nothing is dropped silently.
 *
 * <p><b>Timestamps and watermark</b> ({@link #withEventTime}): per partition, the watermark is the newest event time
 * seen in the partition minus the watermark delay, advancing to (time of the last backlog check - delay) while the
 * partition is caught up, never backwards. <b>Each element's timestamp is the partition's watermark at the moment
 * its message is read, before that message updates the newest event time</b>; the parser re-stamps each event with
 * its own event time and calls it late exactly when that is before the element timestamp. The watermark state is
 * part of KafkaIO's checkpoint, and a restored job resumes from it. See {@link KafkaEventTimePolicy}. Without
 * {@code withEventTime}, no message carries an event time: the watermark stays at the beginning of time until a
 * partition is caught up and then follows the wall clock.
 *
 * <p>With {@link #withConsumerGroup}, offsets are committed to Kafka when a checkpoint is finalized, so a new job
 * without restored state resumes after the last committed checkpoint; a group with no committed offsets starts
 * from the earliest retained message.
 */
public final class ReadKafkaRecords extends PTransform<PBegin, PCollectionTuple> {
  private static final String STEP = "ReadKafkaRecords";

  private final String bootstrapServers;
  private final List<String> topics;
  private final ClusterRule cluster;
  private final String consumerGroup;
  private final Long maxRecords;
  private final SerializableFunction<String, Long> latestEventMicros;
  private final Duration watermarkDelay;
  private final Map<String, String> consumerProperties;

  private ReadKafkaRecords(String bootstrapServers, List<String> topics, ClusterRule cluster, String consumerGroup,
      Long maxRecords, SerializableFunction<String, Long> latestEventMicros, Duration watermarkDelay,
      Map<String, String> consumerProperties) {
    this.bootstrapServers = bootstrapServers;
    this.topics = topics;
    this.cluster = cluster;
    this.consumerGroup = consumerGroup;
    this.maxRecords = maxRecords;
    this.latestEventMicros = latestEventMicros;
    this.watermarkDelay = watermarkDelay;
    this.consumerProperties = consumerProperties;
  }

  /** Reads these topics from the brokers at {@code bootstrapServers} ({@code host:port,...}). */
  public static ReadKafkaRecords from(String bootstrapServers, List<String> topics) {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrapServers is required (host:port[,host:port...])");
    }
    if (topics == null || topics.isEmpty() || topics.stream().anyMatch(t -> t == null || t.isBlank())) {
      throw new IllegalArgumentException("at least one topic is required, and no blank topic names: " + topics);
    }
    return new ReadKafkaRecords(bootstrapServers, List.copyOf(topics), null, null, null, text -> null, Duration.ZERO,
        Map.of());
  }

  /** Every message belongs to this cluster. */
  public ReadKafkaRecords withCluster(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("the cluster name must not be blank");
    }
    return withRule(new ClusterRule(ClusterRule.Kind.FIXED, name, null));
  }

  /**
   * The cluster is found in the topic name: the first capture group of {@code pattern} (or the whole match if it has
   * no group), searched anywhere in the name; anchor it ({@code ^audit-(.+)$}) to match whole names.
   */
  public ReadKafkaRecords withClusterFromTopic(Pattern pattern) {
    if (pattern == null) {
      throw new IllegalArgumentException("the topic pattern is required");
    }
    return withRule(new ClusterRule(ClusterRule.Kind.TOPIC, null, pattern));
  }

  /** The cluster is the UTF-8 value of this message header (the last one, if repeated). */
  public ReadKafkaRecords withClusterFromHeader(String headerName) {
    if (headerName == null || headerName.isBlank()) {
      throw new IllegalArgumentException("the header name must not be blank");
    }
    return withRule(new ClusterRule(ClusterRule.Kind.HEADER, headerName, null));
  }

  /** Consume as this group and commit offsets when each checkpoint is finalized. */
  public ReadKafkaRecords withConsumerGroup(String groupId) {
    if (groupId == null || groupId.isBlank()) {
      throw new IllegalArgumentException("the consumer group id must not be blank");
    }
    return new ReadKafkaRecords(bootstrapServers, topics, cluster, groupId, maxRecords, latestEventMicros,
        watermarkDelay, consumerProperties);
  }

  /** Consumer settings this transform decides itself; {@link #withConsumerProperties} refuses them. */
  static final java.util.Set<String> OWN_SETTINGS = java.util.Set.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
      ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
      ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);

  /**
   * More Kafka consumer settings, such as a secured cluster's {@code security.protocol} and {@code sasl.*}, added to
   * the ones this transform sets; {@code auto.offset.reset} may be changed this way, the brokers, group, commits and
   * deserializers may not (their own options say them).
   */
  public ReadKafkaRecords withConsumerProperties(Map<String, String> properties) {
    checkConsumerProperties(properties);
    return new ReadKafkaRecords(bootstrapServers, topics, cluster, consumerGroup, maxRecords, latestEventMicros,
        watermarkDelay, Map.copyOf(properties));
  }

  /** Refuses, naming it, a setting {@link #withConsumerProperties} may not change. */
  public static void checkConsumerProperties(Map<String, String> properties) {
    for (String key : properties.keySet()) {
      if (OWN_SETTINGS.contains(key)) {
        throw new IllegalArgumentException("the Kafka consumer setting " + key + " is set by the stream's own options,"
            + " not as a property");
      }
    }
  }

  /** Stop after this many messages (a bounded read, for tests and benchmarks). */
  public ReadKafkaRecords withMaxRecords(long max) {
    if (max <= 0) {
      throw new IllegalArgumentException("maxRecords must be positive, got " + max);
    }
    return new ReadKafkaRecords(bootstrapServers, topics, cluster, consumerGroup, max, latestEventMicros,
        watermarkDelay, consumerProperties);
  }

  /**
   * Event time: {@code latestEventMicros} gives the newest event time in a message's text (epoch microseconds), or
   * null if it has none; the watermark trails the newest event time seen by {@code watermarkDelay}.
   */
  public ReadKafkaRecords withEventTime(SerializableFunction<String, Long> latestEventMicros, Duration watermarkDelay) {
    if (latestEventMicros == null) {
      throw new IllegalArgumentException("latestEventMicros is required");
    }
    if (watermarkDelay == null || watermarkDelay.isShorterThan(Duration.ZERO)) {
      throw new IllegalArgumentException("watermarkDelay must be zero or positive, got " + watermarkDelay);
    }
    return new ReadKafkaRecords(bootstrapServers, topics, cluster, consumerGroup, maxRecords, latestEventMicros,
        watermarkDelay, consumerProperties);
  }

  private ReadKafkaRecords withRule(ClusterRule rule) {
    if (cluster != null) {
      throw new IllegalStateException("the cluster is already set (" + cluster
          + "): use exactly one of withCluster, withClusterFromTopic, withClusterFromHeader");
    }
    return new ReadKafkaRecords(bootstrapServers, topics, rule, consumerGroup, maxRecords, latestEventMicros,
        watermarkDelay, consumerProperties);
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    if (cluster == null) {
      throw new IllegalStateException(
          "ReadKafkaRecords needs a cluster: withCluster, withClusterFromTopic or withClusterFromHeader");
    }
    Map<String, Object> consumer = new HashMap<>();
    // A group (or a job) with no committed offsets reads the retained backlog instead of skipping it.
    consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaIO.Read<byte[], byte[]> read = KafkaIO.<byte[], byte[]>read()
        .withBootstrapServers(bootstrapServers)
        .withTopics(topics)
        .withKeyDeserializer(ByteArrayDeserializer.class)
        .withValueDeserializer(ByteArrayDeserializer.class)
        .withTimestampPolicyFactory(new KafkaEventTimePolicy.Factory(latestEventMicros, watermarkDelay));
    if (consumerGroup != null) {
      consumer.put(ConsumerConfig.GROUP_ID_CONFIG, consumerGroup);
      read = read.commitOffsetsInFinalize();
    }
    consumer.putAll(consumerProperties);
    read = read.withConsumerConfigUpdates(consumer);
    if (maxRecords != null) {
      read = read.withMaxNumRecords(maxRecords);
    }
    PCollection<KafkaRecord<byte[], byte[]>> messages = begin.apply("ReadMessages", read);
    PCollectionTuple split = messages.apply("ToRawRecords", ParDo.of(new ToRawRecordFn(cluster))
        .withOutputTags(ReadAuditFiles.RECORDS, TupleTagList.of(ReadAuditFiles.DEAD_LETTERS)));
    split.get(ReadAuditFiles.RECORDS).setCoder(RecordCoders.raw());
    split.get(ReadAuditFiles.DEAD_LETTERS).setCoder(JsonCoder.of(DeadLetterRow.class));
    return split;
  }

  /** How a message's cluster is found. */
  record ClusterRule(Kind kind, String name, Pattern pattern) implements Serializable {
    enum Kind { FIXED, TOPIC, HEADER }

    /** The cluster for this message, or null with {@code why} filled in. */
    String resolve(KafkaRecord<byte[], byte[]> message, StringBuilder why) {
      switch (kind) {
        case FIXED:
          return name;
        case TOPIC: {
          Matcher m = pattern.matcher(message.getTopic());
          if (!m.find()) {
            why.append("topic '").append(message.getTopic()).append("' does not match the cluster pattern '")
                .append(pattern.pattern()).append("'");
            return null;
          }
          String found = m.groupCount() >= 1 ? m.group(1) : m.group();
          if (found == null || found.isEmpty()) {
            why.append("the cluster pattern '").append(pattern.pattern()).append("' found no cluster in topic '")
                .append(message.getTopic()).append("'");
            return null;
          }
          return found;
        }
        case HEADER: {
          Header header = message.getHeaders() == null ? null : message.getHeaders().lastHeader(name);
          String value = header == null || header.value() == null ? "" : decode(header.value()).strip();
          if (value.isEmpty()) {
            why.append(header == null ? "no '" + name + "' header naming the cluster"
                : "the '" + name + "' header naming the cluster is empty");
            return null;
          }
          return value;
        }
        default:
          throw new AssertionError(kind);
      }
    }

    @Override
    public String toString() {
      return switch (kind) {
        case FIXED -> "withCluster(" + name + ")";
        case TOPIC -> "withClusterFromTopic(" + pattern + ")";
        case HEADER -> "withClusterFromHeader(" + name + ")";
      };
    }
  }

  /** UTF-8, with malformed or unmappable bytes replaced by U+FFFD rather than failing the message. */
  static String decode(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("a replacing decoder cannot fail", e);
    }
  }

  static final class ToRawRecordFn extends DoFn<KafkaRecord<byte[], byte[]>, RawRecord> {
    private final ClusterRule cluster;
    private final Counter items = Metrics.counter(Counters.NAMESPACE, Counters.INPUT_ITEMS);
    private final Counter read = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_READ);
    private final Counter deadLettered = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_DEAD_LETTERED);

    ToRawRecordFn(ClusterRule cluster) {
      this.cluster = cluster;
    }

    @ProcessElement
    public void process(@Element KafkaRecord<byte[], byte[]> message, MultiOutputReceiver out) {
      String source = "kafka://" + message.getTopic() + "/" + message.getPartition();
      long offset = message.getOffset();
      byte[] value = message.getKV().getValue();
      String text = value == null ? "" : decode(value);
      String reason = null;
      String name = null;
      if (value == null) {
        reason = "message without a value (null, e.g. a tombstone)";
      } else if (text.isBlank()) {
        reason = "empty message";
      } else {
        StringBuilder why = new StringBuilder();
        name = cluster.resolve(message, why);
        if (name == null) {
          reason = why.toString();
        }
      }
      if (reason != null) {
        read.inc();
        deadLettered.inc();
        out.get(ReadAuditFiles.DEAD_LETTERS).output(DeadLetterRow.of(source, offset, STEP, reason, text));
        return;
      }
      items.inc();
      out.get(ReadAuditFiles.RECORDS).output(new RawRecord(source, offset, text, name));
    }
  }
}
