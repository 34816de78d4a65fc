package dev.kelemetry.beam.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.services.bigquery.model.TableRow;
import java.time.Instant;
import java.util.List;
import org.junit.Test;

/**
 * Rows as a log sink writes them to BigQuery, made here from a LogEntry by the sink's documented rules, turned back:
 * the expected result is the entry the row was made from.
 */
public class BigQueryLogRowsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  private static final String AUDIT_ENTRY = """
      {"insertId":"a1","logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity",
       "operation":{"id":"a1","producer":"k8s.io","first":true,"last":true},
       "protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"k8s.io",
         "methodName":"io.k8s.core.v1.pods.create","resourceName":"core/v1/namespaces/ns/pods/p",
         "authenticationInfo":{"principalEmail":"system:serviceaccount:kube-system:replicaset-controller"},
         "requestMetadata":{"callerIp":"10.0.0.2","callerSuppliedUserAgent":"kube-controller-manager"},
         "status":{"code":6,"message":"already exists"},
         "request":{"@type":"core.k8s.io/v1.Pod","kind":"Pod","metadata":{"name":"p","labels":{"app":"web"}}},
         "response":{"kind":"Status","code":409}},
       "resource":{"type":"k8s_cluster","labels":{"cluster_name":"prod","location":"europe-west1","project_id":"p"}},
       "timestamp":"2024-01-01T01:00:01.123456Z","receiveTimestamp":"2024-01-01T01:00:02Z","severity":"NOTICE"}""";

  /** The row BigQuery holds for {@link #AUDIT_ENTRY}, values as Beam hands them on (TIMESTAMP and INTEGER as text). */
  private static TableRow auditRow() {
    return new TableRow()
        .set("insertId", "a1").set("logName", "projects/p/logs/cloudaudit.googleapis.com%2Factivity")
        .set("operation", new TableRow().set("id", "a1").set("producer", "k8s.io").set("first", true).set("last", true))
        .set("protopayload_auditlog", new TableRow()
            .set("serviceName", "k8s.io").set("methodName", "io.k8s.core.v1.pods.create")
            .set("resourceName", "core/v1/namespaces/ns/pods/p")
            .set("authenticationInfo",
                new TableRow().set("principalEmail", "system:serviceaccount:kube-system:replicaset-controller"))
            .set("requestMetadata", new TableRow().set("callerIp", "10.0.0.2")
                .set("callerSuppliedUserAgent", "kube-controller-manager"))
            .set("status", new TableRow().set("code", "6").set("message", "already exists"))
            .set("requestJson",
                "{\"@type\":\"core.k8s.io/v1.Pod\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":\"web\"}}}")
            .set("responseJson", "{\"kind\":\"Status\",\"code\":409}"))
        .set("resource", new TableRow().set("type", "k8s_cluster").set("labels", new TableRow()
            .set("cluster_name", "prod").set("location", "europe-west1").set("project_id", "p")))
        .set("timestamp", "2024-01-01 01:00:01.123456 UTC").set("receiveTimestamp", "2024-01-01 01:00:02 UTC")
        .set("severity", "NOTICE");
  }

  @Test
  public void anAuditRowIsTheEntryItWasMadeFromWithItsBodiesParsedBack() throws Exception {
    assertThat(BigQueryLogRows.toLogEntry(auditRow()), equalTo(json(AUDIT_ENTRY)));
  }

  @Test
  public void anEventsRowGetsKubernetesFieldNamesBackButLabelKeysStayAsTheyAre() throws Exception {
    JsonNode entry = json("""
        {"insertId":"e1","logName":"projects/p/logs/events","timestamp":"2024-09-13T01:49:49Z",
         "resource":{"type":"k8s_node","labels":{"cluster_name":"prod","node_name":"n1"}},
         "jsonPayload":{"apiVersion":"v1","kind":"Event","reason":"Started","type":"Normal",
           "involvedObject":{"kind":"Pod","name":"p","namespace":"ns","uid":"u1","resourceVersion":"7",
             "fieldPath":"spec.containers{web}"},
           "metadata":{"name":"p.1","namespace":"ns","uid":"e-u1","resourceVersion":"9",
             "creationTimestamp":"2024-09-13T01:49:49Z","labels":{"app.kubernetes.io/name":"web"}},
           "firstTimestamp":"2024-09-13T01:49:48Z","lastTimestamp":"2024-09-13T01:49:49Z","count":2,
           "source":{"component":"kubelet","host":"n1"},"reportingComponent":"kubelet"}}""");
    // The sink lower-cases jsonPayload's field names and stores the timestamps it recognises as TIMESTAMPs.
    TableRow row = new TableRow()
        .set("insertId", "e1").set("logName", "projects/p/logs/events").set("timestamp", "2024-09-13 01:49:49 UTC")
        .set("resource", new TableRow().set("type", "k8s_node")
            .set("labels", new TableRow().set("cluster_name", "prod").set("node_name", "n1")))
        .set("jsonPayload", new TableRow().set("apiversion", "v1").set("kind", "Event").set("reason", "Started")
            .set("type", "Normal")
            .set("involvedobject", new TableRow().set("kind", "Pod").set("name", "p").set("namespace", "ns")
                .set("uid", "u1").set("resourceversion", "7").set("fieldpath", "spec.containers{web}"))
            .set("metadata", new TableRow().set("name", "p.1").set("namespace", "ns").set("uid", "e-u1")
                .set("resourceversion", "9").set("creationtimestamp", "2024-09-13 01:49:49 UTC")
                .set("labels", new TableRow().set("app.kubernetes.io/name", "web")))
            .set("firsttimestamp", "2024-09-13 01:49:48 UTC").set("lasttimestamp", "2024-09-13 01:49:49 UTC")
            .set("count", 2L)
            .set("source", new TableRow().set("component", "kubelet").set("host", "n1"))
            .set("reportingcomponent", "kubelet"));
    assertThat(BigQueryLogRows.toLogEntry(row), equalTo(entry));
  }

  @Test
  public void aTimestampMayComeAsTextAsEpochSecondsOrWithATAndItsFractionIsKept() throws Exception {
    String expected = "2024-01-01T01:00:01.123456Z";
    for (Object value : List.of("2024-01-01 01:00:01.123456 UTC", "2024-01-01T01:00:01.123456Z",
        "2024-01-01 01:00:01.123456", Instant.parse(expected).getEpochSecond() + ".123456",
        (double) Instant.parse("2024-01-01T01:00:01.5Z").toEpochMilli() / 1000)) {
      String got = BigQueryLogRows.rfc3339(value, "timestamp");
      assertThat(value.toString(), Instant.parse(got).toEpochMilli() / 1000,
          equalTo(Instant.parse(expected).getEpochSecond()));
    }
    assertThat(BigQueryLogRows.rfc3339("2024-01-01 01:00:01.123456 UTC", "t"), equalTo(expected));
  }

  @Test
  public void aRowThatIsNoLogEntryIsRefusedWithTheReason() {
    TableRow badJson = auditRow();
    ((TableRow) badJson.get("protopayload_auditlog")).set("requestJson", "{not json");
    assertThat(assertThrows(BigQueryLogRows.UnreadableRow.class, () -> BigQueryLogRows.toLogEntry(badJson))
        .getMessage(), containsString("protopayload_auditlog.requestJson is not JSON"));
    TableRow noTime = auditRow();
    noTime.remove("timestamp");
    assertThat(assertThrows(BigQueryLogRows.UnreadableRow.class, () -> BigQueryLogRows.toLogEntry(noTime))
        .getMessage(), equalTo("the row has no timestamp"));
    TableRow badTime = auditRow().set("timestamp", "yesterday");
    assertThat(assertThrows(BigQueryLogRows.UnreadableRow.class, () -> BigQueryLogRows.toLogEntry(badTime))
        .getMessage(), containsString("timestamp is not a timestamp: yesterday"));
    TableRow noPayload = new TableRow().set("insertId", "x").set("timestamp", "2024-01-01 00:00:00 UTC");
    assertThat(assertThrows(BigQueryLogRows.UnreadableRow.class, () -> BigQueryLogRows.toLogEntry(noPayload))
        .getMessage(), containsString("no protopayload_auditlog, jsonPayload or textPayload"));
  }

  @Test
  public void theTimeRangeAndFilterBecomeOneConditionForARowRestrictionOrAQuery() {
    Instant since = Instant.parse("2026-01-01T00:00:00Z");
    Instant until = Instant.parse("2026-02-01T00:00:00Z");
    String where = ReadBigQueryLogEntries.condition(since, until, "resource.labels.cluster_name = 'prod'");
    assertThat(where, equalTo("timestamp >= CAST('2026-01-01T00:00:00Z' AS TIMESTAMP)"
        + " AND timestamp < CAST('2026-02-01T00:00:00Z' AS TIMESTAMP) AND (resource.labels.cluster_name = 'prod')"));
    assertThat(ReadBigQueryLogEntries.condition(null, null, null), equalTo(null));
    assertThat(ReadBigQueryLogEntries.query("gke-prod-123:logs.events", "x = 1"),
        equalTo("SELECT * FROM `gke-prod-123.logs.events` WHERE x = 1"));
  }

  @Test
  public void aTableIsNamedWithItsProject() {
    assertThat(ReadBigQueryLogEntries.tableSpec("gke-prod-123.logs.events"), equalTo("gke-prod-123:logs.events"));
    assertThat(assertThrows(IllegalArgumentException.class, () -> ReadBigQueryLogEntries.tableSpec("logs.events"))
        .getMessage(), containsString("PROJECT:DATASET.TABLE"));
    assertThat(assertThrows(IllegalArgumentException.class, () -> ReadBigQueryLogEntries.from(List.of("gke-prod-123:logs.t"))
        .withTimeRange(Instant.parse("2026-02-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:00Z"))).getMessage(),
        containsString("the time range is empty"));
  }
}
