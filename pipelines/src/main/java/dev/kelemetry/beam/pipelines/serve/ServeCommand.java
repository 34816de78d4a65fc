package dev.kelemetry.beam.pipelines.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kelemetry serve}: the Jaeger query API over an output directory, for the Jaeger UI and Grafana. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve an output directory's traces over the Jaeger query HTTP API, so the Jaeger UI or Grafana's Jaeger"
        + " data source can browse them with Kelemetry's display modes (docs/serve.md). The rows are read once, at the start.")
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "DIR", description = "The output directory to serve (a backfill's or a stream's --output).")
  Path data;

  @Option(names = "--port", defaultValue = "16686", description = "Port (default: ${DEFAULT-VALUE}, Jaeger's own).")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface, e.g. for Grafana in a container).")
  String bind;

  @Override
  public Integer call() throws IOException, InterruptedException {
    SpanStore store;
    try {
      store = SpanStore.load(data);
    } catch (IOException e) {
      System.err.println("kelemetry serve: " + e.getMessage());
      return 2;
    }
    JaegerServer server = JaegerServer.start(store, bind, port);
    CountDownLatch stopped = new CountDownLatch(1);
    // Ctrl-C ends the JVM through its shutdown hooks: close the socket first so the port is free at once
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }));
    System.out.printf("read %,d spans of %,d stored traces, %d cluster(s) %s, from %s%n", store.spanCount(),
        store.traceCount(), store.clusters().size(), store.clusters(), data);
    System.out.println("serving the Jaeger query API on " + server.uri() + "  (Ctrl-C stops)");
    stopped.await();
    return 0;
  }
}
