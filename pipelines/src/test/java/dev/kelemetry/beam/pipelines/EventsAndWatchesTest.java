package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * One thing reported by two sources is one span: an Event written through the API (in the audit log) and seen by a
 * watch; an object version carried by an audited write's response and by a watch line. Through the whole pipeline,
 * so deduplication and tracking are both in play.
 */
public class EventsAndWatchesTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static ObjectNode coreEvent(int count, String last) {
    ObjectNode ev = Rows.JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Event");
    ev.putObject("metadata").put("name", "web.17a").put("namespace", "prod");
    ev.putObject("involvedObject").put("apiVersion", "apps/v1").put("kind", "Deployment").put("namespace", "prod")
        .put("name", "web").put("uid", "d-1");
    return ev.put("reason", "ScalingReplicaSet").put("message", "Scaled up").put("type", "Normal").put("count", count)
        .put("firstTimestamp", "2026-01-01T00:00:02Z").put("lastTimestamp", last);
  }

  private static ObjectNode deployment(String rv, int replicas) {
    ObjectNode d = Rows.JSON.createObjectNode().put("apiVersion", "apps/v1").put("kind", "Deployment");
    d.putObject("metadata").put("name", "web").put("namespace", "prod").put("uid", "d-1").put("resourceVersion", rv)
        .put("creationTimestamp", "2026-01-01T00:00:01Z");
    d.putObject("spec").put("replicas", replicas);
    return d;
  }

  private static ObjectNode audit(String id, String verb, String resource, String name, String at) {
    ObjectNode e = Rows.JSON.createObjectNode().put("apiVersion", "audit.k8s.io/v1").put("kind", "Event")
        .put("level", "RequestResponse").put("auditID", id).put("stage", "ResponseComplete").put("verb", verb)
        .put("requestReceivedTimestamp", at).put("stageTimestamp", at);
    e.putObject("user").put("username", "system:serviceaccount:kube-system:deployment-controller");
    e.putObject("objectRef").put("resource", resource).put("apiGroup", resource.equals("events") ? "" : "apps")
        .put("apiVersion", "v1").put("namespace", "prod").put("name", name);
    e.putObject("responseStatus").put("code", verb.equals("create") ? 201 : 200);
    return e;
  }

  private static String watch(String type, ObjectNode object, String at) {
    ObjectNode line = Rows.JSON.createObjectNode().put("type", type);
    if (at != null) {
      line.put("time", at);
    }
    return line.set("object", object).toString();
  }

  @Test
  public void anEventInTheAuditLogAndInAWatchIsOneSpanAndItsNextCountAnother() throws Exception {
    ObjectNode create = audit("a-ev", "create", "events", "web.17a", "2026-01-01T00:00:02.100000Z");
    create.set("requestObject", coreEvent(1, "2026-01-01T00:00:02Z"));
    ObjectNode deploymentCreate = audit("a-d", "create", "deployments", "web", "2026-01-01T00:00:01.500000Z");
    deploymentCreate.set("responseObject", deployment("1", 2));
    List<SpanRow> spans = backfill(
        deploymentCreate.toString(),
        create.toString(),
        watch("ADDED", coreEvent(1, "2026-01-01T00:00:02Z"), null),
        watch("MODIFIED", coreEvent(2, "2026-01-01T00:05:00Z"), null));
    List<SpanRow> events = spans.stream().filter(s -> s.kind().equals(SpanRow.KIND_EVENT)).toList();
    assertThat(events, hasSize(2));
    assertThat(events.stream().map(SpanRow::startTime).sorted().toList(),
        equalTo(List.of("2026-01-01T00:00:02.000000Z", "2026-01-01T00:05:00.000000Z")));
    SpanRow deploymentSpan = spans.stream().filter(s -> s.kind().equals(SpanRow.KIND_OBJECT)).findFirst().orElseThrow();
    assertThat(events.get(0).parentSpanId(), equalTo(deploymentSpan.spanId()));
  }

  @Test
  public void aVersionInAnAuditResponseAndInAWatchIsOneDiff() throws Exception {
    ObjectNode create = audit("a-1", "create", "deployments", "web", "2026-01-01T00:00:01.500000Z");
    create.set("responseObject", deployment("1", 2));
    ObjectNode scale = audit("a-2", "update", "deployments", "web", "2026-01-01T00:00:10.500000Z");
    scale.set("responseObject", deployment("2", 5));
    List<SpanRow> spans = backfill(
        watch("ADDED", deployment("1", 2), "2026-01-01T00:00:01.600000Z"),
        create.toString(),
        watch("MODIFIED", deployment("2", 5), "2026-01-01T00:00:10.600000Z"),
        scale.toString());
    List<SpanEvent> diffs = spans.stream().flatMap(s -> s.events().stream())
        .filter(e -> e.name().equals(SpanEvent.DIFF)).toList();
    assertThat(diffs, hasSize(1));
    assertThat(diffs.get(0).attributes().get("diff"), equalTo(List.of("spec.replicas 2 -> 5")));
    assertThat(spans.stream().filter(s -> s.kind().equals(SpanRow.KIND_STATE)).toList(), hasSize(0));
  }

  private List<SpanRow> backfill(String... lines) throws Exception {
    Path in = tmp.newFile("in.jsonl").toPath();
    Files.write(in, List.of(lines));
    Path out = tmp.newFolder("out").toPath();
    RunSummary summary = Kelemetry.Backfills.run(
        TracingConfig.defaults(List.of(new InputSpec(in.toString(), "")), out.toString()), "direct", false);
    assertThat(summary.describe(), summary.get(Counters.RECORDS_READ), equalTo(summary.get(Counters.RECORDS_PARSED)));
    return SpanFiles.read(out);
  }
}
