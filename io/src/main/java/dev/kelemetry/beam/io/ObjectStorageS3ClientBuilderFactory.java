package dev.kelemetry.beam.io;

import org.apache.beam.sdk.io.aws2.common.ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Beam's S3 client (region, endpoint and credentials from {@link S3Options}) plus what its options cannot say:
 * path-style addressing, which S3-compatible servers on an IP address or a single host name need, and cross-region
 * access, so a bucket in another region than the one configured is followed rather than refused. Beam instantiates
 * this class by name on every worker, from {@link S3Options#getS3ClientFactoryClass()}.
 */
public final class ObjectStorageS3ClientBuilderFactory implements S3ClientBuilderFactory {

  /** The setting travels with the pipeline's options, so every worker's client addresses buckets the same way. */
  public interface Options extends S3Options {
    @Description("Address S3 buckets as endpoint/bucket/key (path style), as most S3-compatible servers need.")
    @Default.Boolean(false)
    boolean getS3PathStyle();

    void setS3PathStyle(boolean pathStyle);
  }

  @Override
  public S3ClientBuilder createBuilder(S3Options options) {
    return ClientBuilderFactory.getFactory(options).create(S3Client.builder(), options)
        .forcePathStyle(options.as(Options.class).getS3PathStyle())
        .crossRegionAccessEnabled(true);
  }
}
