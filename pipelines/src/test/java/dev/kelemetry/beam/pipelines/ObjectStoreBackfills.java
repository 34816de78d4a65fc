package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.testing.s3.S3Server;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

/**
 * What a test of object-storage inputs does over and over: write gzip'd logs, put them into a bucket of the
 * {@link S3Server}, run {@code kelemetry backfill} as a user types it, and read back what it wrote. The backfill finds
 * the server's key pair the way the command line finds any: through the AWS default chain, here its first link, the
 * {@code aws.accessKeyId} and {@code aws.secretAccessKey} system properties ({@link #useServerCredentials}).
 */
final class ObjectStoreBackfills implements AutoCloseable {
  private final S3Server server;
  private final S3Client client;

  ObjectStoreBackfills(S3Server server) {
    this.server = server;
    // The test's own client, for uploads; the backfill builds its own from its options.
    this.client = S3Client.builder()
        .endpointOverride(URI.create(server.endpoint()))
        .forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)))
        .build();
  }

  /** The backfill's options for this server: its endpoint, path-style addressing, a region. */
  List<String> s3Options() {
    return List.of("--s3-endpoint", server.endpoint(), "--s3-path-style", "--aws-region", "us-east-1");
  }

  /** Sets the credentials the AWS default chain finds first, as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY would. */
  static void useServerCredentials(String secretKey) {
    System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", secretKey);
  }

  /** Writes {@code lines} gzip'd into {@code file}, creating its folders. */
  static Path gzip(Path file, List<String> lines) throws IOException {
    Files.createDirectories(file.getParent());
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      for (String line : lines) {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    return file;
  }

  /** Puts a file at {@code s3://bucket/key}, creating the bucket on first use. */
  void upload(String bucket, String key, Path file) {
    try {
      client.createBucket(b -> b.bucket(bucket));
    } catch (BucketAlreadyOwnedByYouException exists) {
      // created by an earlier upload
    }
    client.putObject(p -> p.bucket(bucket).key(key), RequestBody.fromFile(file));
  }

  /** What one {@code kelemetry backfill} did: its exit code, what it printed to stderr, and its output. */
  record Run(int code, String stderr, Path output) {
    List<SpanRow> spans() throws IOException {
      return SpanFiles.read(output);
    }

    /**
     * The one line a run that failed before it started printed, checked: exit code 2, one {@code kelemetry:} line, no
     * stack trace. (Other lines may be log lines of an earlier run's Flink cluster still shutting down in this JVM.)
     */
    String failure() {
      assertThat(stderr, code, equalTo(2));
      List<String> ours = stderr.lines().filter(l -> l.startsWith("kelemetry: ")).toList();
      assertThat(stderr, ours.size(), equalTo(1));
      assertThat("no stack trace: " + stderr, stderr.lines().noneMatch(l -> l.startsWith("\tat ")), equalTo(true));
      return ours.get(0);
    }

    /** {@code summary.json}, the run's counters. */
    JsonNode summary() throws IOException {
      return Rows.JSON.readTree(output.resolve("summary.json").toFile());
    }
  }

  /** Runs {@code kelemetry backfill ARGS --output OUTPUT} in this JVM, as the command line would. */
  static Run backfill(Path output, List<String> args) {
    List<String> all = new ArrayList<>(List.of("backfill", "--output", output.toString()));
    all.addAll(args);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = new CommandLine(new Kelemetry()).execute(all.toArray(String[]::new));
    } finally {
      System.setErr(original);
    }
    return new Run(code, err.toString(StandardCharsets.UTF_8), output);
  }

  @Override
  public void close() {
    client.close();
  }
}
