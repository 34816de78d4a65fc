package dev.kelemetry.beam.pipelines.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.UUID;

/**
 * Time-ordered core of the workload generator: a discrete-event loop plus the audit line encoder.
 *
 * <p>Simulated actors queue tasks keyed by simulated time. Every API request a task issues turns
 * into audit lines that wait in a second queue until the simulation clock has moved past them.
 * Because no task can produce a line earlier than its own start time, everything older than the
 * next task is final and can be written out; the output is therefore sorted by stageTimestamp
 * while only a few seconds of pending work is ever held in memory.
 *
 * <p>All randomness comes from one seeded {@link Random}, and ties between tasks or lines at the
 * same microsecond are broken by insertion order, so the output is a pure function of the inputs.
 */
final class AuditEventWriter {
  static final long MILLIS = 1_000L;
  static final long SECONDS = 1_000_000L;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final DateTimeFormatter SECOND_PREFIX =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

  /** Who sends a request, as the authenticator and the HTTP layer see it. */
  record Actor(String username, List<String> groups, String userAgent, String sourceIp) {}

  /** One API call; fields mirror audit.k8s.io/v1 ObjectReference plus what the handler returns. */
  static final class Request {
    final Actor actor;
    final String verb;
    final String resource;
    String apiGroup = "";
    String apiVersion = "v1";
    String namespace;
    String name;
    String subresource;
    String query;
    JsonNode requestObject;
    JsonNode responseObject;
    int code = 200;
    /** Set when the response body is a meta/v1 Status, whose fields the apiserver copies. */
    String statusOutcome;
    String failureReason;
    String failureMessage;

    Request(Actor actor, String verb, String resource) {
      this.actor = actor;
      this.verb = verb;
      this.resource = resource;
    }

    Request group(String group, String version) {
      this.apiGroup = group;
      this.apiVersion = version;
      return this;
    }

    Request in(String namespace) {
      this.namespace = namespace;
      return this;
    }

    Request named(String name) {
      this.name = name;
      return this;
    }

    Request sub(String subresource) {
      this.subresource = subresource;
      return this;
    }

    Request query(String query) {
      this.query = query;
      return this;
    }

    Request body(JsonNode request, JsonNode response) {
      this.requestObject = request;
      this.responseObject = response;
      return this;
    }

    Request code(int code) {
      this.code = code;
      return this;
    }

    /** Marks the response as a Status object (deletes answered with Status, bindings, failures). */
    Request status(String outcome) {
      this.statusOutcome = outcome;
      return this;
    }

    Request failure(int code, String reason, String message) {
      this.code = code;
      this.statusOutcome = "Failure";
      this.failureReason = reason;
      this.failureMessage = message;
      return this;
    }

    /** Creates name their object in the body, not in the URL. */
    boolean nameInUri() {
      return name != null && (!verb.equals("create") || subresource != null);
    }
  }

  private record Task(long at, long order, Runnable action) {}

  private record Line(long at, long order, String json) {}

  final Random random;
  private final Writer out;
  private final ObjectMapper mapper = new ObjectMapper();
  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
  private final PriorityQueue<Line> lines =
      new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
  private long order;
  private long now;
  private long lastCompleted;
  private long resourceVersion;

  private long eventCount;
  private long requestCount;
  private long firstLine = Long.MIN_VALUE;
  private long lastLine = Long.MIN_VALUE;

  private long cachedSecond = Long.MIN_VALUE;
  private String cachedPrefix;

  AuditEventWriter(Writer out, Random random, long startMicros) {
    this.out = out;
    this.random = random;
    this.now = startMicros;
    // A fresh kind cluster has already written a few hundred objects before anyone looks at it.
    this.resourceVersion = 400 + random.nextInt(600);
  }

  long now() {
    return now;
  }

  /** Completion time of the most recent request, so callers can chain follow-up work. */
  long lastCompleted() {
    return lastCompleted;
  }

