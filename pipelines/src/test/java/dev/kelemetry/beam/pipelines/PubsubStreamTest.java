package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import com.google.api.client.util.Clock;
import com.google.protobuf.ByteString;
import com.google.protobuf.util.Timestamps;
import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.io.ReadPubsubRecords;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubClient;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubClient.IncomingMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesAndMessageIdCoder;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubTestClient;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubTestClient.PubsubTestClientFactory;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code stream --pubsub-subscription}: GKE LogEntries published to a subscription (no Pub/Sub service: Beam's
 * {@link PubsubTestClient} behind PubsubIO on Flink, a TestStream of its messages on the DirectRunner) give the span
 * rows a backfill of the same entries as a file gives, ids included (only {@code kelemetry.source}, where a record was read, differs). The entries are KHI's real
 * GKE audit and events entries from ../shared and the generated deployment rollout dressed as GKE audit entries; each
 * is published two seconds after its own time, in time order, as a log sink does.
 */
public class PubsubStreamTest {
  static final String SUBSCRIPTION = "projects/gke-prod-123/subscriptions/k8s-audit";
  /** The test client's and the reader's clock: the pulls happen at this time. */
  static final Clock CLOCK = (Clock & Serializable) () -> Instant.parse("2026-02-01T09:00:00Z").toEpochMilli();

  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  static List<String> entries;
  static List<String> batch;

  @BeforeClass
  public static void backfillTheEntriesAsAFile() throws Exception {
    entries = GkeLogEntries.sample(SharedData.real(), TMP.getRoot().toPath(), "gke-prod-123");
    Path file = TMP.getRoot().toPath().resolve("gke-entries.json");
    Files.write(file, entries);
    TracingConfig config = TracingConfig.defaults(List.of(new InputSpec(file.toString(), "")),
        TMP.newFolder("batch").toString());
    Kelemetry.Backfills.run(config, "direct", false);
    batch = StreamCommandIT.comparable(SpanFiles.read(Path.of(config.output())));
    assertThat(batch.size(), greaterThan(100));
  }

