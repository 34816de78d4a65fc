package dev.kelemetry.beam.testing.s3;

import dev.kelemetry.beam.testing.ChildJvmServer;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real S3-compatible server for tests: s3proxy with its in-memory ({@code transient}) store, in a child JVM on
 * 127.0.0.1 with an ephemeral port, checking AWS signatures (v2 and v4) against one fixed key pair.
 *
 * <pre>{@code
 * @ClassRule public static final S3Server S3 = new S3Server();
 * ... S3Client.builder().endpointOverride(URI.create(S3.endpoint())).forcePathStyle(true)
 *         .credentialsProvider(StaticCredentialsProvider.create(
 *             AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY))) ...
 * }</pre>
 *
 * <p>Buckets are addressed path style ({@code endpoint/bucket/key}): the server has no host names for virtual-host
 * addressing. Any region is accepted.
 *
 * <p>Why a child JVM: s3proxy brings its own AWS SDK (2.54), Google Cloud Storage client (2.71), Guava and logback, at
 * other versions than the ones Beam's filesystems are built with (AWS SDK 2.20, GCS 2.44); on one classpath, Maven's
 * nearest-wins would run the tests' filesystems on s3proxy's versions, not the command line's. The server's classpath
 * is resolved when this module is built and read from the {@code server.classpath} resource.
 *
 * <p>Startup is checked, not assumed: the rule sends HTTP requests until the server answers one (any status: an
 * unsigned request is refused with 403, which proves the S3 handler is up).
 */
public final class S3Server extends ChildJvmServer {
  public static final String ACCESS_KEY = "kelemetry-test";
  public static final String SECRET_KEY = "kelemetry-test-secret";

  /** s3proxy logs through logback, which logs everything at DEBUG without a configuration. */
  private static final String LOGBACK = """
      <configuration>
        <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
        </appender>
        <root level="INFO"><appender-ref ref="OUT"/></root>
      </configuration>
      """;

  public S3Server() {
    super("s3-server", Duration.ofSeconds(60));
  }

  /** {@code http://127.0.0.1:PORT}; only valid while the rule is active. */
  public String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  @Override
  protected Process launch(int port, int attempt) throws IOException {
    Path logging = Files.writeString(directory().resolve("logback.xml"), LOGBACK);
    Path config = Files.writeString(directory().resolve("s3proxy-" + attempt + ".properties"), String.join("\n",
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + ACCESS_KEY,
        "s3proxy.credential=" + SECRET_KEY,
        "jclouds.provider=transient",
        "jclouds.identity=" + ACCESS_KEY,
        "jclouds.credential=" + SECRET_KEY,
        ""));
    return launchJvm(classpath(S3Server.class, "server.classpath"),
        List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Dlogback.configurationFile=" + logging),
        logName(), S3ServerMain.class.getName(), "--properties", config.toString());
  }

  @Override
  protected void probe(int port) throws IOException {
    HttpURLConnection probe = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
    probe.setConnectTimeout(1000);
    probe.setReadTimeout(2000);
    try {
      probe.getResponseCode(); // any answer: the server is up
    } finally {
      probe.disconnect();
    }
  }

  @Override
  protected String logName() {
    return "server.log";
  }
}
