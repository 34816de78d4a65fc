package dev.kelemetry.beam.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.URI;
import java.util.List;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.extensions.gcp.options.GcsOptions;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** How the object-storage settings reach Beam's filesystems, on the machine that starts a run and on its workers. */
public class ObjectStorageTest {

  /** What a Flink worker gets: the options as JSON inside a Java-serialized wrapper, as the Flink runner ships them. */
  private static PipelineOptions onAWorker(PipelineOptions options) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(new SerializablePipelineOptions(options));
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return ((SerializablePipelineOptions) in.readObject()).get();
    }
  }

  @Test
  public void theSettingsSetOnTheCommandLineReachTheWorkersS3Client() throws Exception {
    PipelineOptions options = PipelineOptionsFactory.create();
    new ObjectStorage(URI.create("http://127.0.0.1:9000"), "eu-west-3", true, URI.create("http://127.0.0.1:4443"))
        .configure(options, List.of("s3://bucket/logs/*.gz"));

    PipelineOptions worker = onAWorker(options);
    S3Options s3 = worker.as(S3Options.class);
    assertThat(s3.getS3ClientFactoryClass(), equalTo(ObjectStorageS3ClientBuilderFactory.class));
    assertThat(s3.as(ObjectStorageS3ClientBuilderFactory.Options.class).getS3PathStyle(), equalTo(true));
    assertThat(worker.as(GcsOptions.class).getGcsEndpoint(), equalTo("http://127.0.0.1:4443/storage/v1/"));
    // the client Beam's S3 filesystem builds on the worker, through the factory named in the options
    try (S3Client client = new ObjectStorageS3ClientBuilderFactory().createBuilder(s3).build()) {
      assertThat(client.serviceClientConfiguration().region(), equalTo(Region.EU_WEST_3));
      assertThat(client.serviceClientConfiguration().endpointOverride().orElseThrow(),
          equalTo(URI.create("http://127.0.0.1:9000")));
    }
  }

  @Test
  public void theRegionComesFromTheCommandLineElseTheAwsChainOnlyWhenAnInputIsOnS3() {
    String before = System.getProperty("aws.region");
    System.setProperty("aws.region", "ap-south-1"); // the first link of the AWS default chain
    try {
      PipelineOptions local = PipelineOptionsFactory.create();
      ObjectStorage.defaults().configure(local, List.of("/var/log/audit/*.log", "gs://b/x/*.json"));
      assertThat(local.as(S3Options.class).getAwsRegion(), equalTo(Region.US_EAST_1));

      PipelineOptions s3 = PipelineOptionsFactory.create();
      ObjectStorage.defaults().configure(s3, List.of("/var/log/audit/*.log", "s3://b/x/*.gz"));
      assertThat(s3.as(S3Options.class).getAwsRegion(), equalTo(Region.AP_SOUTH_1));

      PipelineOptions named = PipelineOptionsFactory.create();
      new ObjectStorage(null, "eu-central-1", false, null).configure(named, List.of("s3://b/x/*.gz"));
      assertThat(named.as(S3Options.class).getAwsRegion(), equalTo(Region.EU_CENTRAL_1));
    } finally {
      if (before == null) {
        System.clearProperty("aws.region");
      } else {
        System.setProperty("aws.region", before);
      }
    }
  }

  @Test
  public void aLocationsSchemeIsWhatBeamWouldRouteItBy() {
    assertThat(ObjectStorage.scheme("s3://bucket/clusters/*/audit.log.gz"), equalTo("s3"));
    assertThat(ObjectStorage.scheme("GS://bucket/x"), equalTo("gs"));
    assertThat(ObjectStorage.scheme("/var/log/kube-audit/*.log"), equalTo("file"));
    assertThat(ObjectStorage.scheme("logs/audit@2024.log"), equalTo("file"));
    assertThat(ObjectStorage.scheme("wasbs://logs@account.blob.core.windows.net/x"), equalTo("wasbs"));
  }

  @Test
  public void aGcsEndpointWithAPathIsTakenAsTheApisBaseUrl() {
    PipelineOptions options = PipelineOptionsFactory.create();
    new ObjectStorage(null, null, false, URI.create("https://storage-gcs.p.googleapis.com/storage/v1/"))
        .configure(options, List.of("gs://b/*.json"));
    assertThat(options.as(GcsOptions.class).getGcsEndpoint(), equalTo("https://storage-gcs.p.googleapis.com/storage/v1/"));
  }

  @Test
  public void anEndpointMustBeAnHttpUrlAndARegionAName() {
    IllegalArgumentException endpoint = assertThrows(IllegalArgumentException.class,
        () -> new ObjectStorage(URI.create("minio:9000"), null, true, null));
    assertThat(endpoint.getMessage(), containsString("--s3-endpoint takes an http:// or https:// URL"));
    IllegalArgumentException region = assertThrows(IllegalArgumentException.class,
        () -> new ObjectStorage(null, "EU West", false, null));
    assertThat(region.getMessage(), containsString("--aws-region takes a region name"));
  }
}