  /** The entries as Pub/Sub delivers them from a log sink: data = the LogEntry, published two seconds after it. */
  static List<IncomingMessage> published(List<String> entries) {
    List<IncomingMessage> messages = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      long publishedAt = GkeLogEntries.entryTime(entries.get(i)).toEpochMilli() + 2000;
      com.google.pubsub.v1.PubsubMessage message = com.google.pubsub.v1.PubsubMessage.newBuilder()
          .setData(ByteString.copyFromUtf8(entries.get(i)))
          .setMessageId(Long.toString(1000 + i))
          .setPublishTime(Timestamps.fromMillis(publishedAt))
          .build();
      messages.add(IncomingMessage.of(message, publishedAt, 0, "ack-" + i, "record-" + i));
    }
    return messages;
  }

  /** PubsubIO reading the subscription through {@code factory}, as {@code stream} configures it. */
  static PTransform<PBegin, PCollection<PubsubMessage>> pubsubRead(PubsubTestClientFactory factory) {
    return factory.setClock(ReadPubsubRecords.pubsubRead(SUBSCRIPTION).withClientFactory(factory), CLOCK);
  }

  static PubsubTestClientFactory subscriptionWith(List<IncomingMessage> messages) {
    return new AcksLikePubsub(PubsubTestClient.createFactoryForPull(CLOCK,
        PubsubClient.subscriptionPathFromPath(SUBSCRIPTION), 60, messages));
  }

  /**
   * Beam's PubsubTestClient, except that acknowledging a message already acknowledged is ignored, as Pub/Sub ignores
   * it. When its input ends, the Flink runner's source reader can finalize a checkpoint whose messages were already
   * acknowledged (seen here: a second ack of one ack id as the source finished), which the test client, stricter than
   * the service, fails the job for. Closing it still checks that every message was pulled and acknowledged.
   */
  static final class AcksLikePubsub implements PubsubTestClientFactory {
    private static final java.util.Set<String> ACKED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final PubsubTestClientFactory beams;

    AcksLikePubsub(PubsubTestClientFactory beams) {
      this.beams = beams;
      ACKED.clear();
    }

    @Override
    public PubsubClient newClient(String timestampAttribute, String idAttribute,
        org.apache.beam.sdk.io.gcp.pubsub.PubsubOptions options) {
      return new PubsubTestClient() {
        @Override
        public void acknowledge(PubsubClient.SubscriptionPath subscription, List<String> ackIds)
            throws java.io.IOException {
          List<String> first = ackIds.stream().filter(ACKED::add).toList();
          if (!first.isEmpty()) {
            super.acknowledge(subscription, first);
          }
        }
      };
    }

    @Override
    public PubsubClient newClient(String timestampAttribute, String idAttribute,
        org.apache.beam.sdk.io.gcp.pubsub.PubsubOptions options, String rootUrlOverride) {
      return newClient(timestampAttribute, idAttribute, options);
    }

    @Override
    public String getKind() {
      return beams.getKind();
    }

    @Override
    public void close() throws java.io.IOException {
      beams.close();
    }
  }

  /**
   * On the DirectRunner: the same messages as a TestStream in place of PubsubIO, each stamped with its publish time
   * and PubsubIO's watermark following the publish times, as PubsubIO hands them on. (Beam's PubsubTestClient is
   * strict about acknowledgements in a way the DirectRunner's reader restarts trip over: it gives a redelivered message
   * the same ack id and fails on a second ack of it, where Pub/Sub issues a new one; so PubsubIO itself runs on Flink,
   * below.)
   */
  /** The messages in {@code order} (indexes into the entries) as PubsubIO hands them on, for a DirectRunner stream. */
  private static TestStream<PubsubMessage> asPubsubIOHandsThemOn(List<Integer> order) {
    List<IncomingMessage> messages = published(entries);
    TestStream.Builder<PubsubMessage> published = TestStream.create(PubsubMessageWithAttributesAndMessageIdCoder.of());
    org.joda.time.Instant watermark = org.apache.beam.sdk.transforms.windowing.BoundedWindow.TIMESTAMP_MIN_VALUE;
    for (int i : order) {
      IncomingMessage m = messages.get(i);
      org.joda.time.Instant at = new org.joda.time.Instant(m.timestampMsSinceEpoch());
      published = published.addElements(TimestampedValue.of(new PubsubMessage(m.message().getData().toByteArray(),
          Map.of(), m.message().getMessageId()), at));
      if (at.isAfter(watermark)) {
        watermark = at;
        published = published.advanceWatermarkTo(at);
      }
    }
    return published.advanceWatermarkToInfinity();
  }

  /** The tracing graph over the stream's Pub/Sub source reading {@code messages}, on the streaming DirectRunner. */
  private static TracingPipeline.Outputs streamOnTheDirectRunner(Pipeline pipeline, TestStream<PubsubMessage> messages)
      throws java.io.IOException {
    Streams.StreamConfig stream = Streams.StreamConfig.pubsub(SUBSCRIPTION, Duration.standardMinutes(1), Duration.ZERO,
        Duration.standardSeconds(30));
    ReadPubsubRecords source = ((ReadPubsubRecords) Streams.source(stream)).withMessages(messages);
    TracingConfig config = TracingConfig.defaults(List.of(), TMP.newFolder().toString());
    return TracingPipeline.traceRecords(pipeline.apply(stream.sourceStep(), source), config);
  }

  private static Pipeline streamingDirectRunner() {
    StreamingOptions options = PipelineOptionsFactory.as(StreamingOptions.class);
    options.setStreaming(true);
    options.setRunner(org.apache.beam.runners.direct.DirectRunner.class);
    return Pipeline.create(options);
  }

  /**
   * On the DirectRunner: the same messages as a TestStream in place of PubsubIO, each stamped with its publish time
   * and PubsubIO's watermark following the publish times, as PubsubIO hands them on. (Beam's PubsubTestClient is
   * strict about acknowledgements in a way the DirectRunner's reader restarts trip over: it gives a redelivered message
   * the same ack id and fails on a second ack of it, where Pub/Sub issues a new one; so PubsubIO itself runs on Flink,
   * below.)
   */
  @Test
  public void onTimeOnTheDirectRunnerGkeEntriesFromASubscriptionGiveTheBackfillsSpans() throws Exception {
    Pipeline pipeline = streamingDirectRunner();
    List<Integer> inOrder = java.util.stream.IntStream.range(0, entries.size()).boxed().toList();
    TracingPipeline.Outputs out = streamOnTheDirectRunner(pipeline, asPubsubIOHandsThemOn(inOrder));
    List<String> expected = batch; // a local: the check is serialized, the test class is not
    PAssert.that(out.spans()).satisfies(rows -> {
      List<SpanRow> streamed = StreamSupport.stream(rows.spliterator(), false).toList();
      assertThat(StreamCommandIT.comparable(streamed), equalTo(expected));
      return null;
    });
    PAssert.that(out.deadLetters()).empty();
    pipeline.run().waitUntilFinish();
  }

  /**
   * Too late to count: a read early in the rollout, redelivered at the end (Pub/Sub redelivers what was not
   * acknowledged), is behind the subscription's watermark by then. It is a dead letter that says so, and only its own
   * span is missing.
   */
  @Test
  public void tooLateAnEntryRedeliveredAfterTheWatermarkPassedItIsADeadLetterAndChangesNothingElse() throws Exception {
    // the last read more than the delay (one minute) and ten seconds before the last entry
    Instant cutoff = GkeLogEntries.entryTime(entries.get(entries.size() - 1)).minusSeconds(70);
    int late = -1;
    for (int i = 0; i < entries.size(); i++) {
      String method = Rows.fromJson(entries.get(i), com.fasterxml.jackson.databind.JsonNode.class)
          .path("protoPayload").path("methodName").asText();
      if (method.endsWith(".get") && GkeLogEntries.entryTime(entries.get(i)).isBefore(cutoff)) {
        late = i;
      }
    }
    assertThat("a read more than a minute before the end", late, greaterThan(0));
    String auditId = Rows.fromJson(entries.get(late), com.fasterxml.jackson.databind.JsonNode.class)
        .path("operation").path("id").asText();
    List<String> expected = batch.stream().filter(row -> !row.contains("\"k8s.audit.id\":\"" + auditId + "\"")).toList();
    assertThat(expected.size(), equalTo(batch.size() - 1));
    List<Integer> order = new ArrayList<>(java.util.stream.IntStream.range(0, entries.size()).boxed().toList());
    order.remove(Integer.valueOf(late));
    order.add(late);

    Pipeline pipeline = streamingDirectRunner();
    TracingPipeline.Outputs out = streamOnTheDirectRunner(pipeline, asPubsubIOHandsThemOn(order));
    PAssert.that(out.spans()).satisfies(rows -> {
      List<SpanRow> streamed = StreamSupport.stream(rows.spliterator(), false).toList();
      assertThat(StreamCommandIT.comparable(streamed), equalTo(expected));
      return null;
    });
    PAssert.that(out.deadLetters()).satisfies(rows -> {
      List<DeadLetterRow> dead = StreamSupport.stream(rows.spliterator(), false).toList();
      assertThat(dead.toString(), dead.size(), equalTo(1));
      assertThat(dead.get(0).source(), equalTo("pubsub://" + SUBSCRIPTION));
      assertThat(dead.get(0).reason(), org.hamcrest.Matchers.containsString("was already behind the watermark"));
      assertThat(dead.get(0).raw(), org.hamcrest.Matchers.containsString(auditId));
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  /**
   * On the embedded Flink runner, as {@code stream --pubsub-subscription} runs: Beam's PubsubIO reading through
   * {@link PubsubTestClient}. PubsubIO reads with several readers that pull concurrently, so the messages reach the
   * stream out of order by up to a pull batch; the entries here span two years (KHI's 2024 logs, the 2026 rollout),
   * so the watermark delay covers that, and lateness is tested in ReadPubsubRecordsTest. The job never ends by itself
   * (a Pub/Sub stream has no end): once every window's file is written and two checkpoints have completed (which
   * acknowledge what they cover), the test cancels it.
   */
  @Test
  public void onTheEmbeddedFlinkRunnerPubsubIOsMessagesGiveTheBackfillsSpansAndAreAllAcknowledged() throws Exception {
    Duration checkpoints = Duration.standardSeconds(2);
    Streams.StreamConfig stream = Streams.StreamConfig.pubsub(SUBSCRIPTION, Duration.standardDays(3 * 365),
        Duration.ZERO, checkpoints);
    TracingConfig config = TracingConfig.defaults(List.of(), TMP.newFolder("flink").toString());
    Path output = Path.of(config.output());
    List<String> streamed = List.of();
    try (PubsubTestClientFactory factory = subscriptionWith(published(entries))) {
      ReadPubsubRecords source = ((ReadPubsubRecords) Streams.source(stream)).withMessages(pubsubRead(factory));
      PipelineResult job = Streams.start(stream, source, config, false, false);
      try {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(3);
        while (streamed.size() < batch.size() && System.nanoTime() < deadline) {
          Thread.sleep(500);
          streamed = StreamCommandIT.comparable(SpanFiles.read(output));
        }
        Thread.sleep(checkpoints.getMillis() * 3);
      } finally {
        stop(job);
      }
    } // closing the factory checks that every message was pulled and acknowledged
    assertThat(SpanFiles.readRows(output.resolve("dead_letters"), DeadLetterRow.class), empty());
    assertThat(streamed, equalTo(batch));
  }

  /** Cancels the job, which may have ended by itself: its source finishes when the test client's input ends. */
  private static void stop(PipelineResult job) {
    try {
      job.cancel();
    } catch (java.io.IOException | IllegalStateException e) {
      // already ended: Flink's mini cluster of a detached job shuts down with it; the output tells how it went
    }
  }

  @Test
  public void aSubscriptionThatCannotBeReadIsAClearErrorBeforeAnyJobStarts() throws Exception {
    try (PubsubTestClientFactory factory = subscriptionWith(List.of())) {
      Streams.checkSubscription(SUBSCRIPTION, factory); // Beam's test client knows it: no error
    }
    PubsubClient.PubsubClientFactory refusing = new PubsubClient.PubsubClientFactory() {
      @Override
      public PubsubClient newClient(String timestampAttribute, String idAttribute,
          org.apache.beam.sdk.io.gcp.pubsub.PubsubOptions options) throws java.io.IOException {
        throw new java.io.IOException("404 Not Found\nResource not found (resource=k8s-audit).");
      }

      @Override
      public PubsubClient newClient(String timestampAttribute, String idAttribute,
          org.apache.beam.sdk.io.gcp.pubsub.PubsubOptions options, String rootUrlOverride) throws java.io.IOException {
        return newClient(timestampAttribute, idAttribute, options);
      }

      @Override
      public String getKind() {
        return "Refusing";
      }
    };
    IllegalStateException e = org.junit.Assert.assertThrows(IllegalStateException.class,
        () -> Streams.checkSubscription(SUBSCRIPTION, refusing));
    assertThat(e.getMessage(), org.hamcrest.Matchers.startsWith(
        "cannot read the Pub/Sub subscription " + SUBSCRIPTION + " (404 Not Found): check that it exists"));
    assertThat(e.getMessage(), org.hamcrest.Matchers.containsString("roles/pubsub.subscriber"));
  }
}
