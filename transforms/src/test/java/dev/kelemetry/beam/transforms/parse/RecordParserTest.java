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
import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

public class RecordParserTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private final RecordParser parser = new RecordParser("c1", "gs://bucket/audit.log");

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

  private ControlPlaneRecord onlyRecord(String text) {
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
    ControlPlaneRecord r = onlyRecord(event().toString());
    assertThat(r.cluster(), equalTo("c1"));
    assertThat(r.source(), equalTo("gs://bucket/audit.log:7"));
    assertThat(r.id(), equalTo("a-1"));
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
    ControlPlaneRecord r = onlyRecord(e.toString());
    assertThat(r.responseCode(), equalTo(409));
    assertThat(r.responseStatus(), containsString("the object has been modified"));
  }

  @Test
  public void bodiesAreKeptAsCompactJson() {
    ObjectNode e = event();
    e.putObject("requestObject").put("kind", "Pod").putObject("metadata").put("name", "p1");
    e.putObject("responseObject").put("kind", "Pod").putObject("metadata").put("name", "p1").put("uid", "u-1");
    ControlPlaneRecord r = onlyRecord(e.toString());
    assertThat(r.requestObject(), equalTo("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\"}}"));
    assertThat(r.responseObject(), equalTo("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\",\"uid\":\"u-1\"}}"));
  }

  @Test
  public void v1beta1EventIsRead() {
    ObjectNode e = event();
    e.put("apiVersion", "audit.k8s.io/v1beta1");
    assertThat(onlyRecord(e.toString()).id(), equalTo("a-1"));
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
    ControlPlaneRecord r = onlyRecord(e.toString());
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
    assertThat(RecordParser.micros("1970-01-01T00:00:01.5Z"), equalTo(1_500_000L));
    assertThat(RecordParser.micros("1970-01-01T00:00:00.000000001Z"), equalTo(0L));
    assertThat(RecordParser.micros("1969-12-31T23:59:59Z"), equalTo(-1_000_000L));
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
    assertThat(((ParseOutcome.Parsed) out.get(0)).record().id(), equalTo("a-1"));
    assertThat(((ParseOutcome.Parsed) out.get(1)).record().id(), equalTo("a-2"));
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
    ControlPlaneRecord first = ((ParseOutcome.Parsed) out.get(0)).record();
    ControlPlaneRecord second = ((ParseOutcome.Parsed) out.get(1)).record();
    assertThat(first.id(), equalTo("y-1"));
    assertThat(first.objectRef().resource(), equalTo("configmaps"));
    assertThat(second.id(), equalTo("y-2"));
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

  /** A GKE audit LogEntry as a log sink exports it: the status patch of a pod by the kubelet. */
  private static ObjectNode gkeEntry() {
    ObjectNode e = JSON.createObjectNode();
    e.put("insertId", "i-1");
    e.put("logName", "projects/p/logs/cloudaudit.googleapis.com%2Factivity");
    e.putObject("operation").put("id", "op-1").put("first", true).put("last", true).put("producer", "k8s.io");
    ObjectNode proto = e.putObject("protoPayload");
    proto.put("@type", "type.googleapis.com/google.cloud.audit.AuditLog");
    proto.putObject("authenticationInfo").put("principalEmail", "system:node:n1");
    proto.put("methodName", "io.k8s.core.v1.pods.status.patch");
    proto.put("resourceName", "core/v1/namespaces/ns/pods/p1/status");
    proto.putObject("requestMetadata").put("callerIp", "10.0.0.9").put("callerSuppliedUserAgent", "kubelet/v1.30");
    proto.putObject("request").put("@type", "k8s.io/Patch").putObject("status").put("phase", "Running");
    proto.putObject("status").put("code", 0);
    e.put("timestamp", "2024-01-01T01:00:00.250Z");
    e.putObject("resource").put("type", "k8s_cluster").putObject("labels").put("cluster_name", "gke-prod")
        .put("project_id", "p").put("location", "us-central1");
    return e;
  }

  @Test
  public void gkeAuditLogEntryIsReadAsTheNativeEventItWasMadeFrom() {
    ControlPlaneRecord r = onlyRecord(gkeEntry().toString());
    assertThat(r.cluster(), equalTo("gke-prod")); // from the labels, not the input's cluster
    assertThat(r.id(), equalTo("op-1"));
    assertThat(r.verb(), equalTo("patch"));
    assertThat(r.stage(), equalTo("ResponseComplete"));
    assertThat(r.objectRef(), equalTo(new ObjectRef("", "v1", "pods", "status", "ns", "p1", "", "")));
    assertThat(r.user(), equalTo("system:node:n1"));
    assertThat(r.sourceIps(), contains("10.0.0.9"));
    assertThat(r.userAgent(), equalTo("kubelet/v1.30"));
    assertThat(r.responseCode(), equalTo(200));
    assertThat(r.requestObject(), equalTo("{\"status\":{\"phase\":\"Running\"}}")); // without @type
    assertThat(r.requestReceivedMicros(), equalTo(micros("2024-01-01T01:00:00.250Z")));
  }

  @Test
  public void gkeStatusCodesAreGrpcCodesAndAFirstOnlyOperationIsTheFirstStage() {
    ObjectNode e = gkeEntry();
    ((ObjectNode) e.path("protoPayload").path("status")).put("code", 6).put("message", "already exists");
    ((ObjectNode) e.path("operation")).put("last", false);
    ControlPlaneRecord r = onlyRecord(e.toString());
    assertThat(r.responseCode(), equalTo(409));
    assertThat(r.stage(), equalTo("RequestReceived"));
    assertThat(r.responseStatus(), containsString("already exists"));
  }

  @Test
  public void gkeResourceNamesOfClusterScopedObjectsAndNamespacesAreRead() {
    assertThat(CloudEnvelopes.objectRef("core/v1/nodes/n1").path("resource").asText(), equalTo("nodes"));
    assertThat(CloudEnvelopes.objectRef("core/v1/namespaces/team-a").path("name").asText(), equalTo("team-a"));
    assertThat(CloudEnvelopes.objectRef("core/v1/namespaces/team-a/finalize").path("subresource").asText(),
        equalTo("finalize"));
    assertThat(CloudEnvelopes.objectRef("apps/v1/namespaces/ns/deployments/web/scale").path("apiGroup").asText(),
        equalTo("apps"));
    assertThat(CloudEnvelopes.objectRef("core/v1"), nullValue());
  }

  @Test
  public void gkeEntriesThatAreNotKubernetesApiCallsOrHoldOnlyTextAreFilteredByReason() {
    ObjectNode e = gkeEntry();
    ((ObjectNode) e.path("protoPayload")).put("methodName", "google.container.v1.ClusterManager.UpdateCluster");
    assertThat(onlyFilterReason(e.toString()), equalTo(CloudEnvelopes.FILTER_GKE_NOT_KUBERNETES));
    ObjectNode text = JSON.createObjectNode().put("logName", "projects/p/logs/events").put("textPayload", "started");
    assertThat(onlyFilterReason(text.toString()), equalTo(CloudEnvelopes.FILTER_LOG_ENTRY_TEXT));
  }

  @Test
  public void gkeEventsLogEntryIsTheKubernetesEventInIt() {
    ObjectNode e = JSON.createObjectNode().put("logName", "projects/p/logs/events");
    e.set("jsonPayload", coreEvent());
    e.putObject("resource").putObject("labels").put("cluster_name", "gke-prod");
    ControlPlaneRecord r = onlyRecord(e.toString());
    assertThat(r.origin(), equalTo(ControlPlaneRecord.EVENT));
    assertThat(r.cluster(), equalTo("gke-prod"));
  }

  @Test
  public void aksRecordsHoldTheNativeEventAsObjectOrAsTextAndNameTheirCluster() {
    ObjectNode aks = JSON.createObjectNode().put("category", "kube-audit")
        .put("resourceId", "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD")
        .put("time", "2024-01-01T00:00:01Z");
    aks.putObject("properties").put("log", event().toString()).put("stream", "stdout");
    ControlPlaneRecord fromText = onlyRecord(aks.toString());
    assertThat(fromText.cluster(), equalTo("aks-prod"));
    assertThat(fromText.id(), equalTo("a-1"));
    ((ObjectNode) aks.path("properties")).set("log", event());
    ObjectNode batch = JSON.createObjectNode();
    batch.putArray("records").add(aks).add(aks.deepCopy().put("category", "kube-apiserver"));
    List<ParseOutcome> out = parse(batch.toString());
    assertThat(out, hasSize(2));
    assertThat(((ParseOutcome.Parsed) out.get(0)).record().cluster(), equalTo("aks-prod"));
    assertThat(((ParseOutcome.Filtered) out.get(1)).reason(), equalTo(CloudEnvelopes.FILTER_AKS_OTHER_CATEGORY));
  }

  @Test
  public void eksCloudWatchExportHoldsNativeEventsAndItsLogGroupNamesTheCluster() {
    ObjectNode eks = JSON.createObjectNode().put("messageType", "DATA_MESSAGE").put("owner", "123")
        .put("logGroup", "/aws/eks/eks-prod/cluster").put("logStream", "kube-apiserver-audit-abc");
    eks.putArray("logEvents")
        .add(JSON.createObjectNode().put("id", "1").put("timestamp", 1704067200000L).put("message", event().toString()))
        .add(JSON.createObjectNode().put("id", "2").put("timestamp", 1704067200000L).put("message", "{broken"));
    List<ParseOutcome> out = parse(eks.toString());
    assertThat(out, hasSize(2));
    assertThat(((ParseOutcome.Parsed) out.get(0)).record().cluster(), equalTo("eks-prod"));
    assertThat(out.get(1), instanceOf(ParseOutcome.Failed.class)); // one broken message spoils only itself
    eks.put("messageType", "CONTROL_MESSAGE");
    assertThat(onlyFilterReason(eks.toString()), equalTo(CloudEnvelopes.FILTER_EKS_CONTROL));
  }

  /** A core/v1 Event about pod default/p1, as {@code kubectl get events -o json} prints one. */
  private static ObjectNode coreEvent() {
    ObjectNode ev = JSON.createObjectNode();
    ev.put("apiVersion", "v1");
    ev.put("kind", "Event");
    ev.putObject("metadata").put("name", "p1.17a").put("namespace", "default").put("uid", "ev-1")
        .put("resourceVersion", "77").put("creationTimestamp", "2024-01-01T00:00:01Z");
    ev.putObject("involvedObject").put("apiVersion", "v1").put("kind", "Pod").put("namespace", "default")
        .put("name", "p1").put("uid", "pod-uid");
    ev.put("reason", "Scheduled");
    ev.put("message", "Successfully assigned default/p1 to n1");
    ev.put("type", "Normal");
    ev.put("count", 3);
    ev.put("firstTimestamp", "2024-01-01T00:00:01Z");
    ev.put("lastTimestamp", "2024-01-01T00:00:05Z");
    return ev;
  }

  /** A ReplicaSet as stored, with the fields that place a state in time. */
  private static ObjectNode replicaSet() {
    ObjectNode rs = JSON.createObjectNode();
    rs.put("apiVersion", "apps/v1");
    rs.put("kind", "ReplicaSet");
    ObjectNode meta = rs.putObject("metadata");
    meta.put("name", "web-1").put("namespace", "default").put("uid", "rs-uid").put("resourceVersion", "12")
        .put("creationTimestamp", "2024-01-01T00:00:00Z");
    meta.putArray("managedFields").addObject().put("manager", "kube-controller-manager").put("time", "2024-01-01T00:00:03Z");
    rs.putObject("status").putArray("conditions").addObject().put("type", "ReplicaFailure")
        .put("lastTransitionTime", "2024-01-01T00:00:02Z");
    return rs;
  }

  @Test
  public void coreEventBecomesAnEventRecordAboutItsInvolvedObject() {
    ControlPlaneRecord r = onlyRecord(coreEvent().toString());
    assertThat(r.origin(), equalTo(ControlPlaneRecord.EVENT));
    assertThat(r.objectRef(), equalTo(new ObjectRef("", "v1", "pods", "", "default", "p1", "pod-uid", "")));
    assertThat(r.id(), equalTo("default/p1.17a#3"));
    assertThat(r.requestReceivedMicros(), equalTo(micros("2024-01-01T00:00:05Z"))); // the last occurrence
    assertThat(r.responseObject(), containsString("Successfully assigned"));
  }

  @Test
  public void eventsApiEventIsReadFromRegardingAndSeries() {
    ObjectNode ev = JSON.createObjectNode();
    ev.put("apiVersion", "events.k8s.io/v1");
    ev.put("kind", "Event");
    ev.putObject("metadata").put("name", "web.1").put("namespace", "default");
    ev.putObject("regarding").put("apiVersion", "apps/v1").put("kind", "Deployment").put("namespace", "default")
        .put("name", "web").put("uid", "d-1");
    ev.put("reason", "ScalingReplicaSet");
    ev.put("note", "Scaled up");
    ev.put("eventTime", "2024-01-01T00:00:01.250000Z");
    ev.putObject("series").put("count", 4).put("lastObservedTime", "2024-01-01T00:09:00.500000Z");
    ControlPlaneRecord r = onlyRecord(ev.toString());
    assertThat(r.objectRef().apiGroup(), equalTo("apps"));
    assertThat(r.objectRef().resource(), equalTo("deployments"));
    assertThat(r.id(), equalTo("default/web.1#4"));
    assertThat(r.requestReceivedMicros(), equalTo(micros("2024-01-01T00:09:00.500000Z")));
  }

  @Test
  public void eventWithoutInvolvedObjectIsADeadLetterThatSaysSo() {
    ObjectNode ev = coreEvent();
    ev.remove("involvedObject");
    assertThat(onlyFailure(ev.toString()).reason(), containsString("without the kind and name of the object"));
  }

  @Test
  public void nodeEventThatNamesTheNodeInItsUidLeavesTheUidUnknown() {
    ObjectNode ev = coreEvent();
    ev.putObject("involvedObject").put("kind", "Node").put("name", "n1").put("uid", "n1");
    ObjectRef ref = onlyRecord(ev.toString()).objectRef();
    assertThat(ref.resource(), equalTo("nodes"));
    assertThat(ref.uid(), equalTo(""));
  }

  @Test
  public void eventListFromTheApiServerHasItemsWithoutKindAndAllAreRead() {
    ObjectNode list = JSON.createObjectNode();
    list.put("apiVersion", "v1");
    list.put("kind", "EventList");
    ObjectNode item = coreEvent();
    item.remove("kind");
    item.remove("apiVersion");
    list.putArray("items").add(item).add(item.deepCopy().put("count", 4));
    List<ParseOutcome> out = parse(list.toString());
    assertThat(out, hasSize(2));
    assertThat(((ParseOutcome.Parsed) out.get(1)).record().id(), equalTo("default/p1.17a#4"));
  }

  @Test
  public void watchLineOfAnObjectBecomesAStatePlacedAfterItsNewestTimestamp() {
    ObjectNode watch = JSON.createObjectNode().put("type", "MODIFIED");
    watch.set("object", replicaSet());
    ControlPlaneRecord r = onlyRecord(watch.toString());
    assertThat(r.origin(), equalTo(ControlPlaneRecord.STATE));
    assertThat(r.stage(), equalTo("MODIFIED"));
    assertThat(r.objectRef(), equalTo(new ObjectRef("apps", "v1", "replicasets", "", "default", "web-1", "rs-uid", "12")));
    assertThat(r.id(), equalTo("rs-uid@12"));
    // managedFields says 00:00:03 (whole seconds): the write was within that second, the state is placed after it
    assertThat(r.requestReceivedMicros(), equalTo(micros("2024-01-01T00:00:04Z")));
    assertThat(r.responseObject(), containsString("\"uid\":\"rs-uid\""));
  }

  @Test
  public void aShippersTimeOnTheWatchLineWins() {
    ObjectNode watch = JSON.createObjectNode().put("type", "ADDED").put("time", "2024-01-01T00:00:03.123456Z");
    watch.set("object", replicaSet());
    assertThat(onlyRecord(watch.toString()).requestReceivedMicros(), equalTo(micros("2024-01-01T00:00:03.123456Z")));
  }

  @Test
  public void terminatingPodIsPlacedAtItsDeleteNotAtTheEndOfItsGracePeriod() {
    ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
    pod.putObject("metadata").put("name", "p1").put("namespace", "default").put("uid", "u")
        .put("creationTimestamp", "2024-01-01T00:00:00Z").put("deletionTimestamp", "2024-01-01T00:01:30Z")
        .put("deletionGracePeriodSeconds", 30);
    ObjectNode watch = JSON.createObjectNode().put("type", "MODIFIED");
    watch.set("object", pod);
    assertThat(onlyRecord(watch.toString()).requestReceivedMicros(), equalTo(micros("2024-01-01T00:01:01Z")));
  }

  @Test
  public void watchLinesOfEventsAreEventsAndTheirDeletionIsFiltered() {
    ObjectNode watch = JSON.createObjectNode().put("type", "ADDED");
    watch.set("object", coreEvent());
    assertThat(onlyRecord(watch.toString()).origin(), equalTo(ControlPlaneRecord.EVENT));
    watch.put("type", "DELETED");
    assertThat(onlyFilterReason(watch.toString()), equalTo(RecordParser.FILTER_EVENT_DELETED));
  }

  @Test
  public void bookmarksAndWatchErrorsAreFilteredAndUnknownTypesAreDeadLetters() {
    ObjectNode watch = JSON.createObjectNode().put("type", "BOOKMARK");
    watch.putObject("object").put("kind", "Pod").putObject("metadata").put("resourceVersion", "9");
    assertThat(onlyFilterReason(watch.toString()), equalTo(RecordParser.FILTER_WATCH_BOOKMARK));
    watch.put("type", "ERROR");
    assertThat(onlyFilterReason(watch.toString()), equalTo(RecordParser.FILTER_WATCH_ERROR));
    watch.put("type", "SYNC");
    assertThat(onlyFailure(watch.toString()).reason(), containsString("unknown type 'SYNC'"));
  }

  @Test
  public void objectDumpListsAreStatesEvenWhenTheirItemsLackKind() {
    ObjectNode list = JSON.createObjectNode().put("apiVersion", "apps/v1").put("kind", "ReplicaSetList");
    ObjectNode item = replicaSet();
    item.remove("kind");
    item.remove("apiVersion");
    list.putArray("items").add(item);
    ControlPlaneRecord r = onlyRecord(list.toString());
    assertThat(r.stage(), equalTo(ControlPlaneRecord.LISTED));
    assertThat(r.objectRef().resource(), equalTo("replicasets"));
  }

  @Test
  public void objectWithoutAnyTimeIsADeadLetterThatSaysSo() {
    ObjectNode cm = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
    cm.putObject("metadata").put("name", "c");
    assertThat(onlyFailure(cm.toString()).reason(), containsString("no timestamp to place it in time"));
  }

  @Test
  public void kindWithoutNameIsStillADeadLetterNamingTheKind() {
    ObjectNode pod = JSON.createObjectNode();
    pod.put("kind", "Pod");
    pod.put("apiVersion", "v1");
    assertThat(onlyFailure(pod.toString()).reason(), containsString("kind Pod apiVersion v1 and no metadata.name"));
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
    assertThat(onlyFilterReason(e.toString()), equalTo(RecordParser.FILTER_NON_RESOURCE));
  }

  @Test
  public void collectionRequestIsFiltered() {
    ObjectNode e = event();
    ((ObjectNode) e.get("objectRef")).remove("name");
    e.put("verb", "list");
    assertThat(onlyFilterReason(e.toString()), equalTo(RecordParser.FILTER_COLLECTION));
  }

  @Test
  public void aCreateAtRequestReceivedIsKeptForDeduplicationThoughItNamesNoObjectYet() {
    ObjectNode e = event();
    ((ObjectNode) e.get("objectRef")).remove("name");
    e.put("verb", "create");
    e.put("stage", "RequestReceived");
    e.remove("responseStatus");
    List<ParseOutcome> out = new RecordParser("c1", "f").parse(e.toString(), 1);
    assertThat(out.size(), equalTo(1));
    assertThat(((ParseOutcome.Parsed) out.get(0)).record().objectRef().name(), equalTo(""));
  }

  @Test
  public void readsKeepNoBodies() {
    ObjectNode e = event();
    e.put("verb", "get");
    e.putObject("responseObject").put("kind", "Pod").putObject("metadata").put("name", "p1").put("uid", "u-9");
    ControlPlaneRecord r = ((ParseOutcome.Parsed) new RecordParser("c1", "f").parse(e.toString(), 1).get(0)).record();
    assertThat(r.responseObject(), equalTo(null));
    assertThat(r.objectRef().uid(), equalTo("u-9")); // the identity was taken before the body was dropped
  }

  @Test
  public void auditedWriteOfAnEventIsTheEventFromTheResponseElseFromACreatesRequest() {
    ObjectNode e = event();
    ObjectNode ref = (ObjectNode) e.get("objectRef");
    ref.put("resource", "events");
    ref.put("name", "p1.17a");
    e.put("verb", "create");
    e.set("requestObject", coreEvent().put("message", "from the request"));
    ControlPlaneRecord fromRequest = onlyRecord(e.toString());
    assertThat(fromRequest.origin(), equalTo(ControlPlaneRecord.EVENT));
    assertThat(fromRequest.objectRef().name(), equalTo("p1")); // about the pod, not the Event
    assertThat(fromRequest.responseObject(), containsString("from the request"));
    assertThat(fromRequest.stage(), equalTo("ResponseComplete"));

    e.set("responseObject", coreEvent().put("message", "from the response"));
    assertThat(onlyRecord(e.toString()).responseObject(), containsString("from the response"));
  }

  @Test
  public void eventWritesThatDoNotSayWhatTheEventWasAreFilteredByReason() {
    ObjectNode e = event();
    ObjectNode ref = (ObjectNode) e.get("objectRef");
    ref.put("resource", "events");
    ref.put("apiGroup", "events.k8s.io");
    e.put("verb", "patch");
    e.putObject("requestObject").put("count", 4); // a patch body alone is not the Event
    assertThat(onlyFilterReason(e.toString()), equalTo(RecordParser.FILTER_EVENT_WITHOUT_BODY));
    e.put("verb", "create").put("stage", "RequestReceived").remove("requestObject");
    assertThat(onlyFilterReason(e.toString()), equalTo(RecordParser.FILTER_EVENT_FIRST_STAGE));
    e.put("verb", "delete");
    assertThat(onlyFilterReason(e.toString()), equalTo(RecordParser.FILTER_EVENT_NOT_WRITTEN));
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

  @Test
  public void latestEventTimeOfABatchIsItsNewestRecordAndNullWhenNothingParses() {
    ObjectNode later = event().put("auditID", "a-2").put("requestReceivedTimestamp", "2024-01-01T00:00:09Z");
    ObjectNode list = JSON.createObjectNode().put("apiVersion", "audit.k8s.io/v1").put("kind", "EventList");
    list.putArray("items").add(event()).add(later);
    assertThat(RecordParser.latestEventMicros(list.toString()), equalTo(micros("2024-01-01T00:00:09Z")));
    assertThat(RecordParser.latestEventMicros("{broken"), nullValue());
  }
}
