package dev.kelemetry.beam.pipelines;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kelemetry.beam.schemas.Rows;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.rules.ExternalResource;

/**
 * The part of the Cloud Storage JSON API that reading {@code gs://} globs uses, on loopback, so Beam's own GCS
 * filesystem (GcsUtil listing, gcsio's read channel, the HTTP client under both) runs unchanged against it through
 * {@code --gcs-endpoint}: list a bucket's objects by prefix, get an object's metadata, download it ({@code alt=media},
 * with {@code Range}). Errors come as the API words them: 404 for a bucket or object that does not exist, 403 for a
 * bucket {@link #refuse refused}. Not a GCS emulator: no writes, no pagination, no batch requests (Beam batches the
 * match of a path without a glob, so tests use globs), no generations beyond 1.
 *
 * <p>Why not Beam's test utilities: a {@code GcsUtil} set on the options ({@code GcsOptions.setGcsUtil}) is not
 * serialized, so it never reaches the Flink runner's workers; an endpoint does.
 */
final class FakeGcsServer extends ExternalResource {
  /** {@code [/download]/storage/v1/b/BUCKET[/o[/OBJECT]]}, the object's name URL-encoded. */
  private static final Pattern PATH = Pattern.compile("(?:/download)?/storage/v1/b/([^/]+)(/o(?:/(.+))?)?");
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

  private final Map<String, ConcurrentSkipListMap<String, byte[]>> buckets = new ConcurrentHashMap<>();
  private final Set<String> refused = ConcurrentHashMap.newKeySet();
  private final AtomicInteger downloads = new AtomicInteger();
  private HttpServer server;

  @Override
  protected void before() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  @Override
  protected void after() {
    server.stop(0);
  }

  /** The value for {@code --gcs-endpoint}: the server's address (the API's path is added by the backfill). */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void put(String bucket, String object, byte[] content) {
    buckets.computeIfAbsent(bucket, b -> new ConcurrentSkipListMap<>()).put(object, content);
  }

  /** Every request for this bucket gets 403, as for credentials without access to it. */
  void refuse(String bucket) {
    refused.add(bucket);
  }

  /** How many object downloads were served: the proof that a run read its files here. */
  int downloads() {
    return downloads.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Matcher m = PATH.matcher(exchange.getRequestURI().getRawPath());
      if (!exchange.getRequestMethod().equals("GET") || !m.matches()) {
        error(exchange, 400, "this fake serves GET of buckets and objects only");
        return;
      }
      String bucket = decode(m.group(1));
      if (refused.contains(bucket)) {
        error(exchange, 403, "caller does not have storage.objects.list access to the Google Cloud Storage bucket");
        return;
      }
      Map<String, byte[]> objects = buckets.get(bucket);
      if (objects == null) {
        error(exchange, 404, "The specified bucket does not exist.");
      } else if (m.group(2) == null) {
        json(exchange, Rows.JSON.createObjectNode().put("kind", "storage#bucket").put("name", bucket));
      } else if (m.group(3) == null) {
        list(exchange, bucket, objects, query(exchange).getOrDefault("prefix", ""));
      } else {
        String name = decode(m.group(3));
        byte[] content = objects.get(name);
        if (content == null) {
          error(exchange, 404, "No such object: " + bucket + "/" + name);
        } else if ("media".equals(query(exchange).get("alt"))) {
          download(exchange, content);
        } else {
          json(exchange, metadata(bucket, name, content));
        }
      }
    }
  }

  private void list(HttpExchange exchange, String bucket, Map<String, byte[]> objects, String prefix) throws IOException {
    ObjectNode answer = Rows.JSON.createObjectNode().put("kind", "storage#objects");
    ArrayNode items = answer.putArray("items");
    objects.forEach((name, content) -> {
      if (name.startsWith(prefix)) {
        items.add(metadata(bucket, name, content));
      }
    });
    json(exchange, answer);
  }

  private static ObjectNode metadata(String bucket, String name, byte[] content) {
    return Rows.JSON.createObjectNode().put("kind", "storage#object").put("id", bucket + "/" + name + "/1")
        .put("bucket", bucket).put("name", name).put("size", String.valueOf(content.length))
        .put("generation", "1").put("metageneration", "1").put("contentType", "application/json")
        .put("storageClass", "STANDARD").put("timeCreated", "2026-03-01T10:00:00.000Z")
        .put("updated", "2026-03-01T10:00:00.000Z");
  }

  private void download(HttpExchange exchange, byte[] content) throws IOException {
    downloads.incrementAndGet();
    int from = 0;
    int to = content.length - 1;
    String range = exchange.getRequestHeaders().getFirst("Range");
    Matcher r = range == null ? null : RANGE.matcher(range);
    if (r != null && r.matches()) {
      from = Integer.parseInt(r.group(1));
      to = r.group(2).isEmpty() ? to : Math.min(to, Integer.parseInt(r.group(2)));
      if (from > to) {
        exchange.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
        exchange.sendResponseHeaders(416, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + content.length);
    }
    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
    exchange.sendResponseHeaders(r != null && r.matches() ? 206 : 200, to - from + 1);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(Arrays.copyOfRange(content, from, to + 1));
    }
  }

  private static void json(HttpExchange exchange, ObjectNode body) throws IOException {
    send(exchange, 200, body);
  }

  private static void error(HttpExchange exchange, int code, String message) throws IOException {
    ObjectNode body = Rows.JSON.createObjectNode();
    ObjectNode error = body.putObject("error").put("code", code).put("message", message);
    error.putArray("errors").addObject().put("domain", "global").put("message", message)
        .put("reason", code == 404 ? "notFound" : code == 403 ? "forbidden" : "invalid");
    send(exchange, code, body);
  }

  private static void send(HttpExchange exchange, int code, ObjectNode body) throws IOException {
    byte[] bytes = Rows.JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Map<String, String> query(HttpExchange exchange) {
    Map<String, String> params = new HashMap<>();
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        params.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
      }
    }
    return params;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
