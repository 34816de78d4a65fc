package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.kelemetry.beam.testing.s3.S3Server;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Two clusters in one backfill from two kinds of storage: the member cluster's generated rollout, gzip'd on a real
 * S3-compatible server, whose Deployment names a parent in the hub cluster with the parent-link annotation; the hub's
 * log in a local gzip file. The member's Deployment tree joins the hub object's trace (checked against a backfill of
 * the member alone, see {@link CrossClusterLogs}), on the embedded Flink runner, through the command line.
 */
public class S3CrossClusterIT {
  @ClassRule public static final S3Server S3 = new S3Server();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

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

  @Test
  public void aMemberOnS3HangsUnderItsHubParentFromALocalGzip() throws Exception {
    Path local = TMP.newFolder("local").toPath();
    Path member = ObjectStoreBackfills.gzip(local.resolve("clusters/member/audit.log.gz"), CrossClusterLogs.memberLog(true));
    store.upload("audit", "clusters/member/audit.log.gz", member);
    ObjectStoreBackfills.gzip(local.resolve("clusters/hub/audit.log.gz"), CrossClusterLogs.hubLog());
    Path plainLog = ObjectStoreBackfills.gzip(local.resolve("plain/audit.log.gz"), CrossClusterLogs.memberLog(false));

    List<String> args = new ArrayList<>(List.of("--input", "s3://audit/clusters/member/*.log.gz",
        "--input", local + "/clusters/hub/*.log.gz", "--cluster-from-path", "/clusters/([^/]+)/"));
    args.addAll(store.s3Options());
    ObjectStoreBackfills.Run linked = ObjectStoreBackfills.backfill(TMP.newFolder("linked").toPath(), args);
    assertThat(linked.stderr(), linked.code(), equalTo(0));
    assertThat(linked.summary().get("records").get("accounted_for").asBoolean(), equalTo(true));

    ObjectStoreBackfills.Run plain = ObjectStoreBackfills.backfill(TMP.newFolder("plain-out").toPath(),
        List.of("--input", plainLog + "@" + CrossClusterLogs.MEMBER));
    assertThat(plain.stderr(), plain.code(), equalTo(0));

    assertThat(CrossClusterLogs.assertMemberTreeUnderHubParent(plain.spans(), linked.spans()), greaterThan(100));
  }
}
