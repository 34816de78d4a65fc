package dev.kelemetry.beam.io;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import java.util.regex.Pattern;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubIO;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads a Pub/Sub subscription, each message's data one record (what a Cloud Logging sink publishes: one
 * {@code LogEntry} JSON per message), into raw records with the same outputs as {@link ReadAuditFiles}:
 * {@link ReadAuditFiles#RECORDS} and {@link ReadAuditFiles#DEAD_LETTERS}.
 *
 * <p><b>Event time, not publish time.</b> PubsubIO stamps a message with its publish time (or a timestamp attribute)
 * and estimates its own watermark from those; neither is the time of the request a LogEntry records, and a record's
 * time is earlier than its publish time by the sink's latency, so under PubsubIO's watermark every record would trail
 * it. The {@code StampEventTime} step therefore keeps the stream's watermark by the rule of {@link EventTimeWatermark}
 * (the newest event time read minus the watermark delay; when nothing has arrived for {@link #withIdleAfter}, the wall
 * clock minus the delay) and makes it the watermark of everything downstream: it holds the output watermark there
 * with a timer's output timestamp, and stamps each record with that watermark as it was before the record counted.
 * {@code ParseRecords} then dead-letters a record whose own event time is before its stamp, exactly as for Kafka, so a
 * record behind the watermark is never dropped without a word. The output watermark is the lower of this one and
 * PubsubIO's own, so a PubsubIO estimate that lags only delays windows.
 *
 * <p>The watermark is one for the whole subscription (one key, like one Kafka partition): every message passes one
 * stateful step. Its state and timer are part of a checkpoint, so a restored job resumes from the watermark it had.
 *
 * <p><b>Acknowledgement.</b> PubsubIO acks a message when the checkpoint that covers it is finalized (on Flink, when
 * the checkpoint completes); until then it extends the message's ack deadline. A job that dies before a checkpoint
 * completes gets its unacked messages again from Pub/Sub (at least once); Pub/Sub message ids are deduplicated by the
 * reader, and the graph's own {@code Deduplicate} removes a repeated audit ID within a window.
 */
public final class ReadPubsubRecords extends PTransform<PBegin, PCollectionTuple> {
  private static final String STEP = "ReadPubsubRecords";
  /** {@code projects/<project>/subscriptions/<subscription>}, as gcloud prints it. */
  private static final Pattern SUBSCRIPTION = Pattern.compile("projects/[^/]+/subscriptions/[^/]+");
  private static final Duration DEFAULT_IDLE_AFTER = Duration.standardMinutes(1);

  private final String subscription;
  private final PTransform<PBegin, PCollection<PubsubMessage>> messages;
  private final SerializableFunction<String, Long> latestEventMicros;
  private final Duration watermarkDelay;
  private final Duration idleAfter;

  private ReadPubsubRecords(String subscription, PTransform<PBegin, PCollection<PubsubMessage>> messages,
      SerializableFunction<String, Long> latestEventMicros, Duration watermarkDelay, Duration idleAfter) {
    this.subscription = subscription;
    this.messages = messages;
    this.latestEventMicros = latestEventMicros;
    this.watermarkDelay = watermarkDelay;
    this.idleAfter = idleAfter;
  }

  /** Reads {@code projects/<project>/subscriptions/<subscription>} (it must exist; create it with gcloud). */
  public static ReadPubsubRecords from(String subscription) {
    checkSubscription(subscription);
    return new ReadPubsubRecords(subscription, pubsubRead(subscription), text -> null, Duration.ZERO,
        DEFAULT_IDLE_AFTER);
  }

  /** Throws, naming the expected form, unless {@code subscription} is {@code projects/P/subscriptions/S}. */
  public static void checkSubscription(String subscription) {
    if (subscription == null || !SUBSCRIPTION.matcher(subscription).matches()) {
      throw new IllegalArgumentException("a Pub/Sub subscription is projects/<project>/subscriptions/<name>, got '"
          + subscription + "'");
    }
  }

  /** The PubsubIO read this transform uses: messages with their ids (ids name records and deduplicate redeliveries). */
  public static PubsubIO.Read<PubsubMessage> pubsubRead(String subscription) {
    return PubsubIO.readMessagesWithAttributesAndMessageId().fromSubscription(subscription);
  }

  /**
   * Reads messages through {@code read} instead of the default PubsubIO read: a PubsubIO read with a test client, or
   * a TestStream. The subscription still names the records' source.
   */
  public ReadPubsubRecords withMessages(PTransform<PBegin, PCollection<PubsubMessage>> read) {
    if (read == null) {
      throw new IllegalArgumentException("the message read is required");
    }
    return new ReadPubsubRecords(subscription, read, latestEventMicros, watermarkDelay, idleAfter);
  }

  /**
   * Event time: {@code latestEventMicros} gives the newest event time in a message's data (epoch microseconds), or
   * null if it has none; the watermark trails the newest event time read by {@code watermarkDelay}.
   */
  public ReadPubsubRecords withEventTime(SerializableFunction<String, Long> latestEventMicros, Duration watermarkDelay) {
    if (latestEventMicros == null) {
      throw new IllegalArgumentException("latestEventMicros is required");
    }
    if (watermarkDelay == null || watermarkDelay.isShorterThan(Duration.ZERO)) {
      throw new IllegalArgumentException("watermarkDelay must be zero or positive, got " + watermarkDelay);
    }
    return new ReadPubsubRecords(subscription, messages, latestEventMicros, watermarkDelay, idleAfter);
  }

  /**
   * After this long without a message the subscription counts as caught up and the watermark follows the wall clock
   * (minus the delay), so a quiet cluster's windows still close. Default one minute, PubsubIO's own idle rule.
   */
  public ReadPubsubRecords withIdleAfter(Duration idle) {
    if (idle == null || !idle.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("idleAfter must be positive, got " + idle);
    }
    return new ReadPubsubRecords(subscription, messages, latestEventMicros, watermarkDelay, idle);
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    KvCoder<Integer, RawRecord> keyed = KvCoder.of(VarIntCoder.of(), NullableCoder.of(RecordCoders.raw()));
    String source = "pubsub://" + subscription;
    PCollection<KV<Integer, RawRecord>> records = begin.apply("ReadMessages", messages)
        .apply("ToRawRecords", MapElements.into(TypeDescriptors.kvs(TypeDescriptors.integers(),
                TypeDescriptor.of(RawRecord.class)))
            .via((PubsubMessage m) -> KV.of(ONE_CLOCK, toRaw(source, m))))
        .setCoder(keyed);
    // The clock starts before any message: the start element is pending at the beginning of time, so the watermark
    // cannot move on before the hold is in place (see StampEventTimeFn).
    PCollection<KV<Integer, RawRecord>> start = begin.apply("Start", Impulse.create())
        .apply("StartClock", MapElements.into(TypeDescriptors.kvs(TypeDescriptors.integers(),
                TypeDescriptor.of(RawRecord.class)))
            .via((byte[] impulse) -> KV.of(ONE_CLOCK, (RawRecord) null)))
        .setCoder(keyed);
    PCollectionTuple split = PCollectionList.of(start).and(records)
        .apply("WithClockStart", Flatten.pCollections())
        .apply("StampEventTime", ParDo.of(new StampEventTimeFn(latestEventMicros, watermarkDelay, idleAfter))
            .withOutputTags(ReadAuditFiles.RECORDS, TupleTagList.of(ReadAuditFiles.DEAD_LETTERS)));
    split.get(ReadAuditFiles.RECORDS).setCoder(RecordCoders.raw());
    split.get(ReadAuditFiles.DEAD_LETTERS).setCoder(JsonCoder.of(DeadLetterRow.class));
    return split;
  }

  /** Every message under one key: one watermark for the subscription. */
  private static final int ONE_CLOCK = 0;

  /** The message as a raw record: line = its Pub/Sub message id where that is a number (it is, in practice). */
  static RawRecord toRaw(String source, PubsubMessage message) {
    byte[] payload = message.getPayload();
    String text = payload == null ? "" : ReadKafkaRecords.decode(payload);
    String id = message.getMessageId();
    long line = id != null && !id.isEmpty() && id.length() < 19 && id.chars().allMatch(Character::isDigit)
        ? Long.parseLong(id) : 0L;
    return new RawRecord(source, line, text, "");
  }

  /**
   * Keeps the subscription's event-time watermark and holds the output watermark at it; stamps each record with the
   * watermark before it counted. Elements are emitted at once (nothing is buffered): only the watermark is held.
   */
  static final class StampEventTimeFn extends DoFn<KV<Integer, RawRecord>, RawRecord> {
    /** How often the hold is moved on while no message arrives. */
    private static final Duration TICK = Duration.standardSeconds(1);

    private final SerializableFunction<String, Long> latestEventMicros;
    private final Duration delay;
    private final Duration idleAfter;
    private final Counter items = Metrics.counter(Counters.NAMESPACE, Counters.INPUT_ITEMS);
    private final Counter read = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_READ);
    private final Counter deadLettered = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_DEAD_LETTERED);

    @StateId("watermark")
    private final StateSpec<ValueState<EventTimeWatermark>> watermarkSpec =
        StateSpecs.value(SerializableCoder.of(EventTimeWatermark.class));

    @StateId("lastReadAt")
    private final StateSpec<ValueState<Long>> lastReadSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("hold")
    private final TimerSpec holdSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    @TimerId("end")
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    /** When this worker started keeping the clock: a restored job's last read is from before it was down. */
    private transient long startedAt;

    StampEventTimeFn(SerializableFunction<String, Long> latestEventMicros, Duration delay, Duration idleAfter) {
      this.latestEventMicros = latestEventMicros;
      this.delay = delay;
      this.idleAfter = idleAfter;
    }

    @Setup
    public void setup() {
      startedAt = System.currentTimeMillis();
    }

    /**
     * Whether the subscription counts as caught up at {@code now}: nothing read for {@code idleAfter}, counted from the
     * last message or from this worker's start, whichever is later. From the start, so that neither a new job before
     * its first pull nor a restored job, whose last read is from before it went down, calls a backlog idle and moves
     * the watermark past it.
     */
    static boolean idle(long now, Long lastReadAt, long startedAt, Duration idleAfter) {
      long quietSince = lastReadAt == null ? startedAt : Math.max(lastReadAt, startedAt);
      return now - quietSince >= idleAfter.getMillis();
    }

    @ProcessElement
    public void process(@Element KV<Integer, RawRecord> element,
        @StateId("watermark") ValueState<EventTimeWatermark> state,
        @StateId("lastReadAt") ValueState<Long> lastReadAt,
        @TimerId("hold") Timer hold, @TimerId("end") Timer end, MultiOutputReceiver out) {
      EventTimeWatermark watermark = state.read();
      if (watermark == null) {
        watermark = EventTimeWatermark.start(delay);
        // When the input ends (a drain, or a test's last message) the hold must go, or nothing downstream finishes.
        Instant endOfTime = GlobalWindow.INSTANCE.maxTimestamp();
        end.withOutputTimestamp(endOfTime).set(endOfTime);
      }
      RawRecord raw = element.getValue();
      if (raw != null) {
        long now = System.currentTimeMillis();
        Instant stamp = watermark.current(); // before this record counts
        if (raw.text().isBlank()) {
          read.inc();
          deadLettered.inc();
          out.get(ReadAuditFiles.DEAD_LETTERS).outputWithTimestamp(
              DeadLetterRow.of(raw.source(), raw.line(), STEP, "empty message", raw.text()), stamp);
        } else {
          items.inc();
          out.get(ReadAuditFiles.RECORDS).outputWithTimestamp(raw, stamp);
          watermark.observe(eventMicros(raw.text()), now);
        }
        lastReadAt.write(now);
      }
      state.write(watermark);
      holdAt(hold, watermark.current());
    }

    @OnTimer("hold")
    public void onHold(@StateId("watermark") ValueState<EventTimeWatermark> state,
        @StateId("lastReadAt") ValueState<Long> lastReadAt, @TimerId("hold") Timer hold) {
      EventTimeWatermark watermark = state.read();
      if (watermark == null) {
        return; // the input has ended (see onEnd)
      }
      long now = System.currentTimeMillis();
      if (idle(now, lastReadAt.read(), startedAt, idleAfter)) {
        watermark.idleAt(now);
        state.write(watermark);
      }
      holdAt(hold, watermark.current());
    }

    @OnTimer("end")
    public void onEnd(@StateId("watermark") ValueState<EventTimeWatermark> state,
        @StateId("lastReadAt") ValueState<Long> lastReadAt, @TimerId("hold") Timer hold) {
      hold.clear();
      state.clear();
      lastReadAt.clear();
    }

    /** The output watermark stays at {@code watermark} until the timer fires and sets the next hold. */
    private static void holdAt(Timer hold, Instant watermark) {
      hold.offset(TICK).withOutputTimestamp(watermark).setRelative();
    }

    private Long eventMicros(String text) {
      try {
        return latestEventMicros.apply(text);
      } catch (RuntimeException e) {
        return null; // only the watermark is at stake here: the parser dead-letters a record it cannot read
      }
    }

    @Override
    public Duration getAllowedTimestampSkew() {
      // Records are stamped with the subscription's event-time watermark, which is behind the publish time PubsubIO
      // gave the message by at least the sink's latency.
      return Duration.millis(Long.MAX_VALUE);
    }
  }
}
