package dev.kelemetry.beam.io;

import java.io.Serializable;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.extensions.gcp.options.GcsOptions;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.PipelineOptions;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * Where {@code s3://} and {@code gs://} inputs are read from. Credentials are never part of it: S3 takes them from the
 * AWS default chain (environment, profile, container or instance role) and GCS from Application Default Credentials,
 * on every worker, so no secret travels inside the pipeline's options.
 *
 * <p>Beam's filesystems read their settings from the pipeline options, which the runner serializes to every worker
 * (Flink's operators register the filesystems again from their copy): {@link #configure} writes them there.
 *
 * @param s3Endpoint an S3-compatible server (MinIO, s3proxy, Cloudflare R2, a VPC endpoint), or null for AWS itself
 * @param awsRegion the region of the S3 client, or null for the AWS default chain, else {@code us-east-1}
 * @param s3PathStyle address buckets as {@code endpoint/bucket/key} rather than {@code bucket.endpoint/key}, as most
 *     S3-compatible servers need
 * @param gcsEndpoint a server speaking the Cloud Storage JSON API in place of {@code storage.googleapis.com} (an
 *     emulator, a Private Service Connect endpoint): its address, to which {@code /storage/v1/} is added, or the API's
 *     whole base URL; or null
 */
public record ObjectStorage(URI s3Endpoint, String awsRegion, boolean s3PathStyle, URI gcsEndpoint)
    implements Serializable {

  /** The schemes an input may use; a path without a scheme is a local file. */
  public static final List<String> SCHEMES = List.of("file", "s3", "gs");

  /** The region when neither the command line nor the AWS default chain names one: the AWS CLI's own fallback. */
  static final Region FALLBACK_REGION = Region.US_EAST_1;

  /** A scheme as Beam's FileSystems parses one: letters, digits, {@code +-.}, then {@code :/}. */
  private static final Pattern SCHEME = Pattern.compile("^([a-zA-Z][-a-zA-Z0-9+.]*):/.*");

  public ObjectStorage {
    checkHttpUrl(s3Endpoint, "--s3-endpoint");
    checkHttpUrl(gcsEndpoint, "--gcs-endpoint");
    if (awsRegion != null && !awsRegion.matches("[a-z0-9-]+")) {
      throw new IllegalArgumentException("--aws-region takes a region name like eu-west-1, got '" + awsRegion + "'");
    }
  }

  /** AWS S3 and Cloud Storage themselves, the region from the AWS default chain. */
  public static ObjectStorage defaults() {
    return new ObjectStorage(null, null, false, null);
  }

  /** The scheme of an input location, lower case; {@code file} for a local path. */
  public static String scheme(String location) {
    Matcher m = SCHEME.matcher(location);
    return m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : "file";
  }

  /**
   * Writes these settings into {@code options} for the filesystems of {@code locations}.
   *
   * <p>Beam's S3 filesystem resolves a region when it registers, which the runner does for every run and on every
   * worker; unset, that is the AWS default chain, whose last link asks the EC2 instance metadata service and waits for
   * it off EC2. So the region is always set here: the chain is asked only when an input is on S3.
   */
  public void configure(PipelineOptions options, Collection<String> locations) {
    boolean readsS3 = locations.stream().anyMatch(l -> scheme(l).equals("s3"));
    S3Options s3 = options.as(S3Options.class);
    s3.setAwsRegion(awsRegion != null ? Region.of(awsRegion) : readsS3 ? regionFromDefaultChain() : FALLBACK_REGION);
    if (s3Endpoint != null) {
      s3.setEndpoint(s3Endpoint);
    }
    // Our factory adds path-style addressing (when asked) and cross-region access to Beam's S3 client.
    s3.setS3ClientFactoryClass(ObjectStorageS3ClientBuilderFactory.class);
    s3.as(ObjectStorageS3ClientBuilderFactory.Options.class).setS3PathStyle(s3PathStyle);
    if (gcsEndpoint != null) {
      // Beam takes the JSON API's whole base URL; a server's bare address gets the API's path, as its clients add.
      String path = gcsEndpoint.getPath();
      options.as(GcsOptions.class).setGcsEndpoint(path == null || path.isEmpty() || path.equals("/")
          ? gcsEndpoint.resolve("/storage/v1/").toString() : gcsEndpoint.toString());
    }
  }

  /** The AWS CLI's order: {@code aws.region}, {@code AWS_REGION}, the profile, the instance; else us-east-1. */
  static Region regionFromDefaultChain() {
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException none) {
      return FALLBACK_REGION;
    }
  }

  private static void checkHttpUrl(URI url, String option) {
    if (url != null && (url.getHost() == null || !List.of("http", "https").contains(String.valueOf(url.getScheme())))) {
      throw new IllegalArgumentException(option + " takes an http:// or https:// URL, got '" + url + "'");
    }
  }
}
