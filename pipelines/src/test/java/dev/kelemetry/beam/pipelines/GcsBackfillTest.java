package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import dev.kelemetry.beam.schemas.SpanRow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code backfill} reading a {@code gs://} glob laid out as a GKE log sink writes to Cloud Storage, through Beam's GCS
 * filesystem on the embedded Flink runner, against {@link FakeGcsServer} (the JSON API's read calls on loopback; no
 * real Cloud Storage is reached): the spans and counters are those of a backfill of local copies of the same files.
 * The objects hold native audit events (the generated rollout) under a GKE sink's names; reading GKE's LogEntry
 * envelope itself is {@code GkeAuditLogTest}'s and {@code MixedEnvelopesTest}'s.
 */
public class GcsBackfillTest {
  @ClassRule public static final FakeGcsServer GCS = new FakeGcsServer();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static final String ACTIVITY = "cloudaudit.googleapis.com/activity/2026/03/01/";

  @Test
  public void aGkeSinkGlobInABucketGivesTheSpansOfLocalCopies() throws Exception {
    Path log = TMP.getRoot().toPath().resolve("rollout.log");
    Kelemetry.generate("deployment-rollout", 1, 31, Instant.parse("2026-03-01T09:10:00Z"), log);
    List<String> lines = Files.readAllLines(log);
    Path local = TMP.newFolder("sink").toPath();
    // the sink's hourly files, the second shard of the hour as S1; the rollout is split over them
    List<String> objects = List.of(ACTIVITY + "09:00:00_09:59:59_S0.json", ACTIVITY + "09:00:00_09:59:59_S1.json");
    for (int i = 0; i < objects.size(); i++) {
      List<String> part = lines.subList(i * lines.size() / objects.size(), (i + 1) * lines.size() / objects.size());
      Path file = local.resolve(objects.get(i));
      Files.createDirectories(file.getParent());
      Files.write(file, part, StandardCharsets.UTF_8);
      GCS.put("gke-logs", objects.get(i), Files.readAllBytes(file));
    }
    GCS.put("gke-logs", "cloudaudit.googleapis.com/data_access/2026/03/01/09:00:00_09:59:59_S0.json",
        "{\"not\":\"read\"}\n".getBytes(StandardCharsets.UTF_8));

    ObjectStoreBackfills.Run fromGcs = ObjectStoreBackfills.backfill(TMP.newFolder("gcs-out").toPath(), List.of(
        "--input", "gs://gke-logs/cloudaudit.googleapis.com/activity/**@gke-a", "--gcs-endpoint", GCS.endpoint()));
    assertThat(fromGcs.stderr(), fromGcs.code(), equalTo(0));
    ObjectStoreBackfills.Run reference = ObjectStoreBackfills.backfill(TMP.newFolder("local-out").toPath(),
        List.of("--input", local + "/cloudaudit.googleapis.com/activity/**@gke-a"));
    assertThat(reference.stderr(), reference.code(), equalTo(0));

    assertThat(GCS.downloads(), greaterThanOrEqualTo(objects.size()));
    List<SpanRow> spans = fromGcs.spans();
    Set<String> sources = spans.stream().map(s -> String.valueOf(s.attributes().get("kelemetry.source")))
        .filter(s -> !s.equals("null")).map(s -> s.substring(0, s.lastIndexOf(':')))
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(sources, equalTo(objects.stream().map(o -> "gs://gke-logs/" + o).collect(Collectors.toSet())));
    List<String> expected = SpanComparison.withSource(reference.spans(), source -> source);
    assertThat(expected, not(empty()));
    assertThat(SpanComparison.withSource(spans, source -> source.replace("gs://gke-logs/", local + "/")),
        equalTo(expected));
    assertThat(fromGcs.summary().get("records").get("read").asLong(), equalTo((long) lines.size()));
    assertThat(fromGcs.summary().get("records"), equalTo(reference.summary().get("records")));
  }

  private static String failing(String input) throws Exception {
    return ObjectStoreBackfills.backfill(TMP.newFolder().toPath(),
        List.of("--input", input, "--gcs-endpoint", GCS.endpoint(), "--runner", "direct")).failure();
  }

  @Test
  public void aMissingBucketAGlobWithoutObjectsAndARefusalAreOneLineEach() throws Exception {
    GCS.put("audit", "k8s/a.json", "{}\n".getBytes(StandardCharsets.UTF_8));
    GCS.put("locked", "k8s/a.json", "{}\n".getBytes(StandardCharsets.UTF_8));
    GCS.refuse("locked");
    assertThat(failing("gs://no-such-bucket/k8s/*.json"),
        equalTo("kelemetry: --input gs://no-such-bucket/k8s/*.json: the bucket 'no-such-bucket' does not exist"));
    assertThat(failing("gs://audit/k8s/*.log"), equalTo("kelemetry: no file matches --input gs://audit/k8s/*.log"));
    assertThat(failing("gs://locked/k8s/*.json"), containsString(
        "kelemetry: --input gs://locked/k8s/*.json: access denied by Cloud Storage (403); credentials are Application"));
  }
}
