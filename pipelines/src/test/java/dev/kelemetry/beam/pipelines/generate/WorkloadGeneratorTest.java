package dev.kelemetry.beam.pipelines.generate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.Test;

public class WorkloadGeneratorTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Pattern MICRO_TIMESTAMP =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z");

  /** Output of one run, kept as raw text and parsed events. */
  private record Run(String text, List<JsonNode> events, WorkloadGenerator.Stats stats) {}

  private static final Map<String, Run> CACHE = new HashMap<>();

  private static synchronized Run run(String scenario, int scale, long seed) {
    return CACHE.computeIfAbsent(scenario + "/" + scale + "/" + seed, key -> {
      try {
        StringWriter out = new StringWriter();
        WorkloadGenerator.Stats stats = WorkloadGenerator.generate(scenario, scale, seed, START, out);
        List<JsonNode> events = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
          events.add(MAPPER.readTree(line));
        }
        return new Run(out.toString(), events, stats);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private static List<Run> allRuns() {
    return List.of(
        run("deployment-rollout", 1, 7), run("deployment-rollout", 3, 7), run("ancestors", 1, 7), run("ancestors", 2, 7));
  }

  /** ResponseComplete events matching verb and resource[/subresource]. */
  private static List<JsonNode> completed(Run run, String verb, String resource) {
    List<JsonNode> matches = new ArrayList<>();
    for (JsonNode event : run.events()) {
      JsonNode ref = event.path("objectRef");
      String fullResource = ref.path("resource").asText()
          + (ref.has("subresource") ? "/" + ref.path("subresource").asText() : "");
      if (event.path("stage").asText().equals("ResponseComplete") && event.path("verb").asText().equals(verb)
          && fullResource.equals(resource)) {
        matches.add(event);
      }
    }
    return matches;
  }

  @Test
  public void sameSeedGivesIdenticalOutputAndDifferentSeedDoesNot() throws IOException {
    StringWriter first = new StringWriter();
    StringWriter second = new StringWriter();
    StringWriter other = new StringWriter();
    WorkloadGenerator.generate("deployment-rollout", 2, 42, START, first);
    WorkloadGenerator.generate("deployment-rollout", 2, 42, START, second);
    WorkloadGenerator.generate("deployment-rollout", 2, 43, START, other);
    assertEquals(first.toString(), second.toString());
    assertNotEquals(first.toString(), other.toString());
  }

  @Test
  public void everyLineIsAnAuditEventWithTheRequiredFields() {
    for (Run run : allRuns()) {
      for (JsonNode event : run.events()) {
        assertEquals("Event", event.path("kind").asText());
        assertEquals("audit.k8s.io/v1", event.path("apiVersion").asText());
        assertEquals("RequestResponse", event.path("level").asText());
        assertFalse(event.path("auditID").asText().isEmpty());
        assertTrue(event.path("requestURI").asText().startsWith("/api"));
        assertFalse(event.path("verb").asText().isEmpty());
        assertFalse(event.path("user").path("username").asText().isEmpty());
        assertTrue(event.path("user").path("groups").isArray());
        assertTrue(event.path("sourceIPs").isArray());
        assertFalse(event.path("userAgent").asText().isEmpty());
        assertFalse(event.path("objectRef").path("resource").asText().isEmpty());
        assertTrue(event.path("objectRef").has("apiVersion"));
        assertTrue(MICRO_TIMESTAMP.matcher(event.path("requestReceivedTimestamp").asText()).matches());
        assertTrue(MICRO_TIMESTAMP.matcher(event.path("stageTimestamp").asText()).matches());
        assertEquals("allow", event.path("annotations").path("authorization.k8s.io/decision").asText());

        String stage = event.path("stage").asText();
        if (stage.equals("RequestReceived")) {
          assertFalse(event.has("responseStatus"));
          assertFalse(event.has("responseObject"));
        } else {
          assertTrue(event.path("responseStatus").path("code").isInt());
        }
        // The apiserver only learns the uid of an object from a request body that has one.
        if (event.path("verb").asText().equals("create") && !event.path("objectRef").has("subresource")) {
          assertFalse(event.toString(), event.path("objectRef").has("uid"));
        }
        if (event.path("objectRef").path("apiGroup").asText().isEmpty()) {
          assertFalse(event.path("objectRef").has("apiGroup"));
        }
      }
    }
  }

  @Test
  public void everyRequestCompletesExactlyOnceExceptWatches() {
    for (Run run : allRuns()) {
      Map<String, List<JsonNode>> byAuditId = new HashMap<>();
      for (JsonNode event : run.events()) {
        byAuditId.computeIfAbsent(event.path("auditID").asText(), id -> new ArrayList<>()).add(event);
      }
      int watches = 0;
      for (List<JsonNode> stages : byAuditId.values()) {
        JsonNode received = stages.get(0);
        assertEquals("RequestReceived", received.path("stage").asText());
        assertEquals(2, stages.size());
        JsonNode last = stages.get(1);
        assertEquals(received.path("requestReceivedTimestamp"), last.path("requestReceivedTimestamp"));
        assertThat(last.path("stageTimestamp").asText(),
            greaterThan(received.path("requestReceivedTimestamp").asText()));
        if (received.path("verb").asText().equals("watch")) {
          watches++;
          assertEquals("ResponseStarted", last.path("stage").asText());
          assertTrue(received.path("requestURI").asText().contains("watch=true"));
          assertFalse(received.path("objectRef").has("name"));
        } else {
          assertEquals("ResponseComplete", last.path("stage").asText());
        }
      }
      assertThat(watches, greaterThan(0));
      assertEquals(run.stats().requests(), byAuditId.size());
    }
  }

  @Test
  public void linesAreOrderedByStageTimestampAndStatsDescribeThem() {
    for (Run run : allRuns()) {
      Instant previous = Instant.MIN;
      for (JsonNode event : run.events()) {
        Instant at = Instant.parse(event.path("stageTimestamp").asText());
        assertThat(at, greaterThanOrEqualTo(previous));
        previous = at;
      }
      assertEquals(run.events().size(), run.stats().events());
      assertEquals(Instant.parse(run.events().get(0).path("stageTimestamp").asText()), run.stats().first());
      assertEquals(previous, run.stats().last());
      assertThat(run.stats().first(), greaterThanOrEqualTo(START));
    }
  }

  @Test
  public void ownerReferencesPointAtObjectsCreatedEarlier() {
    for (Run run : allRuns()) {
      Set<String> deployments = new HashSet<>();
      Set<String> replicaSets = new HashSet<>();
      int pods = 0;
      for (JsonNode event : run.events()) {
        if (!event.path("stage").asText().equals("ResponseComplete") || !event.path("verb").asText().equals("create")
            || event.path("responseStatus").path("code").asInt() != 201 || event.path("objectRef").has("subresource")) {
          continue;
        }
        JsonNode object = event.path("responseObject");
        JsonNode owner = object.path("metadata").path("ownerReferences").path(0);
        switch (event.path("objectRef").path("resource").asText()) {
          case "deployments" -> deployments.add(object.path("metadata").path("uid").asText());
          case "replicasets" -> {
            assertEquals("Deployment", owner.path("kind").asText());
            assertTrue(owner.path("controller").asBoolean());
            assertThat(deployments, hasItem(owner.path("uid").asText()));
            replicaSets.add(object.path("metadata").path("uid").asText());
          }
          case "pods" -> {
            assertEquals("ReplicaSet", owner.path("kind").asText());
            assertThat(replicaSets, hasItem(owner.path("uid").asText()));
            assertTrue(object.path("metadata").path("name").asText().startsWith(owner.path("name").asText() + "-"));
            assertFalse(event.path("objectRef").has("name"));
            pods++;
          }
          default -> { }
        }
      }
      assertThat(pods, greaterThan(0));
    }
  }

  @Test
  public void successfulWritesGetDistinctResourceVersions() {
    Run run = run("deployment-rollout", 1, 7);
    Set<String> seen = new HashSet<>();
    for (JsonNode event : run.events()) {
      String verb = event.path("verb").asText();
      if (!event.path("stage").asText().equals("ResponseComplete") || verb.equals("get") || verb.equals("watch")
          || event.path("responseStatus").path("code").asInt() >= 300) {
        continue;
      }
      String version = event.path("responseObject").path("metadata").path("resourceVersion").asText();
      if (!version.isEmpty()) {
        assertTrue("duplicate resourceVersion " + version, seen.add(version));
      }
    }
    assertThat(seen.size(), greaterThan(100));
  }

  @Test
  public void deploymentRolloutCreatesTwoReplicaSetsAndWalksThroughTheCommands() {
    Run run = run("deployment-rollout", 1, 7);
    Set<String> replicaSets = new LinkedHashSet<>();
    for (JsonNode create : completed(run, "create", "replicasets")) {
      assertEquals("demo", create.path("responseObject").path("metadata").path("ownerReferences").path(0)
          .path("name").asText());
      replicaSets.add(create.path("responseObject").path("metadata").path("name").asText());
    }
    assertEquals(2, replicaSets.size());

    // The image change is observed by the controller: observedGeneration moves past 1.
    int firstWithOne = -1;
    int laterWithTwo = -1;
    List<JsonNode> statusUpdates = completed(run, "update", "deployments/status");
    for (int i = 0; i < statusUpdates.size(); i++) {
      long observed = statusUpdates.get(i).path("responseObject").path("status").path("observedGeneration").asLong();
      if (observed == 1 && firstWithOne < 0) {
        firstWithOne = i;
      }
      if (observed == 2 && firstWithOne >= 0 && laterWithTwo < 0) {
        laterWithTwo = i;
      }
    }
    assertThat(firstWithOne, greaterThanOrEqualTo(0));
    assertThat(laterWithTwo, greaterThan(firstWithOne));

    List<Integer> scaledTo = new ArrayList<>();
    for (JsonNode patch : completed(run, "patch", "deployments/scale")) {
      assertEquals("Scale", patch.path("responseObject").path("kind").asText());
      assertEquals("autoscaling/v1", patch.path("responseObject").path("apiVersion").asText());
      scaledTo.add(patch.path("requestObject").path("spec").path("replicas").asInt());
    }
    assertEquals(List.of(4, 2), scaledTo);

    List<JsonNode> imagePatches = completed(run, "patch", "deployments");
    assertEquals(1, imagePatches.size());
    assertEquals("nginx:1.26", imagePatches.get(0).path("responseObject").path("spec").path("template").path("spec")
        .path("containers").path(0).path("image").asText());

    List<JsonNode> deletes = completed(run, "delete", "deployments");
    assertEquals(1, deletes.size());
    assertEquals("demo", deletes.get(0).path("objectRef").path("name").asText());
    assertEquals(200, deletes.get(0).path("responseStatus").path("code").asInt());
    assertEquals(2, completed(run, "delete", "replicasets").size());

    // The deliberate failures: one NotFound get and one AlreadyExists create per cycle.
    long notFound = completed(run, "get", "deployments").stream()
        .filter(e -> e.path("responseStatus").path("code").asInt() == 404).count();
    long conflicts = completed(run, "create", "deployments").stream()
        .filter(e -> e.path("responseStatus").path("reason").asText().equals("AlreadyExists")).count();
    assertEquals(1, notFound);
    assertEquals(1, conflicts);
    assertThat(run.stats().events(), greaterThan(500L));
    assertThat(run.stats().events(), lessThan(3000L));
  }

  @Test
  public void everyPodCreatedIsEventuallyDeletedByItsKubelet() {
    for (Run run : allRuns()) {
      Set<String> created = new HashSet<>();
      for (JsonNode create : completed(run, "create", "pods")) {
        created.add(create.path("responseObject").path("metadata").path("name").asText());
      }
      Set<String> removed = new HashSet<>();
      for (JsonNode delete : completed(run, "delete", "pods")) {
        if (delete.path("user").path("username").asText().startsWith("system:node:")) {
          assertEquals(0, delete.path("responseObject").path("metadata").path("deletionGracePeriodSeconds").asInt());
          removed.add(delete.path("objectRef").path("name").asText());
        } else {
          assertEquals(30, delete.path("responseObject").path("metadata").path("deletionGracePeriodSeconds").asInt());
        }
      }
      assertThat(created, not(empty()));
      assertEquals(created, removed);
    }
  }

  @Test
  public void ancestorsReplacesTheFirstReplicaSet() {
    Run run = run("ancestors", 1, 7);
    List<JsonNode> creates = completed(run, "create", "replicasets");
    assertEquals(2, creates.size());
    String first = creates.get(0).path("responseObject").path("metadata").path("name").asText();
    assertTrue(first.startsWith("ancestors-"));
    boolean scaledToZero = completed(run, "update", "replicasets").stream()
        .anyMatch(e -> e.path("objectRef").path("name").asText().equals(first)
            && e.path("responseObject").path("spec").path("replicas").asInt() == 0);
    assertTrue(scaledToZero);
    assertEquals(1, completed(run, "delete", "deployments").size());
  }

  @Test
  public void scaleMultipliesDeploymentsAndEvents() {
    Run small = run("deployment-rollout", 1, 7);
    Run large = run("deployment-rollout", 3, 7);
    Set<String> names = new HashSet<>();
    for (JsonNode create : completed(large, "create", "deployments")) {
      if (create.path("responseStatus").path("code").asInt() == 201) {
        names.add(create.path("objectRef").path("name").asText());
      }
    }
    assertEquals(Set.of("demo", "demo-2", "demo-3"), names);
    assertEquals(3, large.stats().deployments());
    // Each deployment repeats its cycle `scale` times.
    assertEquals(9, completed(large, "delete", "deployments").size());
    assertThat(large.stats().events(), greaterThan(5 * small.stats().events()));
  }

  @Test
  public void rejectsUnknownScenarioAndBadScale() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> WorkloadGenerator.generate("chaos", 1, 1, START, new StringWriter()));
    assertThat(unknown.getMessage(), containsString("deployment-rollout"));
    assertThat(unknown.getMessage(), containsString("ancestors"));
    assertThrows(IllegalArgumentException.class,
        () -> WorkloadGenerator.generate("ancestors", 0, 1, START, new StringWriter()));
    assertThat(WorkloadGenerator.SCENARIOS, is(equalTo(List.of("deployment-rollout", "ancestors"))));
  }
}
