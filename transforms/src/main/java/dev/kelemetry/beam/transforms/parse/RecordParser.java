package dev.kelemetry.beam.transforms.parse;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns input text into {@link ControlPlaneRecord}s. Knows the native {@code audit.k8s.io} shapes (single events
 * v1, v1beta1 and the older ones written without {@code apiVersion}; {@code EventList} batches as the webhook backend
 * sends them), Kubernetes Events (core/v1 and events.k8s.io, alone, in lists, in watch lines, or as the body of an
 * audited write), watch lines of any other object, object dumps ({@code kubectl get -o json}, single objects and
 * lists), JSON arrays of these, and the same in YAML. Anything else becomes a {@link ParseOutcome.Failed} that says
 * what the text looked like, so a user can tell a format we do not read yet from a broken line.
 *
 * <p>Plain Java, no Beam: the {@code ParseRecords} transform calls it.
 */
public final class RecordParser {
  /** Counter names for filter decisions. */
  public static final String FILTER_NON_RESOURCE = "non_resource_request";
  public static final String FILTER_COLLECTION = "collection_request";
  public static final String FILTER_EVENT_WITHOUT_BODY = "event_write_without_body";
  public static final String FILTER_EVENT_FIRST_STAGE = "event_write_first_stage";
  public static final String FILTER_EVENT_NOT_WRITTEN = "event_read_or_delete";
  public static final String FILTER_EVENT_DELETED = "event_deleted";
  public static final String FILTER_WATCH_BOOKMARK = "watch_bookmark";
  public static final String FILTER_WATCH_ERROR = "watch_error";

