package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.testing.s3.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code backfill} reading {@code s3://} globs from a real S3-compatible server (s3proxy on loopback, see
 * {@link S3Server}) on the embedded Flink runner, next to local files in the same run: the spans are the ones a backfill
 * of local copies of the same files gives, ids and trees included, and the counters add up the same.
 */
public class S3BackfillIT {
  @ClassRule public static final S3Server S3 = new S3Server();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static final String BUCKET = "audit";
  private static ObjectStoreBackfills store;

  @BeforeClass
  public static void connect() {
    store = new ObjectStoreBackfills(S3);
    ObjectStoreBackfills.useServerCredentials(S3Server.SECRET_KEY);
  }

  @AfterClass
  public static void disconnect() {
    store.close();
  }

  /**
   * The generated deployment rollout of one cluster, gzip'd into {@code root/clusters/CLUSTER/audit-N.log.gz}, split
   * over {@code files} files so that a glob matches more than one object.
   */
  private static List<Path> clusterLogs(Path root, String cluster, long seed, int files) throws Exception {
    Path log = TMP.getRoot().toPath().resolve("generated-" + cluster + ".log");
    Kelemetry.generate("deployment-rollout", 1, seed, Instant.parse("2026-03-01T09:00:00Z"), log);
    List<String> lines = Files.readAllLines(log);
    List<Path> written = new ArrayList<>();
    int per = (lines.size() + files - 1) / files;
    for (int i = 0; i < files; i++) {
      List<String> part = lines.subList(Math.min(lines.size(), i * per), Math.min(lines.size(), (i + 1) * per));
      written.add(ObjectStoreBackfills.gzip(root.resolve("clusters/" + cluster + "/audit-" + (i + 1) + ".log.gz"), part));
    }
    return written;
  }