  long eventCount() {
    return eventCount;
  }

  long requestCount() {
    return requestCount;
  }

  long firstLineMicros() {
    return firstLine;
  }

  long lastLineMicros() {
    return lastLine;
  }

  void schedule(long at, Runnable action) {
    // Never let a task travel back in time, or an already written line could be undercut.
    tasks.add(new Task(Math.max(at, now), order++, action));
  }

  /** Drains the task queue, writing lines as soon as no pending task can precede them. */
  void run() throws IOException {
    try {
      while (!tasks.isEmpty()) {
        Task task = tasks.poll();
        flushUntil(task.at);
        now = task.at;
        task.action.run();
      }
      flushUntil(Long.MAX_VALUE);
      out.flush();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private void flushUntil(long limit) throws IOException {
    while (!lines.isEmpty() && lines.peek().at <= limit) {
      Line line = lines.poll();
      out.write(line.json);
      out.write('\n');
      eventCount++;
      if (firstLine == Long.MIN_VALUE) {
        firstLine = line.at;
      }
      lastLine = line.at;
    }
  }

  /** Latest resourceVersion handed out; reads (watches, gets) observe it without changing it. */
  long currentResourceVersion() {
    return resourceVersion;
  }

  long nextResourceVersion() {
    return ++resourceVersion;
  }

  long between(long min, long max) {
    return min + (long) (random.nextDouble() * (max - min));
  }

  /** Delay with which a watching controller reacts to a change: 5-50 ms. */
  long react(long after) {
    return after + between(5 * MILLIS, 50 * MILLIS);
  }

  /** Random version-4 UUID drawn from the seeded generator. */
  String uuid() {
    long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }

  /** RFC 3339 with microseconds, the format of audit timestamps and MicroTime fields. */
  String micros(long micros) {
    long second = Math.floorDiv(micros, SECONDS);
    long fraction = Math.floorMod(micros, SECONDS);
    String digits = Long.toString(fraction);
    return prefix(second) + "." + "000000".substring(digits.length()) + digits + "Z";
  }

  /** RFC 3339 with whole seconds, the format of metav1.Time fields such as creationTimestamp. */
  String seconds(long micros) {
    return prefix(Math.floorDiv(micros, SECONDS)) + "Z";
  }

  private String prefix(long second) {
    // Consecutive lines almost always share a second; formatting it once keeps 1M lines cheap.
    if (second != cachedSecond) {
      cachedPrefix = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC).format(SECOND_PREFIX);
      cachedSecond = second;
    }
    return cachedPrefix;
  }

  /**
   * Performs a request received now: writes its RequestReceived and ResponseComplete lines and
   * returns the completion time. Bodies are serialized immediately, so callers may keep mutating
   * the objects they passed in.
   */
  long send(Request request) {
    long received = now;
    long completed = received + between(MILLIS, 12 * MILLIS);
    String auditId = uuid();
    requestCount++;
    emit(received, encode(request, auditId, "RequestReceived", received, received));
    emit(completed, encode(request, auditId, "ResponseComplete", received, completed));
    lastCompleted = completed;
    return completed;
  }

  /** Starts a long-running watch: its response never completes within the generated window. */
  void startWatch(Request request) {
    long received = now;
    long started = received + between(300, 2 * MILLIS);
    String auditId = uuid();
    requestCount++;
    emit(received, encode(request, auditId, "RequestReceived", received, received));
    emit(started, encode(request, auditId, "ResponseStarted", received, started));
  }

  private void emit(long at, ObjectNode event) {
    try {
      lines.add(new Line(at, order++, mapper.writeValueAsString(event)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ObjectNode encode(Request req, String auditId, String stage, long received, long at) {
    boolean received_only = stage.equals("RequestReceived");
    ObjectNode event = NODES.objectNode();
    event.put("kind", "Event");
    event.put("apiVersion", "audit.k8s.io/v1");
    event.put("level", "RequestResponse");
    event.put("auditID", auditId);
    event.put("stage", stage);
    event.put("requestURI", uri(req));
    event.put("verb", req.verb);
    ObjectNode user = event.putObject("user");
    user.put("username", req.actor.username());
    ArrayNode groups = user.putArray("groups");
    req.actor.groups().forEach(groups::add);
    event.putArray("sourceIPs").add(req.actor.sourceIp());
    event.put("userAgent", req.actor.userAgent());
    event.set("objectRef", objectRef(req, received_only));
    if (!received_only) {
      ObjectNode status = event.putObject("responseStatus");
      status.putObject("metadata");
      if (req.statusOutcome != null) {
        status.put("status", req.statusOutcome);
      }
      if (req.failureReason != null) {
        status.put("message", req.failureMessage);
        status.put("reason", req.failureReason);
      }
      status.put("code", req.code);
      // The request body is only decoded (and audited) after RequestReceived has been logged.
      if (req.requestObject != null) {
        event.set("requestObject", req.requestObject);
      }
      if (req.responseObject != null && stage.equals("ResponseComplete")) {
        event.set("responseObject", req.responseObject);
      }
    }
    event.put("requestReceivedTimestamp", micros(received));
    event.put("stageTimestamp", micros(at));
    ObjectNode annotations = event.putObject("annotations");
    annotations.put("authorization.k8s.io/decision", "allow");
    annotations.put("authorization.k8s.io/reason", "");
    return event;
  }

  private static String uri(Request req) {
    StringBuilder uri = new StringBuilder(96);
    if (req.apiGroup.isEmpty()) {
      uri.append("/api/").append(req.apiVersion);
    } else {
      uri.append("/apis/").append(req.apiGroup).append('/').append(req.apiVersion);
    }
    if (req.namespace != null) {
      uri.append("/namespaces/").append(req.namespace);
    }
    uri.append('/').append(req.resource);
    if (req.nameInUri()) {
      uri.append('/').append(req.name);
    }
    if (req.subresource != null) {
      uri.append('/').append(req.subresource);
    }
    if (req.query != null) {
      uri.append('?').append(req.query);
    }
    return uri.toString();
  }

  /**
   * Mirrors how the apiserver fills ObjectReference: routing information first, then (once the
   * body is decoded) name, uid and resourceVersion copied from the request object's metadata.
   * That is why creates carry no uid and generateName creates carry no name.
   */
  private static ObjectNode objectRef(Request req, boolean beforeDecoding) {
    ObjectNode ref = NODES.objectNode();
    ref.put("resource", req.resource);
    if (req.namespace != null) {
      ref.put("namespace", req.namespace);
    }
    JsonNode bodyMeta = beforeDecoding || req.requestObject == null ? null : req.requestObject.get("metadata");
    String name = req.nameInUri() ? req.name : null;
    if (name == null && bodyMeta != null && bodyMeta.hasNonNull("name")) {
      name = bodyMeta.get("name").asText();
    }
    if (name != null) {
      ref.put("name", name);
    }
    if (bodyMeta != null && bodyMeta.hasNonNull("uid") && isObjectBody(req)) {
      ref.put("uid", bodyMeta.get("uid").asText());
    }
    if (!req.apiGroup.isEmpty()) {
      ref.put("apiGroup", req.apiGroup);
    }
    ref.put("apiVersion", req.apiVersion);
    if (bodyMeta != null && bodyMeta.hasNonNull("resourceVersion") && isObjectBody(req)) {
      ref.put("resourceVersion", bodyMeta.get("resourceVersion").asText());
    }
    if (req.subresource != null) {
      ref.put("subresource", req.subresource);
    }
    return ref;
  }

  /** Patches are audited as raw patch bytes, so their metadata never reaches the ObjectReference. */
  private static boolean isObjectBody(Request req) {
    return !req.verb.equals("patch");
  }
}
