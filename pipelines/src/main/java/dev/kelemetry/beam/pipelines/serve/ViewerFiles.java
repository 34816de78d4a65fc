package dev.kelemetry.beam.pipelines.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * The built-in web viewer's static files (HTML, CSS, plain JavaScript), served from the classpath's {@code viewer/}
 * folder at {@code /} and {@code /viewer/...}; every other path goes to the API, which answers unknown paths with
 * Jaeger's JSON error. The files are a fixed list: a request never names a classpath path of its own, so nothing else
 * in the jar can be read through this handler.
 */
final class ViewerFiles implements HttpHandler {
  /** Each file the viewer has, with its content type; charset given so the browser never guesses. */
  static final Map<String, String> FILES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "viewer.js", "text/javascript; charset=utf-8",
      "viewer.css", "text/css; charset=utf-8");

  private final HttpHandler api;

  ViewerFiles(HttpHandler api) {
    this.api = api;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String name = path.equals("/") ? "index.html" : path.startsWith("/viewer/") ? path.substring(8) : "";
    String type = FILES.get(name);
    if (type == null || !exchange.getRequestMethod().equals("GET")) {
      api.handle(exchange);
      return;
    }
    try (exchange) {
      byte[] body;
      try (InputStream in = ViewerFiles.class.getResourceAsStream("/viewer/" + name)) {
        if (in == null) {
          throw new IOException("the viewer's " + name + " is missing from the classpath");
        }
        body = in.readAllBytes();
      }
      send(exchange, 200, type, body);
    }
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