  private static long lines(List<Path> gzipped) throws Exception {
    long n = 0;
    for (Path p : gzipped) {
      try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(p))) {
        n += new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).count();
      }
    }
    return n;
  }

  @Test
  public void anS3GlobAndALocalGlobInOneRunGiveTheSpansOfLocalCopies() throws Exception {
    Path local = TMP.newFolder("local").toPath();
    List<Path> a = clusterLogs(local, "a", 21, 2);
    List<Path> b = clusterLogs(local, "b", 22, 1);
    for (Path file : a) {
      store.upload(BUCKET, local.relativize(file).toString(), file); // clusters/a/audit-N.log.gz
    }
    // an object beside them that the glob must leave out
    store.upload(BUCKET, "clusters/a/README.txt", Files.writeString(TMP.newFile("README.txt").toPath(), "not a log"));

    List<String> fromPath = List.of("--cluster-from-path", "/clusters/([^/]+)/");
    List<String> mixedArgs = new ArrayList<>(List.of(
        "--input", "s3://" + BUCKET + "/clusters/a/*.log.gz", "--input", local + "/clusters/b/*.log.gz"));
    mixedArgs.addAll(fromPath);
    mixedArgs.addAll(store.s3Options());
    ObjectStoreBackfills.Run mixed = ObjectStoreBackfills.backfill(TMP.newFolder("mixed-out").toPath(), mixedArgs);
    assertThat(mixed.stderr(), mixed.code(), equalTo(0));

    List<String> localArgs = new ArrayList<>(List.of("--input", local + "/clusters/*/*.log.gz"));
    localArgs.addAll(fromPath);
    ObjectStoreBackfills.Run reference = ObjectStoreBackfills.backfill(TMP.newFolder("local-out").toPath(), localArgs);
    assertThat(reference.stderr(), reference.code(), equalTo(0));

    List<SpanRow> spans = mixed.spans();
    Set<String> clusters = spans.stream().map(SpanRow::cluster).collect(Collectors.toCollection(TreeSet::new));
    assertThat(clusters, equalTo(Set.of("a", "b")));
    Set<String> sourcesOfA = spans.stream().filter(s -> s.cluster().equals("a"))
        .map(s -> String.valueOf(s.attributes().get("kelemetry.source"))).filter(s -> !s.equals("null"))
        .map(s -> s.substring(0, s.lastIndexOf(':'))).collect(Collectors.toCollection(TreeSet::new));
    assertThat(sourcesOfA, equalTo(Set.of("s3://audit/clusters/a/audit-1.log.gz", "s3://audit/clusters/a/audit-2.log.gz")));
    // the same rows, ids and parents included, once an object's name is read as its local copy's
    List<String> expected = SpanComparison.withSource(reference.spans(), source -> source);
    assertThat(expected, not(empty()));
    assertThat(SpanComparison.withSource(spans, source -> source.replace("s3://" + BUCKET + "/", local + "/")),
        equalTo(expected));

    JsonNode counted = mixed.summary().get("records");
    assertThat(counted.get("accounted_for").asBoolean(), equalTo(true));
    assertThat(counted.get("read").asLong(), equalTo(lines(a) + lines(b)));
    assertThat(counted, equalTo(reference.summary().get("records")));
  }

  /**
   * Two clusters from two kinds of storage: the member cluster's generated rollout, gzip'd on the S3 server, whose
   * Deployment names a parent in the hub cluster with the parent-link annotation; the hub's log in a local gzip file.
   * The member's Deployment tree joins the hub object's trace (checked against a backfill of the member alone, see
   * {@link CrossClusterLogs}), on the embedded Flink runner, through the command line.
   */
  @Test
  public void aMemberOnS3HangsUnderItsHubParentFromALocalGzip() throws Exception {
    Path local = TMP.newFolder("cross-cluster").toPath();
    Path member = ObjectStoreBackfills.gzip(local.resolve("clusters/member/audit.log.gz"), CrossClusterLogs.memberLog(true));
    store.upload("audit", "clusters/member/audit.log.gz", member);
    ObjectStoreBackfills.gzip(local.resolve("clusters/hub/audit.log.gz"), CrossClusterLogs.hubLog());
    Path plainLog = ObjectStoreBackfills.gzip(local.resolve("plain/audit.log.gz"), CrossClusterLogs.memberLog(false));

    List<String> args = new ArrayList<>(List.of("--input", "s3://audit/clusters/member/*.log.gz",
        "--input", local + "/clusters/hub/*.log.gz", "--cluster-from-path", "/clusters/([^/]+)/"));
    args.addAll(store.s3Options());
    ObjectStoreBackfills.Run linked = ObjectStoreBackfills.backfill(TMP.newFolder("cross-linked").toPath(), args);
    assertThat(linked.stderr(), linked.code(), equalTo(0));
    assertThat(linked.summary().get("records").get("accounted_for").asBoolean(), equalTo(true));

    ObjectStoreBackfills.Run plain = ObjectStoreBackfills.backfill(TMP.newFolder("cross-plain").toPath(),
        List.of("--input", plainLog + "@" + CrossClusterLogs.MEMBER));
    assertThat(plain.stderr(), plain.code(), equalTo(0));

    assertThat(CrossClusterLogs.assertMemberTreeUnderHubParent(plain.spans(), linked.spans()), greaterThan(100));
  }

  /** The one line a backfill of {@code input} prints when it fails before it runs. */
  private static String failing(String input, List<String> options) throws Exception {
    List<String> args = new ArrayList<>(List.of("--input", input, "--runner", "direct"));
    args.addAll(options);
    return ObjectStoreBackfills.backfill(TMP.newFolder().toPath(), args).failure();
  }

  @Test
  public void aBucketThatDoesNotExistIsNamed() throws Exception {
    assertThat(failing("s3://no-such-bucket/clusters/*/*.log.gz", store.s3Options()), equalTo(
        "kelemetry: --input s3://no-such-bucket/clusters/*/*.log.gz: the bucket 'no-such-bucket' does not exist"));
  }

  @Test
  public void aGlobThatMatchesNoObjectIsReportedAsALocalOneIs() throws Exception {
    store.upload(BUCKET, "clusters/c/audit-1.log.gz",
        ObjectStoreBackfills.gzip(TMP.getRoot().toPath().resolve("c.log.gz"), List.of("{}")));
    assertThat(failing("s3://" + BUCKET + "/clusters/c/*.json", store.s3Options()),
        equalTo("kelemetry: no file matches --input s3://" + BUCKET + "/clusters/c/*.json"));
  }

  @Test
  public void refusedCredentialsSayWhereCredentialsComeFrom() throws Exception {
    ObjectStoreBackfills.useServerCredentials("not-the-secret");
    try {
      String said = failing("s3://" + BUCKET + "/clusters/*/*.log.gz", store.s3Options());
      assertThat(said, containsString("kelemetry: --input s3://" + BUCKET + "/clusters/*/*.log.gz: access denied by S3 ("));
      assertThat(said, containsString("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE"));
    } finally {
      ObjectStoreBackfills.useServerCredentials(S3Server.SECRET_KEY);
    }
  }

  @Test
  public void anEndpointWithNoServerIsNamed() throws Exception {
    List<String> options = List.of("--s3-endpoint", "http://127.0.0.1:9", "--s3-path-style", "--aws-region", "us-east-1");
    assertThat(failing("s3://" + BUCKET + "/x/*.gz", options),
        containsString("kelemetry: --input s3://" + BUCKET + "/x/*.gz: S3 could not be reached: "));
  }
}
