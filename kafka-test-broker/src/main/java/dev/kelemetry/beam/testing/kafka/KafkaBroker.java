package dev.kelemetry.beam.testing.kafka;

import dev.kelemetry.beam.testing.ChildJvmServer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
public final class KafkaBroker extends ChildJvmServer {
  private static final List<String> JVM_OPTIONS = List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
      "-Dorg.slf4j.simpleLogger.showDateTime=true");

  public KafkaBroker() {
    super("kafka-broker", Duration.ofSeconds(90));
  }

  /** {@code host:port} of the broker's plaintext listener; only valid while the rule is active. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port();
  }

  @Override
  protected Process launch(int port, int attempt) throws IOException, InterruptedException {
    String classpath = classpath(KafkaBroker.class, "broker.classpath");
    Path config = writeConfig(port, freePort(), attempt);
    format(classpath, config);
    return launchJvm(classpath, JVM_OPTIONS, logName(), BrokerMain.class.getName(), config.toString());
  }

  @Override
  protected void probe(int port) throws IOException {
    apiVersions(port);
  }

  @Override
  protected String logName() {
    return "broker.log";
  }

  /** Keeps the configuration and logs; the data (the bulk) goes. */
  @Override
  protected void cleanUp(Path directory) {
    deleteRecursively(directory.resolve("data"));
  }

  private Path writeConfig(int brokerPort, int controllerPort, int attempt) throws IOException {
    Path data = directory().resolve("data");
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
    Path config = directory().resolve("server-" + attempt + ".properties");
    Files.writeString(config, props);
    return config;
  }

  private void format(String classpath, Path config) throws IOException, InterruptedException {
    Process fmt = launchJvm(classpath, JVM_OPTIONS, "format.log",
        "kafka.tools.StorageTool", "format", "--cluster-id", clusterId(), "--config", config.toString());
    Path log = directory().resolve("format.log");
    if (!fmt.waitFor(60, TimeUnit.SECONDS)) {
      fmt.destroyForcibly();
      throw new IOException("kafka-storage format did not finish in 60 s:\n" + tail(log));
    }
    if (fmt.exitValue() != 0) {
      throw new IOException("kafka-storage format failed (exit " + fmt.exitValue() + "):\n" + tail(log));
    }
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

  /** A KRaft cluster id: 16 random bytes in URL-safe base64 without padding, as {@code kafka-storage random-uuid}. */
  private static String clusterId() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    bytes[0] &= 0x7f; // stay clear of the reserved ids (all zero, all one bits)
    bytes[0] |= 0x01;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
