package dev.kelemetry.beam.testing.kafka;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.rules.ExternalResource;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) for integration tests: a child JVM on
 * loopback with ephemeral ports, started by the rule and stopped after the test class.
 *
 * <pre>{@code
 * @ClassRule public static final KafkaBroker KAFKA = new KafkaBroker();
 * ... KafkaIO.read().withBootstrapServers(KAFKA.bootstrapServers()) ...
 * }</pre>
 *
 * <p>Why a child JVM: the broker needs Kafka 4.x server jars, while Beam's KafkaIO here must use kafka-clients 3.9.1
 * (4.x removed {@code Consumer.poll(long)}, which KafkaIO's legacy read calls); one classpath cannot hold both. The
 * broker's classpath is resolved by Maven when this module is built and read from the {@code broker.classpath}
 * resource, so it works offline once the build has resolved it.
 *
 * <p>Startup is checked, not assumed: the rule sends Kafka's {@code ApiVersions} request until the broker answers it
 * (it only does once request processing is enabled), and fails with the tail of the broker's log if the process ends
 * or the deadline passes. The broker is killed when the rule ends, when the test JVM exits, and, because it watches
 * its standard input, when the test JVM dies without running shutdown hooks.
 *
 * <p>Internal topics use replication factor 1, so consumer groups (offset commits) and transactions work on one node.
 */
public final class KafkaBroker extends ExternalResource {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final int LOG_TAIL_LINES = 60;

  private Path dir;
  private Process process;
  private int port;
  private Thread reaper;

  /** {@code host:port} of the broker's plaintext listener; only valid while the rule is active. */
  public String bootstrapServers() {
    if (process == null) {
      throw new IllegalStateException("the broker is not running");
    }
    return "127.0.0.1:" + port;
  }

  /** The broker's working folder (data, configuration, {@code broker.log}). */
  public Path directory() {
    return dir;
  }

  @Override
  protected void before() throws Throwable {
    start();
  }

  @Override
  protected void after() {
    stop();
  }

  /** Starts the broker (the rule calls this; also usable without JUnit). */
  public void start() throws IOException, InterruptedException {
    if (process != null) {
      throw new IllegalStateException("already started");
    }
    dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "kafka-broker-");
    String classpath = brokerClasspath();
    IOException last = null;
    // Free ports are found by binding port 0 and closing; another process may take one in between, so a bind
    // failure retries with new ports.
    for (int attempt = 1; attempt <= 3; attempt++) {
      port = freePort();
      int controllerPort = freePort();
      Path config = writeConfig(port, controllerPort, attempt);
      format(classpath, config);
      process = launch(classpath, config, "broker.log");
      reaper = new Thread(this::kill, "kafka-broker-reaper");
      Runtime.getRuntime().addShutdownHook(reaper);
      try {
        awaitReady();
        return;
      } catch (IOException e) {
        last = e;
        String log = logTail();
        stop();
        if (!log.contains("Address already in use")) {
          throw e;
        }
      }
    }
    throw last;
  }

  /** Stops the broker and deletes its folder. */
  public void stop() {
    if (process == null) {
      return;
    }
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    process = null;
    deleteRecursively(dir.resolve("data"));
  }

  private void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroy(); // SIGTERM: a clean shutdown if it manages within the grace period
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private Path writeConfig(int brokerPort, int controllerPort, int attempt) throws IOException {
    Path data = dir.resolve("data");
    deleteRecursively(data);
    String props = String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs=" + data,
        "num.partitions=1",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "transaction.state.log.num.partitions=1",
        "share.coordinator.state.topic.num.partitions=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=false",
        "");
    Path config = dir.resolve("server-" + attempt + ".properties");
    Files.writeString(config, props);
    return config;
  }

  private void format(String classpath, Path config) throws IOException, InterruptedException {
    Process fmt = launch(classpath, config, "format.log",
        "kafka.tools.StorageTool", "format", "--cluster-id", clusterId(), "--config", config.toString());
    if (!fmt.waitFor(60, TimeUnit.SECONDS)) {
      fmt.destroyForcibly();
      throw new IOException("kafka-storage format did not finish in 60 s:\n" + tail(dir.resolve("format.log")));
    }
    if (fmt.exitValue() != 0) {
      throw new IOException("kafka-storage format failed (exit " + fmt.exitValue() + "):\n"
          + tail(dir.resolve("format.log")));
    }
  }

  private Process launch(String classpath, Path config, String logName, String... mainAndArgs) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Djava.awt.headless=true",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
        "-Dorg.slf4j.simpleLogger.showDateTime=true",
        "-Djava.io.tmpdir=" + dir,
        "-cp", classpath));
    if (mainAndArgs.length == 0) {
      command.add(BrokerMain.class.getName());
      command.add(config.toString());
    } else {
      command.addAll(List.of(mainAndArgs));
    }
    Path log = dir.resolve(logName);
    return new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
        .start(); // stdin stays a pipe held by this JVM: see BrokerMain
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    IOException lastProbe = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("the Kafka broker exited with " + process.exitValue() + " while starting; log tail ("
            + dir.resolve("broker.log") + "):\n" + logTail());
      }
      try {
        apiVersions(port);
        return;
      } catch (IOException e) {
        lastProbe = e;
        Thread.sleep(200);
      }
    }
    throw new IOException("the Kafka broker did not answer on 127.0.0.1:" + port + " within " + START_TIMEOUT
        + " (last probe: " + lastProbe + "); log tail:\n" + logTail());
  }

  /**
   * One {@code ApiVersions} v0 round trip, written by hand so this rule needs no Kafka client: request header v1
   * (api key 18, version 0, correlation id, client id) with an empty body; the answer must echo the correlation id and
   * carry error code 0.
   */
  static void apiVersions(int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(2000);
      byte[] clientId = "kafka-test-broker".getBytes(StandardCharsets.UTF_8);
      int correlationId = 0x4b42;
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeInt(2 + 2 + 4 + 2 + clientId.length);
      out.writeShort(18);
      out.writeShort(0);
      out.writeInt(correlationId);
      out.writeShort(clientId.length);
      out.write(clientId);
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      int size = in.readInt();
      if (size < 6) {
        throw new IOException("short ApiVersions answer: " + size + " bytes");
      }
      int echoed = in.readInt();
      short error = in.readShort();
      if (echoed != correlationId || error != 0) {
        throw new IOException("ApiVersions answered correlation " + echoed + ", error " + error);
      }
    }
  }

  /** The last lines of the broker's log, for failure messages. */
  public String logTail() {
    return dir == null ? "" : tail(dir.resolve("broker.log"));
  }

  private static String tail(Path log) {
    try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
      List<String> all = lines.toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - LOG_TAIL_LINES), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** The broker's jars (resolved at build time) plus this module's classes, for {@link BrokerMain}. */
  private static String brokerClasspath() throws IOException {
    String resource = "broker.classpath";
    try (InputStream in = KafkaBroker.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(resource + " is missing: build the kafka-test-broker module with Maven first");
      }
      String jars = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      for (String jar : jars.split(java.io.File.pathSeparator)) {
        if (!Files.exists(Paths.get(jar))) {
          throw new IOException("a jar of the broker's classpath is gone (" + jar + "): rebuild kafka-test-broker");
        }
      }
      Path self = Paths.get(KafkaBroker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return self + java.io.File.pathSeparator + jars;
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
  }

  /** A KRaft cluster id: 16 random bytes in URL-safe base64 without padding, as {@code kafka-storage random-uuid}. */
  private static String clusterId() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    bytes[0] &= 0x7f; // stay clear of the reserved ids (all zero, all one bits)
    bytes[0] |= 0x01;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(Path path) {
    if (path == null || !Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp folder is not worth failing a test for
    }
  }
}
