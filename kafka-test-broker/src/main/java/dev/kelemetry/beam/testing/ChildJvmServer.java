package dev.kelemetry.beam.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.rules.ExternalResource;

/**
 * A server for integration tests that runs in a child JVM on loopback, from a classpath Maven resolved when the
 * server's module was built: the Kafka broker, the S3 server. The servers need libraries at other versions than the
 * pipelines use, so they cannot share the tests' classpath.
 *
 * <p>What every such server needs and this class does once: a working folder, a free port (retrying with a new one
 * when another process takes it between the check and the bind), the JVM's launch with its output in a log file,
 * startup checked with a probe until the server answers, failure messages with the log's tail, and the end: the
 * process is killed when the rule ends, when the test JVM exits (a shutdown hook), and when the test JVM dies without
 * running hooks, because the child's main starts a {@link ParentWatchdog}, which halts it when its standard input, a
 * pipe held by this JVM, closes.
 */
public abstract class ChildJvmServer extends ExternalResource {
  private static final int LOG_TAIL_LINES = 60;

  private final String name;
  private final Duration startTimeout;
  private Path dir;
  private Process process;
  private int port;
  private Thread reaper;

  /** @param name the server's name in folder names, thread names and messages, e.g. {@code kafka-broker} */
  protected ChildJvmServer(String name, Duration startTimeout) {
    this.name = name;
    this.startTimeout = startTimeout;
  }

  /** Writes the configuration for one attempt on {@code port} and starts the server's JVM ({@link #launch}). */
  protected abstract Process launch(int port, int attempt) throws IOException, InterruptedException;

  /** Returns once the server answers on {@code port}; throws while it does not yet. */
  protected abstract void probe(int port) throws IOException;

  /** The name of the server's log file in {@link #directory()}. */
  protected abstract String logName();

  @Override
  protected void before() throws Throwable {
    start();
  }

  @Override
  protected void after() {
    stop();
  }

  /** The server's working folder (configuration, logs, data). */
  public Path directory() {
    return dir;
  }

  /** The port the server listens on; only valid while it runs. */
  protected int port() {
    if (process == null) {
      throw new IllegalStateException("the " + name + " is not running");
    }
    return port;
  }

  /** Starts the server (the rule calls this; also usable without JUnit). */
  public void start() throws IOException, InterruptedException {
    if (process != null) {
      throw new IllegalStateException("already started");
    }
    dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), name + "-");
    IOException last = null;
    // A free port is found by binding port 0 and closing it; another process may take it in between, so a failed
    // bind starts again on a new port.
    for (int attempt = 1; attempt <= 3; attempt++) {
      port = freePort();
      process = launch(port, attempt);
      reaper = new Thread(this::kill, name + "-reaper");
      Runtime.getRuntime().addShutdownHook(reaper);
      try {
        awaitReady();
        return;
      } catch (IOException e) {
        last = e;
        String log = logTail();
        stopProcess();
        if (!log.contains("Address already in use")) {
          throw e;
        }
      }
    }
    throw last;
  }

  /** Stops the server and removes what {@link #cleanUp} names. */
  public void stop() {
    if (process == null) {
      return;
    }
    stopProcess();
    cleanUp(dir);
  }

  /** After a stop: removes the whole working folder; a server may keep its logs by removing less. */
  protected void cleanUp(Path directory) {
    deleteRecursively(directory);
  }

  /** The last lines of the server's log, for failure messages. */
  public String logTail() {
    return dir == null ? "" : tail(dir.resolve(logName()));
  }

  /** The last lines of a log file, or why there are none. */
  protected static String tail(Path log) {
    try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
      List<String> all = lines.toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - LOG_TAIL_LINES), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log: " + e + ")";
    }
  }

  /**
   * Starts {@code java JVM_OPTIONS -cp CLASSPATH MAIN ARGS} in the working folder, its output into {@code logName};
   * its standard input stays a pipe held by this JVM, for the child's {@link ParentWatchdog}.
   */
  protected Process launchJvm(String classpath, List<String> jvmOptions, String logName, String main, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-Djava.io.tmpdir=" + dir, "-cp", classpath, main));
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(dir.resolve(logName).toFile()))
        .start();
  }

  /**
   * The jars listed in {@code resource} next to {@code anchor} (written by the module's build), after the class-path
   * entries that hold {@code anchor} and this class, so the child JVM can run a main of the module and the
   * {@link ParentWatchdog}.
   */
  protected static String classpath(Class<?> anchor, String resource) throws IOException {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(resource + " is missing: build the module of " + anchor.getSimpleName() + " with Maven first");
      }
      String jars = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      for (String jar : jars.split(File.pathSeparator)) {
        if (!Files.exists(Paths.get(jar))) {
          throw new IOException("a jar of " + resource + " is gone (" + jar + "): rebuild the module of "
              + anchor.getSimpleName());
        }
      }
      List<String> entries = new ArrayList<>(List.of(location(anchor)));
      if (!entries.contains(location(ChildJvmServer.class))) {
        entries.add(location(ChildJvmServer.class));
      }
      entries.add(jars);
      return String.join(File.pathSeparator, entries);
    }
  }

  /** A port free on loopback at the time of the call. */
  protected static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  protected static void deleteRecursively(Path path) {
    if (path == null || !Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp folder is not worth failing a test for
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    IOException lastProbe = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("the " + name + " exited with " + process.exitValue() + " while starting; log tail ("
            + dir.resolve(logName()) + "):\n" + logTail());
      }
      try {
        probe(port);
        return;
      } catch (IOException e) {
        lastProbe = e;
        Thread.sleep(200);
      }
    }
    throw new IOException("the " + name + " did not answer on 127.0.0.1:" + port + " within " + startTimeout
        + " (last probe: " + lastProbe + "); log tail:\n" + logTail());
  }

  private void stopProcess() {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    process = null;
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

  private static String location(Class<?> type) throws IOException {
    try {
      return Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
  }
}
