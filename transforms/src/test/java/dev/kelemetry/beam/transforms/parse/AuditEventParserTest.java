package dev.kelemetry.beam.transforms.parse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.schemas.AuditRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

public class AuditEventParserTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private final AuditEventParser parser = new AuditEventParser("c1", "gs://bucket/audit.log");

  /** A complete v1 audit event for an update of pod default/p1; tests change what they need. */
  private static ObjectNode event() {
    ObjectNode e = JSON.createObjectNode();
    e.put("kind", "Event");
    e.put("apiVersion", "audit.k8s.io/v1");
    e.put("level", "RequestResponse");
    e.put("auditID", "a-1");
    e.put("stage", "ResponseComplete");
    e.put("requestURI", "/api/v1/namespaces/default/pods/p1");
    e.put("verb", "update");
    e.putObject("user").put("username", "bob");
    e.putObject("impersonatedUser").put("username", "alice");
    e.putArray("sourceIPs").add("10.0.0.1").add("10.0.0.2");
    e.put("userAgent", "kubectl/v1.30");
    ObjectNode ref = e.putObject("objectRef");
    ref.put("resource", "pods");
    ref.put("namespace", "default");
    ref.put("name", "p1");
    ref.put("apiVersion", "v1");
    ObjectNode status = e.putObject("responseStatus");
    status.putObject("metadata");
    status.put("code", 200);
    e.put("requestReceivedTimestamp", "2024-01-01T00:00:00.000001Z");
    e.put("stageTimestamp", "2024-01-01T00:00:00.500000Z");
    return e;
  }

  private static long micros(String rfc3339) {
    java.time.Instant i = java.time.Instant.parse(rfc3339);
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
  }

  private List<ParseOutcome> parse(String text) {
    return parser.parse(text, 7);
  }

  private AuditRecord onlyRecord(String text) {
    List<ParseOutcome> out = parse(text);
    assertThat(out, hasSize(1));
    assertThat(out.get(0), instanceOf(ParseOutcome.Parsed.class));
    return ((ParseOutcome.Parsed) out.get(0)).record();
  }

  private ParseOutcome.Failed onlyFailure(String text) {
    List<ParseOutcome> out = parse(text);
    assertThat(out, hasSize(1));
    assertThat(out.get(0), instanceOf(ParseOutcome.Failed.class));
    return (ParseOutcome.Failed) out.get(0);
  }

  private String onlyFilterReason(String text) {
    List<ParseOutcome> out = parse(text);
    assertThat(out, hasSize(1));
    assertThat(out.get(0), instanceOf(ParseOutcome.Filtered.class));
    return ((ParseOutcome.Filtered) out.get(0)).reason();
  }

  @Test
  public void v1EventLineBecomesRecordWithAllFields() {
    AuditRecord r = onlyRecord(event().toString());
    assertThat(r.cluster(), equalTo("c1"));
    assertThat(r.source(), equalTo("gs://bucket/audit.log:7"));
    assertThat(r.auditId(), equalTo("a-1"));
    assertThat(r.stage(), equalTo("ResponseComplete"));
    assertThat(r.level(), equalTo("RequestResponse"));
    assertThat(r.verb(), equalTo("update"));
    assertThat(r.requestUri(), equalTo("/api/v1/namespaces/default/pods/p1"));
    assertThat(r.user(), equalTo("bob"));
    assertThat(r.impersonatedUser(), equalTo("alice"));
    assertThat(r.userAgent(), equalTo("kubectl/v1.30"));
    assertThat(r.sourceIps(), contains("10.0.0.1", "10.0.0.2"));
    assertThat(r.objectRef(), equalTo(new ObjectRef("", "v1", "pods", "", "default", "p1", "", "")));
    assertThat(r.responseCode(), equalTo(200));
    assertThat(r.requestReceivedMicros(), equalTo(micros("2024-01-01T00:00:00.000001Z")));
    assertThat(r.stageMicros(), equalTo(micros("2024-01-01T00:00:00.500Z")));
    assertThat(r.requestObject(), nullValue());
    assertThat(r.responseObject(), nullValue());
  }

  @Test
  public void outcomeCarriesTheLineItStartsAt() {
    assertThat(parser.parse(event().toString(), 42).get(0).line(), equalTo(42L));
  }

  @Test
  public void responseStatusWithOnlyCodeIsNotKeptButOneWithDetailIs() {
    assertThat(onlyRecord(event().toString()).responseStatus(), nullValue());

    ObjectNode e = event();
    ObjectNode status = e.putObject("responseStatus");
    status.put("status", "Failure");
    status.put("reason", "Conflict");
    status.put("message", "the object has been modified");
    status.put("code", 409);
    AuditRecord r = onlyRecord(e.toString());
    assertThat(r.responseCode(), equalTo(409));
    assertThat(r.responseStatus(), containsString("the object has been modified"));
  }

  @Test
  public void bodiesAreKeptAsCompactJson() {
    ObjectNode e = event();
    e.putObject("requestObject").put("kind", "Pod").putObject("metadata").put("name", "p1");
    e.putObject("responseObject").put("kind", "Pod").putObject("metadata").put("name", "p1").put("uid", "u-1");
    AuditRecord r = onlyRecord(e.toString());
    assertThat(r.requestObject(), equalTo("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\"}}"));
    assertThat(r.responseObject(), equalTo("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\",\"uid\":\"u-1\"}}"));
  }

  @Test
  public void v1beta1EventIsRead() {
    ObjectNode e = event();
    e.put("apiVersion", "audit.k8s.io/v1beta1");
    assertThat(onlyRecord(e.toString()).auditId(), equalTo("a-1"));
  }

  @Test
  public void eventWithoutApiVersionOrKindIsReadWhenItHasAuditIdAndVerb() {
    ObjectNode e = event();
    e.remove("apiVersion");
    e.remove("kind");
    assertThat(onlyRecord(e.toString()).verb(), equalTo("update"));
  }

  @Test
  public void timestampFieldIsUsedWhenRequestReceivedTimestampIsMissing() {
    ObjectNode e = event();
    e.remove("requestReceivedTimestamp");
    e.remove("stageTimestamp");
    e.put("timestamp", "2024-02-03T04:05:06.123456Z");
    AuditRecord r = onlyRecord(e.toString());
    assertThat(r.requestReceivedMicros(), equalTo(micros("2024-02-03T04:05:06.123456Z")));
    assertThat(r.stageMicros(), equalTo(r.requestReceivedMicros()));
  }

  @Test
  public void timestampsWithNumericOffsetAreConvertedToUtc() {
    ObjectNode e = event();
    e.put("requestReceivedTimestamp", "2024-01-01T02:00:00.25+02:00");
    assertThat(onlyRecord(e.toString()).requestReceivedMicros(), equalTo(micros("2024-01-01T00:00:00.250Z")));
  }

  @Test
  public void microsReadsAnyFractionLength() {
    assertThat(AuditEventParser.micros("1970-01-01T00:00:01.5Z"), equalTo(1_500_000L));
    assertThat(AuditEventParser.micros("1970-01-01T00:00:00.000000001Z"), equalTo(0L));
    assertThat(AuditEventParser.micros("1969-12-31T23:59:59Z"), equalTo(-1_000_000L));
  }

  @Test
  public void eventListBatchBecomesOneOutcomePerItem() {
    ObjectNode list = JSON.createObjectNode();
    list.put("kind", "EventList");
    list.put("apiVersion", "audit.k8s.io/v1");
    ObjectNode second = event();
    second.put("auditID", "a-2");
    list.putArray("items").add(event()).add(second);
    List<ParseOutcome> out = parse(list.toString());
    assertThat(out, hasSize(2));
    assertThat(((ParseOutcome.Parsed) out.get(0)).record().auditId(), equalTo("a-1"));
    assertThat(((ParseOutcome.Parsed) out.get(1)).record().auditId(), equalTo("a-2"));
  }

  @Test
  public void itemsWithoutKindAreReadAsAnEventList() {
    ObjectNode list = JSON.createObjectNode();
    list.putArray("items").add(event()).add(event());
    assertThat(parse(list.toString()), hasSize(2));
  }

  @Test
  public void jsonArrayBecomesOneOutcomePerElementAndBadElementsAreDeadLettersOnTheirOwn() {
    ObjectNode logEntry = JSON.createObjectNode();
    logEntry.put("logName", "projects/p/logs/cloudaudit.googleapis.com%2Factivity");
    String text = "[" + event() + "," + logEntry + ",42]";
    List<ParseOutcome> out = parse(text);
    assertThat(out, hasSize(3));
    assertThat(out.get(0), instanceOf(ParseOutcome.Parsed.class));
    assertThat(out.get(1), instanceOf(ParseOutcome.Failed.class));
    assertThat(((ParseOutcome.Failed) out.get(1)).raw(), equalTo(logEntry.toString()));
    assertThat(((ParseOutcome.Failed) out.get(2)).reason(), startsWith("not a JSON object: "));
  }

  @Test
  public void yamlDocumentsAreReadEachWithTheLineItStartsAt() {
    String yaml = String.join("\n",
        "apiVersion: audit.k8s.io/v1",
        "kind: Event",
        "auditID: y-1",
        "verb: delete",
        "stage: ResponseComplete",
        "requestReceivedTimestamp: \"2024-01-01T00:00:00Z\"",
        "objectRef:",
        "  resource: configmaps",
        "  namespace: ns",
        "  name: cm",
        "---",
        "apiVersion: audit.k8s.io/v1",
        "kind: Event",
        "auditID: y-2",
        "verb: create",
        "requestReceivedTimestamp: \"2024-01-01T00:00:01Z\"",
        "objectRef:",
        "  resource: configmaps",
        "  namespace: ns",
        "  name: cm",
        "");
    List<ParseOutcome> out = parser.parse(yaml, 100);
    assertThat(out, hasSize(2));
    AuditRecord first = ((ParseOutcome.Parsed) out.get(0)).record();
    AuditRecord second = ((ParseOutcome.Parsed) out.get(1)).record();
    assertThat(first.auditId(), equalTo("y-1"));
    assertThat(first.objectRef().resource(), equalTo("configmaps"));
    assertThat(second.auditId(), equalTo("y-2"));
    assertThat(out.get(0).line(), equalTo(100L));
    assertThat(out.get(1).line(), equalTo(111L));
  }

  @Test
  public void blankInputGivesNoOutcome() {
    assertThat(parse("   \n\t "), empty());
  }

  @Test
  public void invalidJsonIsADeadLetterThatSaysSoAndKeepsTheText() {
    String text = "{\"kind\":\"Event\",\"auditID\": ";
    ParseOutcome.Failed f = onlyFailure(text);
    assertThat(f.reason(), startsWith("invalid JSON: "));
    assertThat(f.raw(), equalTo(text));
    assertThat(f.line(), equalTo(7L));
  }

  @Test
  public void invalidYamlIsADeadLetter() {
    assertThat(onlyFailure("a: [1, 2\nb: }").reason(), startsWith("neither JSON nor valid YAML: "));
  }

  @Test
  public void cloudLoggingLogEntryIsNamedInTheDeadLetterReason() {
    ObjectNode e = JSON.createObjectNode();
    e.putObject("protoPayload").put("methodName", "io.k8s.core.v1.pods.create");
    assertThat(onlyFailure(e.toString()).reason(), containsString("Cloud Logging LogEntry"));
  }

  @Test
  public void kubernetesEventObjectIsNamedInTheDeadLetterReason() {
    ObjectNode core = JSON.createObjectNode();
    core.put("kind", "Event");
    core.put("apiVersion", "v1");
    core.put("reason", "Scheduled");
    core.putObject("involvedObject").put("kind", "Pod");
    assertThat(onlyFailure(core.toString()).reason(), containsString("Kubernetes Event object (v1)"));

    core.put("apiVersion", "events.k8s.io/v1");
    assertThat(onlyFailure(core.toString()).reason(), containsString("Kubernetes Event object (events.k8s.io/v1)"));
  }

  @Test
  public void otherKindsAreDeadLettersNamingTheKind() {
    ObjectNode pod = JSON.createObjectNode();
    pod.put("kind", "Pod");
    pod.put("apiVersion", "v1");
    assertThat(onlyFailure(pod.toString()).reason(), equalTo("not an audit event: kind Pod apiVersion v1"));
  }

  @Test
  public void auditEventWithoutAuditIdIsADeadLetter() {
    ObjectNode e = event();
    e.remove("auditID");
    assertThat(onlyFailure(e.toString()).reason(), equalTo("audit event without auditID"));
  }

  @Test
  public void auditEventWithoutVerbIsADeadLetter() {
    ObjectNode e = event();
    e.remove("verb");
    assertThat(onlyFailure(e.toString()).reason(), equalTo("audit event without verb"));
  }

  @Test
  public void auditEventWithoutTimestampsIsADeadLetter() {
    ObjectNode e = event();
    e.remove("requestReceivedTimestamp");
    assertThat(onlyFailure(e.toString()).reason(),
        equalTo("audit event without requestReceivedTimestamp or timestamp"));
  }

  @Test
  public void auditEventWithUnreadableTimestampIsADeadLetter() {
    ObjectNode e = event();
    e.put("requestReceivedTimestamp", "yesterday");
    assertThat(onlyFailure(e.toString()).reason(), startsWith("audit event with an unreadable timestamp: "));
  }

  @Test
  public void objectRefWithoutResourceIsADeadLetter() {
    ObjectNode e = event();
    ((ObjectNode) e.get("objectRef")).remove("resource");
    assertThat(onlyFailure(e.toString()).reason(), equalTo("audit event whose objectRef has no resource"));
  }

  @Test
  public void nonResourceRequestIsFiltered() {
    ObjectNode e = event();
    e.remove("objectRef");
    e.put("requestURI", "/healthz");
    e.put("verb", "get");
    assertThat(onlyFilterReason(e.toString()), equalTo(AuditEventParser.FILTER_NON_RESOURCE));
  }

  @Test
  public void collectionRequestIsFiltered() {
    ObjectNode e = event();
    ((ObjectNode) e.get("objectRef")).remove("name");
    e.put("verb", "list");
    assertThat(onlyFilterReason(e.toString()), equalTo(AuditEventParser.FILTER_COLLECTION));
  }

  @Test
  public void aCreateAtRequestReceivedIsKeptForDeduplicationThoughItNamesNoObjectYet() {
    ObjectNode e = event();
    ((ObjectNode) e.get("objectRef")).remove("name");
    e.put("verb", "create");
    e.put("stage", "RequestReceived");
    e.remove("responseStatus");
    List<ParseOutcome> out = new AuditEventParser("c1", "f").parse(e.toString(), 1);
    assertThat(out.size(), equalTo(1));
    assertThat(((ParseOutcome.Parsed) out.get(0)).record().objectRef().name(), equalTo(""));
  }

  @Test
  public void readsKeepNoBodies() {
    ObjectNode e = event();
    e.put("verb", "get");
    e.putObject("responseObject").put("kind", "Pod").putObject("metadata").put("name", "p1").put("uid", "u-9");
    AuditRecord r = ((ParseOutcome.Parsed) new AuditEventParser("c1", "f").parse(e.toString(), 1).get(0)).record();
    assertThat(r.responseObject(), equalTo(null));
    assertThat(r.objectRef().uid(), equalTo("u-9")); // the identity was taken before the body was dropped
  }

  @Test
  public void writesOfCoreAndEventsGroupEventObjectsAreFiltered() {
    ObjectNode e = event();
    ObjectNode ref = (ObjectNode) e.get("objectRef");
    ref.put("resource", "events");
    e.put("verb", "create");
    assertThat(onlyFilterReason(e.toString()), equalTo(AuditEventParser.FILTER_EVENT_OBJECTS));
    ref.put("apiGroup", "events.k8s.io");
    assertThat(onlyFilterReason(e.toString()), equalTo(AuditEventParser.FILTER_EVENT_OBJECTS));
  }

  @Test
  public void eventsResourceOfAnotherGroupIsNotFiltered() {
    ObjectNode e = event();
    ObjectNode ref = (ObjectNode) e.get("objectRef");
    ref.put("resource", "events");
    ref.put("apiGroup", "example.com");
    assertThat(onlyRecord(e.toString()).objectRef().resource(), equalTo("events"));
  }

  @Test
  public void generateNameCreateTakesNameAndUidFromResponseObject() {
    ObjectNode e = event();
    e.put("verb", "create");
    ((ObjectNode) e.get("objectRef")).remove("name");
    ObjectNode req = e.putObject("requestObject");
    req.put("kind", "Pod");
    req.putObject("metadata").put("generateName", "web-");
    ObjectNode resp = e.putObject("responseObject");
    resp.put("kind", "Pod");
    resp.putObject("metadata").put("generateName", "web-").put("name", "web-x7k2p").put("uid", "uid-123");
    ObjectRef ref = onlyRecord(e.toString()).objectRef();
    assertThat(ref.name(), equalTo("web-x7k2p"));
    assertThat(ref.uid(), equalTo("uid-123"));
  }

  @Test
  public void createWithoutResponseTakesNameButNotUidFromRequestObject() {
    ObjectNode e = event();
    e.put("verb", "create");
    ((ObjectNode) e.get("objectRef")).remove("name");
    ObjectNode req = e.putObject("requestObject");
    req.put("kind", "Pod");
    req.putObject("metadata").put("name", "p9").put("uid", "client-set-uid");
    ObjectRef ref = onlyRecord(e.toString()).objectRef();
    assertThat(ref.name(), equalTo("p9"));
    assertThat(ref.uid(), equalTo(""));
  }

  @Test
  public void updateWithoutResponseTakesUidFromRequestObject() {
    ObjectNode e = event();
    ObjectNode req = e.putObject("requestObject");
    req.put("kind", "Pod");
    req.putObject("metadata").put("name", "p1").put("uid", "uid-from-request");
    assertThat(onlyRecord(e.toString()).objectRef().uid(), equalTo("uid-from-request"));
  }

  @Test
  public void statusSubresourceBodiesGiveIdentity() {
    ObjectNode e = event();
    ((ObjectNode) e.get("objectRef")).put("subresource", "status");
    ObjectNode resp = e.putObject("responseObject");
    resp.put("kind", "Pod");
    resp.putObject("metadata").put("name", "p1").put("uid", "uid-p1");
    assertThat(onlyRecord(e.toString()).objectRef().uid(), equalTo("uid-p1"));
  }

  @Test
  public void bindingSubresourceDoesNotTakeIdentityFromItsBodies() {
    ObjectNode e = event();
    e.put("verb", "create");
    ((ObjectNode) e.get("objectRef")).put("subresource", "binding");
    ObjectNode req = e.putObject("requestObject");
    req.put("kind", "Binding");
    req.put("apiVersion", "v1");
    req.putObject("metadata").put("name", "p1").put("uid", "binding-uid");
    req.putObject("target").put("kind", "Node").put("name", "node-1");
    ObjectNode resp = e.putObject("responseObject");
    resp.put("kind", "Binding");
    resp.putObject("metadata").put("name", "other").put("uid", "binding-uid-2");
    ObjectRef ref = onlyRecord(e.toString()).objectRef();
    assertThat(ref.subresource(), equalTo("binding"));
    assertThat(ref.name(), equalTo("p1"));
    assertThat(ref.uid(), equalTo(""));
  }

  @Test
  public void statusResponseDoesNotGiveIdentity() {
    ObjectNode e = event();
    e.put("verb", "delete");
    ObjectNode resp = e.putObject("responseObject");
    resp.put("kind", "Status");
    resp.putObject("metadata").put("name", "not-the-object").put("uid", "status-uid");
    resp.put("status", "Success");
    ObjectRef ref = onlyRecord(e.toString()).objectRef();
    assertThat(ref.name(), equalTo("p1"));
    assertThat(ref.uid(), equalTo(""));
  }

  @Test
  public void uidAlreadyInObjectRefIsKept() {
    ObjectNode e = event();
    ((ObjectNode) e.get("objectRef")).put("uid", "ref-uid");
    e.putObject("responseObject").put("kind", "Pod").putObject("metadata").put("name", "p1").put("uid", "body-uid");
    assertThat(onlyRecord(e.toString()).objectRef().uid(), equalTo("ref-uid"));
  }

  @Test
  public void everyItemOfABatchHasExactlyOneOutcome() {
    List<String> items = new ArrayList<>();
    items.add(event().toString());
    ObjectNode noId = event();
    noId.remove("auditID");
    items.add(noId.toString());
    ObjectNode collection = event();
    ((ObjectNode) collection.get("objectRef")).remove("name");
    items.add(collection.toString());
    List<ParseOutcome> out = parse("[" + String.join(",", items) + "]");
    assertThat(out, hasSize(3));
    assertThat(out.get(0) instanceof ParseOutcome.Parsed, is(true));
    assertThat(out.get(1) instanceof ParseOutcome.Failed, is(true));
    assertThat(out.get(2) instanceof ParseOutcome.Filtered, is(true));
  }
}
