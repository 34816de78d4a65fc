package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * One file mixing every envelope: a native audit event, a GKE audit LogEntry (activity), a GKE data_access read, a GKE
 * events-log Event, a GKE text entry, an AKS record (log as text) in a records batch, an EKS CloudWatch export holding
 * two events, and a broken line. Each record lands in its own cluster, and read = parsed + dead-lettered + filtered.
 */
public class MixedEnvelopesTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static ObjectNode nativeEvent(String auditId, String verb, String name, String at) {
    ObjectNode e = Rows.JSON.createObjectNode().put("apiVersion", "audit.k8s.io/v1").put("kind", "Event")
        .put("level", "Metadata").put("auditID", auditId).put("stage", "ResponseComplete").put("verb", verb)
        .put("requestReceivedTimestamp", at).put("stageTimestamp", at);
    e.putObject("user").put("username", "alice");
    e.putObject("objectRef").put("resource", "configmaps").put("namespace", "default").put("name", name).put("apiVersion", "v1");
    e.putObject("responseStatus").put("code", 200);
    return e;
  }

  private static ObjectNode gke(String method, String resourceName, String logName) {
    ObjectNode e = Rows.JSON.createObjectNode().put("insertId", method).put("logName", logName)
        .put("timestamp", "2026-01-01T00:00:02Z");
    e.putObject("operation").put("id", "op-" + method).put("first", true).put("last", true);
    ObjectNode proto = e.putObject("protoPayload").put("@type", "type.googleapis.com/google.cloud.audit.AuditLog")
        .put("methodName", method).put("resourceName", resourceName);
    proto.putObject("authenticationInfo").put("principalEmail", "bob@example.com");
    proto.putObject("status").put("code", 0);
    e.putObject("resource").putObject("labels").put("cluster_name", "gke-a");
    return e;
  }

  @Test
  public void everyEnvelopeInOneFileLandsInItsClusterAndTheCountersAddUp() throws Exception {
    ObjectNode gkeEvent = Rows.JSON.createObjectNode().put("logName", "projects/p/logs/events");
    ObjectNode event = gkeEvent.putObject("jsonPayload").put("apiVersion", "v1").put("kind", "Event")
        .put("reason", "Scheduled").put("count", 1).put("lastTimestamp", "2026-01-01T00:00:03Z");
    event.putObject("metadata").put("name", "p.1").put("namespace", "default");
    event.putObject("involvedObject").put("kind", "Pod").put("namespace", "default").put("name", "p").put("uid", "pod-1");
    gkeEvent.putObject("resource").putObject("labels").put("cluster_name", "gke-a");
    ObjectNode gkeText = Rows.JSON.createObjectNode().put("logName", "projects/p/logs/events").put("textPayload", "started");

    ObjectNode aks = Rows.JSON.createObjectNode().put("category", "kube-audit")
        .put("resourceId", "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/aks-b");
    aks.putObject("properties").put("log", nativeEvent("aks-1", "update", "cm-aks", "2026-01-01T00:00:04Z").toString());
    ObjectNode aksBatch = Rows.JSON.createObjectNode();
    aksBatch.putArray("records").add(aks);

    ObjectNode eks = Rows.JSON.createObjectNode().put("messageType", "DATA_MESSAGE").put("logGroup", "/aws/eks/eks-c/cluster");
    eks.putArray("logEvents")
        .add(Rows.JSON.createObjectNode().put("message", nativeEvent("eks-1", "update", "cm-eks", "2026-01-01T00:00:05Z").toString()))
        .add(Rows.JSON.createObjectNode().put("message", nativeEvent("eks-2", "patch", "cm-eks", "2026-01-01T00:00:06Z").toString()));

    Path log = tmp.newFile("mixed.json").toPath();
    Files.write(log, List.of(
        nativeEvent("n-1", "update", "cm", "2026-01-01T00:00:01Z").toString(),
        gke("io.k8s.core.v1.configmaps.update", "core/v1/namespaces/default/configmaps/cm-gke",
            "projects/p/logs/cloudaudit.googleapis.com%2Factivity").toString(),
        gke("io.k8s.core.v1.configmaps.get", "core/v1/namespaces/default/configmaps/cm-gke",
            "projects/p/logs/cloudaudit.googleapis.com%2Fdata_access").toString(),
        gkeEvent.toString(), gkeText.toString(), aksBatch.toString(), eks.toString(), "{broken"));
    Path out = tmp.newFolder("out").toPath();
    RunSummary summary = Kelemetry.Backfills.run(TracingConfig.defaults(List.of(new InputSpec(log.toString(), "local")),
        out.toString()), "direct", false);

    assertThat(summary.get(Counters.RECORDS_READ), equalTo(9L));
    assertThat(summary.get(Counters.RECORDS_PARSED), equalTo(7L));
    assertThat(summary.get(Counters.RECORDS_FILTERED), equalTo(1L)); // the text entry
    assertThat(summary.get(Counters.RECORDS_DEAD_LETTERED), equalTo(1L)); // the broken line
    assertThat(summary.accountsForEveryRecord(), equalTo(true));
    Map<String, Long> byCluster = new TreeMap<>();
    for (SpanRow s : SpanFiles.read(out)) {
      if (!s.kind().equals(SpanRow.KIND_OBJECT)) {
        byCluster.merge(s.cluster(), 1L, Long::sum);
      }
    }
    assertThat(byCluster, equalTo(Map.of("local", 1L, "gke-a", 3L, "aks-b", 1L, "eks-c", 2L)));
  }
}
