package dev.kelemetry.beam.transforms.track;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.links.ObjectLinks;
import dev.kelemetry.beam.transforms.parse.RecordParser;
import dev.kelemetry.beam.transforms.parse.ParseOutcome;
import dev.kelemetry.beam.transforms.spans.SpanIds;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.Test;

public class ObjectTrackerTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final String CLUSTER = "c1";
  private static final long HOUR = 3_600_000_000L;
  private static final long WINDOW = 1_704_067_200_000_000L; // 2024-01-01T00:00:00Z
  private static final String PLAIN = "hunter2-s3cr3t";

  private final RecordParser parser = new RecordParser(CLUSTER, "test.log");
  private final ObjectTracker tracker = new ObjectTracker(Redactor.defaults(), HOUR,
      ObjectLinks.discovered(List.of()));
  private int nextId = 1;

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  /** An audit event built as JSON text and read through the parser, as the pipeline does. */
  private final class Ev {
    private final ObjectNode e = JSON.createObjectNode();
    private final ObjectNode ref;

    Ev(String verb, String group, String resource, String namespace, String name) {
      e.put("kind", "Event");
      e.put("apiVersion", "audit.k8s.io/v1");
      e.put("level", "RequestResponse");
      e.put("auditID", "audit-" + nextId++);
      e.put("stage", "ResponseComplete");
      e.put("verb", verb);
      e.putObject("user").put("username", "bob");
      ref = e.putObject("objectRef");
      ref.put("resource", resource);
      if (!group.isEmpty()) {
        ref.put("apiGroup", group);
      }
      ref.put("apiVersion", "v1");
      ref.put("namespace", namespace);
      if (name != null) {
        ref.put("name", name);
      }
      e.putObject("responseStatus").put("code", 200);
      at(10);
    }

    Ev at(long secondsAfterWindowStart) {
      String ts = Rows.timestamp(WINDOW + secondsAfterWindowStart * 1_000_000L);
      e.put("requestReceivedTimestamp", ts);
      e.put("stageTimestamp", ts);
      return this;
    }

    Ev uri(String requestUri) {
      e.put("requestURI", requestUri);
      return this;
    }

    Ev sub(String subresource) {
      ref.put("subresource", subresource);
      return this;
    }

    Ev level(String level) {
      e.put("level", level);
      return this;
    }

    Ev request(JsonNode body) {
      e.set("requestObject", body);
      return this;
    }

    Ev response(JsonNode body) {
      e.set("responseObject", body);
      return this;
    }

    Ev failed(int code, String reason, String message) {
      ObjectNode s = e.putObject("responseStatus");
      s.putObject("metadata");
      s.put("status", "Failure");
      s.put("message", message);
      s.put("reason", reason);
      s.put("code", code);
      return this;
    }

    ControlPlaneRecord record() {
      List<ParseOutcome> out = parser.parse(e.toString(), 1);
      assertThat(out, hasSize(1));
      assertThat(out.get(0), instanceOf(ParseOutcome.Parsed.class));
      return ((ParseOutcome.Parsed) out.get(0)).record();
    }
  }

  private Ev deploymentEv(String verb) {
    return new Ev(verb, "apps", "deployments", "prod", "web");
  }

  private static JsonNode deployment(String uid, String rv, int replicas) {
    return json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'prod','uid':'" + uid
        + "','resourceVersion':'" + rv + "','generation':1,'managedFields':[{'manager':'kubectl','operation':'Update'}]},"
        + "'spec':{'replicas':" + replicas + ",'paused':false}}");
  }

  private static JsonNode pod(String rv, String ownerUid, String phase) {
    return json("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web-x','namespace':'prod','uid':'pod-1',"
        + "'resourceVersion':'" + rv + "','ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'rs',"
        + "'uid':'" + ownerUid + "','controller':true}]},'spec':{'nodeName':''},'status':{'phase':'" + phase + "'}}");
  }

  private ObjectTracker.Step created(String uid, int replicas) {
    return tracker.track(null, deploymentEv("create").response(deployment(uid, "1", replicas)).record());
  }

  private static List<SpanEvent> eventsNamed(ObjectTracker.Step step, String name) {
    return step.span().events().stream().filter(e -> e.name().equals(name)).collect(Collectors.toList());
  }

  @SuppressWarnings("unchecked")
  private static List<String> diffLines(ObjectTracker.Step step) {
    List<SpanEvent> diffs = eventsNamed(step, SpanEvent.DIFF);
    assertThat(diffs, hasSize(1));
    return (List<String>) diffs.get(0).attributes().get("diff");
  }

  private static List<Object> notes(ObjectTracker.Step step) {
    return eventsNamed(step, SpanEvent.NOTE).stream().map(e -> e.attributes().get("message")).collect(Collectors.toList());
  }

  private static String everything(ObjectTracker.Step step) {
    return step.span().toString() + " " + step.state();
  }

  // ---- create ----

  @Test
  public void createGivesASnapshotAndStartsAnIncarnation() {
    ObjectTracker.Step step = created("d-1", 2);
    assertThat(step.newIncarnation(), is(true));
    assertThat(step.span().events(), hasSize(1));
    SpanEvent snapshot = step.span().events().get(0);
    assertThat(snapshot.name(), equalTo(SpanEvent.SNAPSHOT));
    JsonNode shown = json((String) snapshot.attributes().get("snapshot"));
    assertThat(shown.path("metadata").path("name").asText(), equalTo("web"));
    assertThat(shown.path("spec").path("replicas").asInt(), equalTo(2));
    assertThat(shown.path("metadata").has("managedFields"), is(false));
    assertThat(step.state().uid(), equalTo("d-1"));
    assertThat(step.state().kind(), equalTo("Deployment"));
    assertThat(step.state().apiVersion(), equalTo("apps/v1"));
    assertThat(step.state().resourceVersion(), equalTo("1"));
    assertThat(step.state().deleted(), is(false));
    assertThat(step.state().state().toString(), not(containsString("managedFields")));
    assertThat(step.span().name(), equalTo("bob create"));
  }

  @Test
  public void auditSpanParentIsTheObjectSpanOfItsWindow() {
    ObjectTracker.Step step = created("d-1", 2);
    long windowStart = SpanIds.windowStart(WINDOW + 10_000_000L, HOUR);
    assertThat(step.span().parentSpanId(), equalTo(SpanIds.objectSpanId(CLUSTER, "d-1", windowStart)));
    assertThat(step.span().spanId(), equalTo(SpanIds.auditSpanId(CLUSTER, "audit-1")));
    assertThat(step.span().traceId(), equalTo(""));
    assertThat(step.span().uid(), equalTo("d-1"));
    assertThat(step.placementKey(), equalTo(ObjectTracker.placementKey(CLUSTER, "d-1", windowStart)));
  }

  @Test
  public void auditSpanInALaterWindowHangsUnderThatWindowsObjectSpan() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step later = tracker.track(create.state(),
        deploymentEv("update").at(2 * 3600 + 5).response(deployment("d-1", "2", 3)).record());
    assertThat(later.span().parentSpanId(), equalTo(SpanIds.objectSpanId(CLUSTER, "d-1", WINDOW + 2 * HOUR)));
    assertThat(later.span().parentSpanId(), not(equalTo(create.span().parentSpanId())));
  }

  // ---- updates and patches ----

  @Test
  public void aDryRunChangesNothingAndSaysSo() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step dryRun = tracker.track(create.state(), deploymentEv("patch")
        .uri("/apis/apps/v1/namespaces/prod/deployments/web?dryRun=All&fieldManager=kubectl-client-side-apply")
        .response(deployment("d-1", "1", 9)).record());
    assertThat(eventsNamed(dryRun, SpanEvent.DIFF), hasSize(0));
    assertThat(eventsNamed(dryRun, SpanEvent.NOTE).get(0).attributes().get("message"),
        equalTo("dry run: the API server stored nothing"));
    assertThat(dryRun.state().state(), equalTo(create.state().state()));
    ObjectTracker.Step real = tracker.track(dryRun.state(), deploymentEv("update").response(deployment("d-1", "2", 3)).record());
    assertThat(diffLines(real), contains("spec.replicas 2 -> 3"));
  }

  @Test
  public void updateWithResponseObjectGivesADiff() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step update = tracker.track(create.state(), deploymentEv("update").response(deployment("d-1", "2", 3)).record());
    assertThat(update.newIncarnation(), is(false));
    assertThat(update.span().events(), hasSize(1));
    assertThat(diffLines(update), contains("spec.replicas 2 -> 3"));
    @SuppressWarnings("unchecked")
    List<String> verbose = (List<String>) eventsNamed(update, SpanEvent.DIFF).get(0).attributes().get("verbose_diff");
    assertThat(verbose, contains("metadata.resourceVersion \"1\" -> \"2\""));
    assertThat(update.span().attributes(), hasEntry("k8s.audit.resource_version_before", (Object) "1"));
    assertThat(update.span().attributes(), hasEntry("k8s.audit.resource_version_after", (Object) "2"));
    assertThat(update.state().resourceVersion(), equalTo("2"));
  }

  @Test
  public void updateThatKeepsTheResourceVersionIsANoOp() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step update = tracker.track(create.state(), deploymentEv("update").response(deployment("d-1", "1", 2)).record());
    assertThat(eventsNamed(update, SpanEvent.DIFF), empty());
    assertThat(notes(update), contains((Object) "No-op update"));
  }

  @Test
  public void updateWithOnlyARequestBodyUsesTheRequestBody() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step update = tracker.track(create.state(),
        deploymentEv("update").level("Request").request(deployment("d-1", "1", 7)).record());
    assertThat(diffLines(update), contains("spec.replicas 2 -> 7"));
  }

  @Test
  public void requestLevelMergePatchIsAppliedToTheLastState() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step patch = tracker.track(create.state(),
        deploymentEv("patch").level("Request").request(json("{'spec':{'replicas':5}}")).record());
    assertThat(diffLines(patch), contains("spec.replicas 2 -> 5"));
    assertThat(patch.state().state().path("spec").path("replicas").asInt(), equalTo(5));
    assertThat(patch.state().uid(), equalTo("d-1"));
  }

  @Test
  public void requestLevelJsonPatchIsAppliedToTheLastState() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step patch = tracker.track(create.state(), deploymentEv("patch").level("Request")
        .request(json("[{'op':'replace','path':'/spec/paused','value':true}]")).record());
    assertThat(diffLines(patch), contains("spec.paused false -> true"));
  }

  @Test
  public void requestLevelPatchWithAChangeIsNotCalledANoOp() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step patch = tracker.track(create.state(),
        deploymentEv("patch").level("Request").request(json("{'spec':{'replicas':5}}")).record());
    assertThat(diffLines(patch), contains("spec.replicas 2 -> 5"));
    assertThat(notes(patch), not(hasItem((Object) "No-op update")));
  }

  @Test
  public void firstWriteSeenWithoutEarlierStateSaysThereIsNothingToDiff() {
    ObjectTracker.Step update = tracker.track(null, deploymentEv("update").response(deployment("d-1", "5", 3)).record());
    assertThat(eventsNamed(update, SpanEvent.DIFF), empty());
    assertThat(notes(update), contains((Object) "first state of this object in the log: nothing earlier to diff against"));
    assertThat(update.state().uid(), equalTo("d-1"));
  }

  @Test
  public void metadataLevelWriteHasASpanButNoDiffAndKeepsTheState() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step update = tracker.track(create.state(), deploymentEv("update").level("Metadata").record());
    assertThat(update.span().events(), empty());
    assertThat(update.span().name(), equalTo("bob update"));
    assertThat(update.state().state(), equalTo(create.state().state()));
    assertThat(update.span().parentSpanId(), equalTo(create.span().parentSpanId()));
  }

  @Test
  public void readsDoNotChangeTheState() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step get = tracker.track(create.state(), deploymentEv("get").response(deployment("d-1", "9", 9)).record());
    assertThat(get.span().events(), empty());
    assertThat(get.state().state(), equalTo(create.state().state()));
  }

  // ---- subresources ----

  @Test
  public void scaleSubresourceAppliesTheScaleReplicasToTheLastState() {
    ObjectTracker.Step create = created("d-1", 2);
    JsonNode scale = json("{'kind':'Scale','apiVersion':'autoscaling/v1','metadata':{'name':'web','namespace':'prod',"
        + "'uid':'d-1','resourceVersion':'2'},'spec':{'replicas':4},'status':{'replicas':2}}");
    ObjectTracker.Step step = tracker.track(create.state(), deploymentEv("update").sub("scale").request(scale).response(scale).record());
    assertThat(step.span().name(), equalTo("bob update scale"));
    assertThat(diffLines(step), contains("spec.replicas 2 -> 4"));
    JsonNode state = step.state().state();
    assertThat(state.path("kind").asText(), equalTo("Deployment"));
    assertThat(state.path("spec").path("replicas").asInt(), equalTo(4));
  }

  @Test
  public void scaleThatChangesReplicasIsNotCalledANoOp() {
    ObjectTracker.Step create = created("d-1", 2);
    JsonNode scale = json("{'kind':'Scale','apiVersion':'autoscaling/v1','metadata':{'name':'web','namespace':'prod',"
        + "'resourceVersion':'2'},'spec':{'replicas':4}}");
    ObjectTracker.Step step = tracker.track(create.state(), deploymentEv("update").sub("scale").request(scale).response(scale).record());
    assertThat(diffLines(step), contains("spec.replicas 2 -> 4"));
    assertThat(notes(step), not(hasItem((Object) "No-op update")));
  }

  @Test
  public void statusSubresourceResponseIsTheObject() {
    ObjectTracker.Step create = tracker.track(null, new Ev("create", "", "pods", "prod", "web-x").response(pod("1", "rs-1", "Pending")).record());
    ObjectTracker.Step status = tracker.track(create.state(),
        new Ev("update", "", "pods", "prod", "web-x").sub("status").response(pod("2", "rs-1", "Running")).record());
    assertThat(diffLines(status), contains("status.phase \"Pending\" -> \"Running\""));
    assertThat(status.span().name(), equalTo("bob update status"));
  }

  @Test
  public void bindingSubresourceBodyIsNotTheObject() {
    ObjectTracker.Step create = tracker.track(null, new Ev("create", "", "pods", "prod", "web-x").response(pod("1", "rs-1", "Pending")).record());
    JsonNode binding = json("{'kind':'Binding','apiVersion':'v1','metadata':{'name':'web-x','namespace':'prod','uid':'pod-1'},"
        + "'target':{'kind':'Node','name':'node-1'}}");
    ObjectTracker.Step bind = tracker.track(create.state(),
        new Ev("create", "", "pods", "prod", "web-x").sub("binding").request(binding).record());
    assertThat(bind.span().name(), equalTo("bob create binding"));
    assertThat(eventsNamed(bind, SpanEvent.DIFF), empty());
    assertThat(bind.newIncarnation(), is(false));
    assertThat(bind.state().state(), equalTo(create.state().state()));
    assertThat(bind.state().uid(), equalTo("pod-1"));
  }

  @Test
  public void bindingIsNotReportedAsASnapshotOfTheObject() {
    ObjectTracker.Step create = tracker.track(null, new Ev("create", "", "pods", "prod", "web-x").response(pod("1", "rs-1", "Pending")).record());
    JsonNode binding = json("{'kind':'Binding','apiVersion':'v1','metadata':{'name':'web-x','namespace':'prod'},"
        + "'target':{'kind':'Node','name':'node-1'}}");
    ObjectTracker.Step bind = tracker.track(create.state(),
        new Ev("create", "", "pods", "prod", "web-x").sub("binding").request(binding).record());
    assertThat(eventsNamed(bind, SpanEvent.SNAPSHOT), empty());
  }

  // ---- delete and incarnations ----

  @Test
  public void deleteAnsweredWithAStatusSnapshotsTheLastState() {
    ObjectTracker.Step create = created("d-1", 2);
    JsonNode status = json("{'kind':'Status','apiVersion':'v1','metadata':{},'status':'Success',"
        + "'details':{'name':'web','group':'apps','kind':'deployments','uid':'d-1'}}");
    ObjectTracker.Step delete = tracker.track(create.state(), deploymentEv("delete").response(status).record());
    List<SpanEvent> snapshots = eventsNamed(delete, SpanEvent.SNAPSHOT);
    assertThat(snapshots, hasSize(1));
    JsonNode shown = json((String) snapshots.get(0).attributes().get("snapshot"));
    assertThat(shown.path("metadata").path("name").asText(), equalTo("web"));
    assertThat(shown.path("metadata").path("uid").asText(), equalTo("d-1"));
    assertThat(shown.path("spec").path("replicas").asInt(), equalTo(2));
    assertThat(delete.state().deleted(), is(true));
    assertThat(delete.state().uid(), equalTo("d-1"));
    assertThat(delete.span().parentSpanId(), equalTo(create.span().parentSpanId()));
  }

  @Test
  public void deleteThatOnlyStartsTerminationIsADiffNotADeletion() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectNode terminating = (ObjectNode) deployment("d-1", "2", 2);
    ObjectNode meta = (ObjectNode) terminating.get("metadata");
    meta.put("deletionTimestamp", "2024-01-01T00:00:20Z");
    meta.putArray("finalizers").add("foregroundDeletion");
    ObjectTracker.Step delete = tracker.track(create.state(), deploymentEv("delete").response(terminating).record());
    assertThat(eventsNamed(delete, SpanEvent.SNAPSHOT), empty());
    assertThat(diffLines(delete), hasItem("metadata.deletionTimestamp null -> \"2024-01-01T00:00:20Z\""));
    assertThat(delete.state().deleted(), is(false));
  }

  @Test
  public void createAfterDeleteIsANewIncarnationWithTheNewUid() {
    ObjectTracker.Step create = created("d-1", 2);
    JsonNode status = json("{'kind':'Status','apiVersion':'v1','metadata':{},'status':'Success'}");
    ObjectTracker.Step delete = tracker.track(create.state(), deploymentEv("delete").at(20).response(status).record());
    ObjectTracker.Step again = tracker.track(delete.state(),
        deploymentEv("create").at(30).response(deployment("d-2", "7", 1)).record());
    assertThat(again.newIncarnation(), is(true));
    assertThat(again.state().uid(), equalTo("d-2"));
    assertThat(again.state().deleted(), is(false));
    assertThat(eventsNamed(again, SpanEvent.SNAPSHOT), hasSize(1));
    assertThat(eventsNamed(again, SpanEvent.DIFF), empty());
    assertThat(again.sighting(), notNullValue());
    assertThat(again.sighting().uid(), equalTo("d-2"));
    assertThat(again.span().parentSpanId(), equalTo(SpanIds.objectSpanId(CLUSTER, "d-2", WINDOW)));
    assertThat(again.placementKey(), equalTo(ObjectTracker.placementKey(CLUSTER, "d-2", WINDOW)));
  }

  @Test
  public void recordWithAnotherUidStartsANewIncarnation() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step other = tracker.track(create.state(), deploymentEv("update").response(deployment("d-9", "3", 2)).record());
    assertThat(other.newIncarnation(), is(true));
    assertThat(other.state().uid(), equalTo("d-9"));
    assertThat(eventsNamed(other, SpanEvent.DIFF), empty());
  }

  // ---- failures ----

  @Test
  public void conflictNamesTheSpanAndAddsAnErrorEvent() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step conflict = tracker.track(create.state(), deploymentEv("update")
        .request(deployment("d-1", "0", 9))
        .failed(409, "Conflict", "the object has been modified; please apply your changes to the latest version")
        .record());
    assertThat(conflict.span().name(), endsWith(" (Conflict)"));
    assertThat(conflict.span().name(), equalTo("bob update (Conflict)"));
    assertThat(conflict.span().status(), equalTo(SpanRow.STATUS_ERROR));
    List<SpanEvent> errors = eventsNamed(conflict, SpanEvent.ERROR);
    assertThat(errors, hasSize(1));
    assertThat((String) errors.get(0).attributes().get("status"), containsString("the object has been modified"));
    assertThat(eventsNamed(conflict, SpanEvent.DIFF), empty());
    assertThat(conflict.state().state(), equalTo(create.state().state()));
  }

  @Test
  public void failedCreateOfAnExistingObjectIsNotANewIncarnation() {
    ObjectTracker.Step create = created("d-1", 2);
    ObjectTracker.Step exists = tracker.track(create.state(), deploymentEv("create")
        .request(deployment("", "", 3)).failed(409, "AlreadyExists", "deployments.apps \"web\" already exists").record());
    assertThat(exists.newIncarnation(), is(false));
    assertThat(exists.span().name(), equalTo("bob create (Conflict)"));
    assertThat(exists.state().uid(), equalTo("d-1"));
    assertThat(eventsNamed(exists, SpanEvent.SNAPSHOT), empty());
  }

  // ---- sightings ----

  @Test
  public void sightingIsSentOncePerWindow() {
    ObjectTracker.Step first = created("d-1", 2);
    assertThat(first.sighting(), notNullValue());
    assertThat(first.sighting().windowStartMicros(), equalTo(WINDOW));
    assertThat(first.sighting().objectId(), equalTo("d-1"));
    assertThat(first.sighting().kind(), equalTo("Deployment"));
    assertThat(first.sighting().apiVersion(), equalTo("apps/v1"));
    assertThat(first.sighting().resource(), equalTo("deployments"));

    ObjectTracker.Step second = tracker.track(first.state(), deploymentEv("update").at(100).response(deployment("d-1", "2", 3)).record());
    assertThat(second.sighting(), nullValue());

    ObjectTracker.Step nextWindow = tracker.track(second.state(),
        deploymentEv("update").at(3600 + 1).response(deployment("d-1", "3", 4)).record());
    assertThat(nextWindow.sighting(), notNullValue());
    assertThat(nextWindow.sighting().windowStartMicros(), equalTo(WINDOW + HOUR));

    ObjectTracker.Step again = tracker.track(nextWindow.state(),
        deploymentEv("update").at(3600 + 50).response(deployment("d-1", "4", 5)).record());
    assertThat(again.sighting(), nullValue());
  }

  @Test
  public void bindingToANodeWithinAWindowSendsASightingWithTheRelatedNode() {
    ObjectTracker.Step created = tracker.track(null,
        new Ev("create", "", "pods", "prod", "web-x").response(pod("1", "rs-1", "Pending")).record());
    assertThat(created.sighting().related().isEmpty(), is(true));
    ObjectNode bound = (ObjectNode) pod("2", "rs-1", "Running");
    bound.with("spec").put("nodeName", "node-3");
    ObjectTracker.Step running = tracker.track(created.state(),
        new Ev("update", "", "pods", "prod", "web-x").at(20).response(bound).record());
    assertThat(running.sighting(), notNullValue());
    assertThat(running.sighting().owner().uid(), equalTo("rs-1"));
    assertThat(ObjectLinks.describe(running.sighting().related().get("pod-node"), "c1"), equalTo("nodes/node-3"));
    ObjectTracker.Step again = tracker.track(running.state(),
        new Ev("update", "", "pods", "prod", "web-x").at(30).response(bound.deepCopy().put("x", 1)).record());
    assertThat(again.sighting(), nullValue());
  }

  @Test
  public void ownerChangeWithinAWindowSendsAnotherSighting() {
    Ev create = new Ev("create", "", "pods", "prod", "web-x").response(pod("1", "rs-1", "Pending"));
    ObjectTracker.Step first = tracker.track(null, create.record());
    assertThat(first.sighting().owner().uid(), equalTo("rs-1"));
    assertThat(first.sighting().owner().namespace(), equalTo("prod"));

    ObjectTracker.Step sameOwner = tracker.track(first.state(),
        new Ev("update", "", "pods", "prod", "web-x").at(20).response(pod("2", "rs-1", "Running")).record());
    assertThat(sameOwner.sighting(), nullValue());

    ObjectTracker.Step newOwner = tracker.track(sameOwner.state(),
        new Ev("update", "", "pods", "prod", "web-x").at(30).response(pod("3", "rs-2", "Running")).record());
    assertThat(newOwner.sighting(), notNullValue());
    assertThat(newOwner.sighting().owner().uid(), equalTo("rs-2"));
    assertThat(newOwner.state().owner().uid(), equalTo("rs-2"));
  }

  // ---- redaction ----

  @Test
  public void secretValuesNeverReachSpansOrState() {
    JsonNode v1 = json("{'apiVersion':'v1','kind':'Secret','metadata':{'name':'db','namespace':'prod','uid':'s-1',"
        + "'resourceVersion':'1'},'data':{'password':'old-" + PLAIN + "'}}");
    JsonNode v2 = json("{'apiVersion':'v1','kind':'Secret','metadata':{'name':'db','namespace':'prod','uid':'s-1',"
        + "'resourceVersion':'2'},'data':{'password':'new-" + PLAIN + "'}}");
    ObjectTracker.Step create = tracker.track(null, new Ev("create", "", "secrets", "prod", "db").request(v1).response(v1).record());
    ObjectTracker.Step update = tracker.track(create.state(), new Ev("update", "", "secrets", "prod", "db").request(v2).response(v2).record());
    ObjectTracker.Step patch = tracker.track(update.state(), new Ev("patch", "", "secrets", "prod", "db").level("Request")
        .request(json("{'stringData':{'token':'patched-" + PLAIN + "'}}")).record());

    assertThat(diffLines(update), contains("data.password changed"));
    assertThat(diffLines(patch), contains("stringData added"));
    for (ObjectTracker.Step step : List.of(create, update, patch)) {
      assertThat(everything(step), not(containsString(PLAIN)));
    }
    JsonNode snapshot = json((String) eventsNamed(create, SpanEvent.SNAPSHOT).get(0).attributes().get("snapshot"));
    assertThat(snapshot.path("data").path("password").asText(), equalTo(Redactor.SHOWN_AS));
  }

  @Test
  public void diffRedactedObjectKeepsItsKindAndApiVersion() {
    JsonNode cm = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cm','namespace':'ns','uid':'cm-1',"
        + "'labels':{'kelemetry.kubewharf.io/diff-redacted':'true'}},'data':{'k':'" + PLAIN + "'}}");
    ObjectTracker.Step step = tracker.track(null, new Ev("create", "", "configmaps", "ns", "cm").response(cm).record());
    assertThat(everything(step), not(containsString(PLAIN)));
    assertThat(step.state().kind(), equalTo("ConfigMap"));
    assertThat(step.sighting().kind(), equalTo("ConfigMap"));
    assertThat(step.sighting().apiVersion(), equalTo("v1"));
  }

  // ---- identity ----

  @Test
  public void objectWithoutUidIsIdentifiedByName() {
    ObjectRef ref = new ObjectRef("", "v1", "configmaps", "", "ns", "cm", "", "");
    assertThat(ObjectTracker.objectIdFor(CLUSTER, ref, ""), equalTo("name:c1//configmaps/ns/cm"));
    assertThat(ObjectTracker.objectIdFor(CLUSTER, ref, "u-1"), equalTo("u-1"));

    ObjectTracker.Step step = tracker.track(null, new Ev("update", "", "configmaps", "ns", "cm").level("Metadata").record());
    assertThat(step.span().parentSpanId(), equalTo(SpanIds.objectSpanId(CLUSTER, "name:c1//configmaps/ns/cm", WINDOW)));
    assertThat(step.sighting().objectId(), equalTo("name:c1//configmaps/ns/cm"));
  }

  // ---- object states from watches and dumps ----

  /** A watch line for {@code object}, placed by a shipper's time {@code secondsAfterWindowStart}, read by the parser. */
  private ControlPlaneRecord watched(String type, JsonNode object, long secondsAfterWindowStart) {
    ObjectNode line = JSON.createObjectNode().put("type", type)
        .put("time", Rows.timestamp(WINDOW + secondsAfterWindowStart * 1_000_000L));
    line.set("object", object);
    List<ParseOutcome> out = parser.parse(line.toString(), 1);
    return ((ParseOutcome.Parsed) out.get(0)).record();
  }

  @Test
  public void metadataLevelAuditGetsItsDiffFromTheWatchStateThatFollows() {
    ObjectTracker.Step first = tracker.observe(null, watched("ADDED", deployment("u1", "1", 2), 5));
    assertThat(first.span().kind(), equalTo(SpanRow.KIND_STATE));
    assertThat(first.span().name(), equalTo("watch ADDED"));
    assertThat(eventsNamed(first, SpanEvent.SNAPSHOT), hasSize(1));
    assertThat(first.sighting(), notNullValue());

    ObjectTracker.Step audit = tracker.track(first.state(), deploymentEv("patch").level("Metadata").at(10).record());
    assertThat(eventsNamed(audit, SpanEvent.DIFF), is(empty())); // Metadata level: no body, no diff

    ObjectTracker.Step modified = tracker.observe(audit.state(), watched("MODIFIED", deployment("u1", "2", 5), 11));
    assertThat(diffLines(modified), contains("spec.replicas 2 -> 5"));
    assertThat(modified.span().attributes(), hasEntry("kelemetry.state.resource_version_before", "1"));
    assertThat(modified.span().parentSpanId(), equalTo(audit.span().parentSpanId())); // under the same object span
  }

  @Test
  public void aVersionTheAuditBodyAlreadyGaveAddsNothing() {
    ObjectTracker.Step created = tracker.track(null, deploymentEv("create").response(deployment("u1", "1", 2)).record());
    ObjectTracker.Step seen = tracker.observe(created.state(), watched("ADDED", deployment("u1", "1", 2), 11));
    assertThat(seen.span(), nullValue());
    assertThat(seen.skipped(), equalTo(ObjectTracker.STATE_UNCHANGED));
    assertThat(seen.state(), is(created.state()));
  }

  @Test
  public void whenTheWatchSawAVersionFirstTheAuditOfItShowsNoSecondDiff() {
    ObjectTracker.Step created = tracker.track(null, deploymentEv("create").response(deployment("u1", "1", 2)).at(1).record());
    ObjectTracker.Step watch = tracker.observe(created.state(), watched("MODIFIED", deployment("u1", "2", 3), 9));
    assertThat(diffLines(watch), contains("spec.replicas 2 -> 3"));
    ObjectTracker.Step audit = tracker.track(watch.state(), deploymentEv("update").response(deployment("u1", "2", 3)).at(10).record());
    assertThat(eventsNamed(audit, SpanEvent.DIFF), is(empty()));
    assertThat(notes(audit).toString(), containsString("seen first by a watch"));
    assertThat(notes(audit).toString(), not(containsString("No-op")));
  }

  @Test
  public void anOlderVersionThanTheKnownOneIsStale() {
    ObjectTracker.Step created = tracker.track(null, deploymentEv("create").response(deployment("u1", "9", 2)).record());
    ObjectTracker.Step old = tracker.observe(created.state(), watched("MODIFIED", deployment("u1", "8", 1), 11));
    assertThat(old.span(), nullValue());
    assertThat(old.skipped(), equalTo(ObjectTracker.STATE_STALE));
    assertThat(ObjectTracker.olderThan("10", "9"), is(false)); // numerically, not as text
    assertThat(ObjectTracker.olderThan("abc", "9"), is(false)); // opaque versions are never called older
  }

  @Test
  public void watchDeletedSnapshotsTheLastStateAndAReAddWithANewUidIsANewIncarnation() {
    ObjectTracker.Step added = tracker.observe(null, watched("ADDED", deployment("u1", "1", 2), 1));
    ObjectTracker.Step deleted = tracker.observe(added.state(), watched("DELETED", deployment("u1", "2", 2), 2));
    assertThat(eventsNamed(deleted, SpanEvent.SNAPSHOT), hasSize(1));
    assertThat(deleted.state().deleted(), is(true));
    ObjectTracker.Step again = tracker.observe(deleted.state(), watched("ADDED", deployment("u2", "3", 1), 3));
    assertThat(again.newIncarnation(), is(true));
    assertThat(again.span().uid(), equalTo("u2"));
  }

  // ---- Kubernetes Events ----

  private ControlPlaneRecord kubeEvent(String aboutUid, String reason, int count, long secondsAfterWindowStart) {
    ObjectNode ev = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Event");
    ev.putObject("metadata").put("name", "web.1").put("namespace", "prod").put("uid", "ev-1");
    ev.putObject("involvedObject").put("apiVersion", "apps/v1").put("kind", "Deployment").put("namespace", "prod")
        .put("name", "web").put("uid", aboutUid);
    ev.put("reason", reason).put("message", "Scaled up replica set web-1 to " + count).put("type", "Normal")
        .put("count", count).put("lastTimestamp", Rows.timestamp(WINDOW + secondsAfterWindowStart * 1_000_000L));
    ev.putObject("source").put("component", "deployment-controller");
    return ((ParseOutcome.Parsed) parser.parse(ev.toString(), 1).get(0)).record();
  }

  @Test
  public void anEventIsASpanUnderItsObjectAndChangesNothingOfIt() {
    ObjectTracker.Step created = tracker.track(null, deploymentEv("create").response(deployment("u1", "1", 2)).at(1).record());
    ObjectTracker.Step event = tracker.place(created.state(), kubeEvent("u1", "ScalingReplicaSet", 1, 2));
    assertThat(event.span().kind(), equalTo(SpanRow.KIND_EVENT));
    assertThat(event.span().name(), equalTo("ScalingReplicaSet"));
    assertThat(event.span().parentSpanId(), equalTo(created.span().parentSpanId()));
    assertThat(event.span().attributes(), hasEntry("k8s.event.reporting_component", "deployment-controller"));
    assertThat(event.span().attributes(), hasEntry("k8s.event.count", 1L));
    assertThat(event.state(), is(created.state())); // same window, same owner: nothing new to remember
    assertThat(event.sighting(), nullValue());
  }

  @Test
  public void theSameEventWithAHigherCountIsANewSpan() {
    SpanRow first = tracker.place(null, kubeEvent("u1", "BackOff", 1, 2)).span();
    SpanRow again = tracker.place(null, kubeEvent("u1", "BackOff", 2, 30)).span();
    assertThat(again.spanId(), not(equalTo(first.spanId())));
    assertThat(again.startTime(), equalTo(Rows.timestamp(WINDOW + 30_000_000L)));
  }

  @Test
  public void anEventAboutAnUnknownObjectMakesItActiveInItsWindow() {
    ObjectTracker.Step event = tracker.place(null, kubeEvent("u9", "ScalingReplicaSet", 1, 2));
    assertThat(event.state(), nullValue());
    assertThat(event.sighting().objectId(), equalTo("u9"));
    assertThat(event.sighting().kind(), equalTo("Deployment"));
    assertThat(event.span().parentSpanId(), equalTo(SpanIds.objectSpanId(CLUSTER, "u9", WINDOW)));
  }

  @Test
  public void anEventAboutAnEarlierIncarnationStaysWithThatOne() {
    ObjectTracker.Step created = tracker.track(null, deploymentEv("create").response(deployment("u2", "5", 2)).at(1).record());
    ObjectTracker.Step event = tracker.place(created.state(), kubeEvent("u1", "Killing", 1, 2));
    assertThat(event.span().uid(), equalTo("u1"));
    assertThat(event.sighting().owner(), nullValue());
    assertThat(event.state(), is(created.state()));
  }

  @Test
  public void aBodyTheAuditBackendLeftOutIsANoteNotADiffNorAFailure() {
    ObjectTracker.Step created = tracker.track(null, deploymentEv("create").response(deployment("u1", "1", 2)).at(1).record());
    ObjectTracker.Step patched = tracker.track(created.state(), deploymentEv("patch")
        .request(JSON.getNodeFactory().textNode("skipped-too-big-size-object"))
        .response(JSON.getNodeFactory().textNode("skipped-too-big-size-object")).at(2).record());
    assertThat(eventsNamed(patched, SpanEvent.DIFF), is(empty()));
    assertThat(notes(patched).toString(), containsString("left out the request body: skipped-too-big-size-object"));
    assertThat(patched.state().state(), is(created.state().state()));
  }
}