  private static final java.util.Set<String> WRITE_VERBS =
      java.util.Set.of("create", "update", "patch", "delete", "deletecollection");
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory()).build();

  private final String cluster;
  private final String source;

  /**
   * @param cluster the cluster every record of this input belongs to
   * @param source the input location, copied into each record and dead letter
   */
  public RecordParser(String cluster, String source) {
    this.cluster = cluster;
    this.source = source;
  }

  /**
   * The newest event time among the records in {@code text} (epoch micros), or null when it holds none: what a
   * streaming source advances its watermark by. Parses the text as {@link #parse} does.
   */
  public static Long latestEventMicros(String text) {
    Long latest = null;
    for (ParseOutcome outcome : new RecordParser("", "").parse(text, 1)) {
      if (outcome instanceof ParseOutcome.Parsed p) {
        long at = p.record().requestReceivedMicros();
        latest = latest == null ? at : Math.max(latest, at);
      }
    }
    return latest;
  }

  /** Parses one input item (a JSON line or a JSON/YAML document) that starts at {@code line}. */
  public List<ParseOutcome> parse(String text, long line) {
    List<ParseOutcome> out = new ArrayList<>();
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      return out;
    }
    boolean json = trimmed.charAt(0) == '{' || trimmed.charAt(0) == '[';
    List<Located> roots;
    try {
      roots = json ? readAll(JSON, trimmed, line) : readAll(YAML, text, line);
    } catch (IOException e) {
      out.add(new ParseOutcome.Failed(line, (json ? "invalid JSON: " : "neither JSON nor valid YAML: ") + firstLine(e), text));
      return out;
    }
    for (Located root : roots) {
      // a document of several (YAML, concatenated JSON) is quoted alone in its dead letter, not with its neighbours
      collect(root.node, root.line, out, roots.size() == 1 ? text : root.node.toString());
    }
    return out;
  }

  private record Located(JsonNode node, long line) {}

  /** Reads every root value (several for concatenated JSON or multi-document YAML), each with its starting line. */
  private static List<Located> readAll(ObjectMapper mapper, String text, long firstLine) throws IOException {
    List<Located> roots = new ArrayList<>();
    try (JsonParser parser = mapper.getFactory().createParser(text);
        MappingIterator<JsonNode> it = mapper.readerFor(JsonNode.class).readValues(parser)) {
      while (it.hasNextValue()) {
        long at = firstLine + Math.max(0, parser.currentTokenLocation().getLineNr() - 1);
        JsonNode node = it.nextValue();
        if (node != null && !node.isMissingNode() && !node.isNull()) {
          roots.add(new Located(node, at));
        }
      }
    } catch (RuntimeException e) {
      // MappingIterator wraps parse errors in RuntimeException subclasses.
      Throwable cause = e.getCause() instanceof IOException io ? io : e;
      throw cause instanceof IOException io ? io : new IOException(e.getMessage(), e);
    }
    return roots;
  }

  private void collect(JsonNode node, long line, List<ParseOutcome> out, String raw) {
    if (node.isArray()) {
      for (JsonNode item : node) {
        collect(item, line, out, item.toString());
      }
      return;
    }
    if (!node.isObject()) {
      out.add(new ParseOutcome.Failed(line, "not a JSON object: " + abbreviate(node.toString()), raw));
      return;
    }
    String kind = node.path("kind").asText("");
    String apiVersion = node.path("apiVersion").asText("");
    if (kind.endsWith("List") || (kind.isEmpty() && node.path("items").isArray())) {
      // The API server writes the items of a typed list (EventList, PodList) without their apiVersion and kind.
      String itemKind = kind.endsWith("List") ? kind.substring(0, kind.length() - "List".length()) : "";
      for (JsonNode item : node.path("items")) {
        if (item.isObject() && !itemKind.isEmpty() && !item.has("kind") && !apiVersion.isEmpty()) {
          item = ((ObjectNode) item.deepCopy()).put("apiVersion", apiVersion).put("kind", itemKind);
        }
        collect(item, line, out, item.toString());
      }
      return;
    }
    if (looksLikeAuditEvent(node, kind, apiVersion)) {
      out.add(toRecord(node, line, raw));
      return;
    }
    CloudEnvelopes.Opened opened = CloudEnvelopes.isLogEntry(node) ? CloudEnvelopes.logEntry(node, line)
        : CloudEnvelopes.isAzureRecord(node) ? CloudEnvelopes.azure(node, line)
        : CloudEnvelopes.isCloudWatchExport(node) ? CloudEnvelopes.cloudWatch(node, line)
        : null;
    if (opened != null) {
      if (opened.outcome() != null) {
        out.add(opened.outcome());
      }
      for (CloudEnvelopes.Item item : opened.items()) {
        // the envelope's cluster (GKE labels, AKS resource id, EKS log group) wins over the input's
        RecordParser inner = item.cluster().isEmpty() ? this : new RecordParser(item.cluster(), source);
        inner.collect(item.node(), line, out, opened.items().size() == 1 ? raw : item.node().toString());
      }
      return;
    }
    if (node.path("object").isObject() && node.has("type")) {
      out.add(fromWatchLine(node, line, raw));
      return;
    }
    if (KubeObjects.isKubeEvent(node)) {
      out.add(KubeObjects.event(node, "", cluster, source, line, raw));
      return;
    }
    if (KubeObjects.isKubeObject(node)) {
      out.add(KubeObjects.state(node, ControlPlaneRecord.LISTED, null, cluster, source, line, raw));
      return;
    }
    out.add(new ParseOutcome.Failed(line, unsupportedReason(node, kind, apiVersion), raw));
  }

  /** {@code {"type":"ADDED|MODIFIED|DELETED","object":{...}}}, as {@code kubectl get -w -o json --output-watch-events} prints. */
  private ParseOutcome fromWatchLine(JsonNode watch, long line, String raw) {
    String type = watch.path("type").asText("");
    JsonNode object = watch.path("object");
    if (type.equals("BOOKMARK")) {
      return new ParseOutcome.Filtered(line, FILTER_WATCH_BOOKMARK);
    }
    if (type.equals("ERROR")) {
      return new ParseOutcome.Filtered(line, FILTER_WATCH_ERROR);
    }
    if (!KubeObjects.WATCH_TYPES.contains(type)) {
      return new ParseOutcome.Failed(line, "watch event of unknown type '" + type + "' (ADDED, MODIFIED, DELETED,"
          + " BOOKMARK or ERROR)", raw);
    }
    if (KubeObjects.isKubeEvent(object)) {
      // An Event's deletion is its expiry (the event TTL), not something that happened to the object it is about.
      return type.equals("DELETED") ? new ParseOutcome.Filtered(line, FILTER_EVENT_DELETED)
          : KubeObjects.event(object, "", cluster, source, line, raw);
    }
    if (!KubeObjects.isKubeObject(object)) {
      return new ParseOutcome.Failed(line, "watch event whose object has no apiVersion, kind or metadata.name", raw);
    }
    Long shippedAt;
    try {
      shippedAt = KubeObjects.shippedAt(watch);
    } catch (DateTimeException e) {
      return new ParseOutcome.Failed(line, "watch event with an unreadable time: " + e.getMessage(), raw);
    }
    return KubeObjects.state(object, type, shippedAt, cluster, source, line, raw);
  }

  /** v1 and v1beta1 say so in apiVersion; older writers (and the falco fixtures) leave it out but keep the fields. */
  private static boolean looksLikeAuditEvent(JsonNode node, String kind, String apiVersion) {
    if (apiVersion.startsWith("audit.k8s.io/")) {
      return kind.isEmpty() || kind.equals("Event");
    }
    return apiVersion.isEmpty()
        && (kind.isEmpty() || kind.equals("Event"))
        && node.has("auditID")
        && node.has("verb");
  }

  private static String unsupportedReason(JsonNode node, String kind, String apiVersion) {
    if (node.has("logEvents")) {
      return "a CloudWatch Logs export without messageType: not the subscription-filter shape (EKS) this reads";
    }
    if (!kind.isEmpty()) {
      return "not an audit event, Kubernetes Event, watch event or object: kind " + kind
          + (apiVersion.isEmpty() ? " without apiVersion" : " apiVersion " + apiVersion) + " and no metadata.name";
    }
    return "not an audit event, Kubernetes Event, watch event or object: no apiVersion/kind, no auditID+verb,"
        + " no type+object";
  }

  private ParseOutcome toRecord(JsonNode e, long line, String raw) {
    String auditId = text(e, "auditID");
    if (auditId.isEmpty()) {
      return new ParseOutcome.Failed(line, "audit event without auditID", raw);
    }
    String verb = text(e, "verb");
    if (verb.isEmpty()) {
      return new ParseOutcome.Failed(line, "audit event without verb", raw);
    }
    long received;
    long stageAt;
    try {
      String receivedText = firstNonEmpty(text(e, "requestReceivedTimestamp"), text(e, "timestamp"));
      if (receivedText.isEmpty()) {
        return new ParseOutcome.Failed(line, "audit event without requestReceivedTimestamp or timestamp", raw);
      }
      received = micros(receivedText);
      String stageText = text(e, "stageTimestamp");
      stageAt = stageText.isEmpty() ? received : micros(stageText);
    } catch (DateTimeException ex) {
      return new ParseOutcome.Failed(line, "audit event with an unreadable timestamp: " + ex.getMessage(), raw);
    }
    JsonNode ref = e.path("objectRef");
    if (!ref.isObject()) {
      return new ParseOutcome.Filtered(line, FILTER_NON_RESOURCE,
          request(e, line, auditId, verb, new ObjectRef("", "", "", "", "", "", "", ""), received, stageAt, null, null));
    }
    JsonNode requestObject = e.get("requestObject");
    JsonNode responseObject = e.get("responseObject");
    ObjectRef objectRef = new ObjectRef(text(ref, "apiGroup"), text(ref, "apiVersion"), text(ref, "resource"),
        text(ref, "subresource"), text(ref, "namespace"), text(ref, "name"), text(ref, "uid"),
        text(ref, "resourceVersion"));
    if (objectRef.resource().isEmpty()) {
      return new ParseOutcome.Failed(line, "audit event whose objectRef has no resource", raw);
    }
    if (objectRef.resource().equals("events") && (objectRef.apiGroup().isEmpty() || objectRef.apiGroup().equals("events.k8s.io"))) {
      return ParseOutcome.withUntracedRequest(eventFromAudit(verb, text(e, "stage"), requestObject, responseObject, line,
          raw), request(e, line, auditId, verb, objectRef, received, stageAt, null, null));
    }
    objectRef = fillIdentityFromBodies(objectRef, verb, requestObject, responseObject);
    // A create names its object only in the body, which the RequestReceived stage does not carry: that stage is
    // kept, and deduplication merges it with the stage that knows the name.
    if (objectRef.name().isEmpty() && !verb.equals("create")) {
      return new ParseOutcome.Filtered(line, FILTER_COLLECTION,
          request(e, line, auditId, verb, objectRef, received, stageAt, null, null));
    }
    // Reads do not change the object: their bodies are dropped here, before they cost a shuffle.
    boolean keepBodies = WRITE_VERBS.contains(verb);
    return new ParseOutcome.Parsed(line, request(e, line, auditId, verb, objectRef, received, stageAt,
        keepBodies ? body(requestObject) : null, keepBodies ? body(responseObject) : null));
  }

  /** The audit record of one request (one stage of it), with the bodies given. */
  private ControlPlaneRecord request(JsonNode e, long line, String auditId, String verb, ObjectRef objectRef,
      long received, long stageAt, String requestBody, String responseBody) {
    JsonNode status = e.path("responseStatus");
    int code = status.path("code").asInt(0);
    boolean statusHasDetail = status.has("status") || status.has("message") || status.has("reason");
    List<String> ips = new ArrayList<>();
    e.path("sourceIPs").forEach(ip -> ips.add(ip.asText()));
    return new ControlPlaneRecord(ControlPlaneRecord.AUDIT,
        cluster,
        source + ":" + line,
        auditId,
        text(e, "stage"),
        text(e, "level"),
        verb,
        text(e, "requestURI"),
        e.path("user").path("username").asText(""),
        e.path("impersonatedUser").path("username").asText(""),
        text(e, "userAgent"),
        ips,
        objectRef,
        code,
        statusHasDetail ? status.toString() : null,
        received,
        stageAt,
        requestBody,
        responseBody);
  }

  /**
   * A write of an Event is the Event itself: the response body when the audit level recorded it, else the request
   * body of a create or update. A patch without a response (count and lastTimestamp only) or a Metadata-level write
   * does not say what the Event was; deletes and reads are not occurrences.
   */
  private ParseOutcome eventFromAudit(String verb, String stage, JsonNode request, JsonNode response, long line, String raw) {
    if (!verb.equals("create") && !verb.equals("update") && !verb.equals("patch")) {
      return new ParseOutcome.Filtered(line, FILTER_EVENT_NOT_WRITTEN);
    }
    JsonNode event = response != null && KubeObjects.isKubeEvent(response) ? response
        : request != null && KubeObjects.isKubeEvent(request) && !verb.equals("patch") ? request : null;
    if (event == null) {
      // The API server decodes the body after the first stage is logged: a later stage of the same write has it.
      return new ParseOutcome.Filtered(line, stage.equals("RequestReceived") ? FILTER_EVENT_FIRST_STAGE
          : FILTER_EVENT_WITHOUT_BODY);
    }
    return KubeObjects.event(event, stage, cluster, source, line, raw);
  }

  /**
   * Creates with {@code generateName} carry no name in objectRef, and objectRef rarely carries the uid: the bodies
   * do. Only bodies that are the object itself count (not a Status, a Scale, a Binding or an Eviction).
   */
  static ObjectRef fillIdentityFromBodies(ObjectRef ref, String verb, JsonNode request, JsonNode response) {
    boolean bodiesAreTheObject = ref.subresource().isEmpty() || ref.subresource().equals("status");
    if (!bodiesAreTheObject) {
      return ref;
    }
    JsonNode responseMeta = isObjectBody(response) ? response.path("metadata") : null;
    JsonNode requestMeta = isObjectBody(request) ? request.path("metadata") : null;
    if (ref.name().isEmpty()) {
      String name = responseMeta == null ? "" : responseMeta.path("name").asText("");
      if (name.isEmpty() && requestMeta != null && verb.equals("create")) {
        name = requestMeta.path("name").asText("");
      }
      ref = ref.withName(name);
    }
    if (ref.uid().isEmpty()) {
      String uid = responseMeta == null ? "" : responseMeta.path("uid").asText("");
      if (uid.isEmpty() && requestMeta != null && !verb.equals("create")) {
        uid = requestMeta.path("uid").asText("");
      }
      ref = ref.withUid(uid);
    }
    return ref;
  }

  private static boolean isObjectBody(JsonNode body) {
    return body != null && body.isObject() && !body.path("kind").asText("").equals("Status") && body.has("metadata");
  }

  private static String body(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode() ? null : node.toString();
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? "" : value.asText("");
  }

  private static String firstNonEmpty(String a, String b) {
    return a.isEmpty() ? b : a;
  }

  /** RFC 3339 with any fraction and a Z or numeric offset, as the API server and log shippers write it. */
  public static long micros(String rfc3339) {
    Instant instant;
    try {
      instant = Instant.parse(rfc3339);
    } catch (DateTimeException e) {
      instant = OffsetDateTime.parse(rfc3339).toInstant();
    }
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
  }

  private static String firstLine(IOException e) {
    String message = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
    if (message == null) {
      return e.getClass().getSimpleName();
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 60) + "...";
  }
}
