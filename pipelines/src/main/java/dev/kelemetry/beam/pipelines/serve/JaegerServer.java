package dev.kelemetry.beam.pipelines.serve;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The JDK's HTTP server answering the Jaeger query API over one source of rows, and serving the built-in viewer at {@code /};
 * port 0 takes a free port (the tests do).
 */
public final class JaegerServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService threads;

  private JaegerServer(HttpServer server, ExecutorService threads) {
    this.server = server;
    this.threads = threads;
  }

  static JaegerServer start(SpanSource source, String bind, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 0);
    // a few threads: the UI asks for services, operations and a search at once; the sources are safe to share
    ExecutorService threads = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "kelemetry-serve");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(threads);
    // the viewer's files at / and /viewer/, everything else (the API under /api) to the Jaeger API
    server.createContext("/", new ViewerFiles(new JaegerApi(source)));
    server.start();
    return new JaegerServer(server, threads);
  }

  /** Where it listens, e.g. {@code http://127.0.0.1:16686/}. */
  public URI uri() {
    InetSocketAddress address = server.getAddress();
    String host = address.getAddress().isAnyLocalAddress() ? "localhost" : address.getHostString();
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort() + "/");
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
