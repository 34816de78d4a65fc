package dev.kelemetry.beam.testing.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kelemetry.beam.testing.ChildJvmServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OTLP trace receiver for integration tests: gRPC and HTTP/protobuf endpoints on loopback, served by a child JVM
 * ({@link ReceiverMain}) that decodes requests with the official opentelemetry-proto classes. The rule reads back
 * every span it accepted, and can make it refuse requests (gRPC UNAVAILABLE, HTTP 503) until told otherwise.
 *
 * <pre>{@code
 * @ClassRule public static final OtlpReceiver OTLP = new OtlpReceiver();
 * ... --otlp-endpoint OTLP.grpcEndpoint() ... OTLP.spans() ...
 * }</pre>
 */
public final class OtlpReceiver extends ChildJvmServer {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** One span as received, ids in hex, attribute values as OTLP's AnyValue turned into Java values. */
  public record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, String kind,
      long startNanos, long endNanos, String status, Map<String, Object> attributes, List<ReceivedEvent> events,
      Map<String, Object> resource) {}

  public record ReceivedEvent(long timeNanos, String name, Map<String, Object> attributes) {}

  private int httpPort;

  public OtlpReceiver() {
    super("otlp-receiver", Duration.ofSeconds(60));
  }

  /** gRPC listens on the port the base class chose; HTTP on a second free one. */
  @Override
  protected Process launch(int grpcPort, int attempt) throws IOException {
    httpPort = freePort();
    return launchJvm(classpath(OtlpReceiver.class, "receiver.classpath"), List.of("-Xmx256m", "-XX:+UseSerialGC"),
        logName(), ReceiverMain.class.getName(), directory().toString(), String.valueOf(grpcPort),
        String.valueOf(httpPort));
  }

  @Override
  protected void probe(int grpcPort) throws IOException {
    for (int port : new int[] {grpcPort, httpPort}) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
      }
    }
  }

  @Override
  protected String logName() {
    return "receiver.log";
  }

  public String grpcEndpoint() {
    return "http://127.0.0.1:" + port();
  }

  /** The base URL; exporters add {@code /v1/traces}. */
  public String httpEndpoint() {
    port(); // running
    return "http://127.0.0.1:" + httpPort;
  }

  /** Refuse every request (UNAVAILABLE / 503) from now on, or accept them again. */
  public void refuse(boolean on) throws IOException {
    Files.writeString(directory().resolve("mode"), on ? "unavailable" : "ok");
  }

  /** Forgets what was received and refused so far. */
  public void reset() throws IOException {
    Files.deleteIfExists(directory().resolve("received.jsonl"));
    Files.deleteIfExists(directory().resolve("refused.log"));
    refuse(false);
  }

  public long refusedRequests() throws IOException {
    Path log = directory().resolve("refused.log");
    return Files.exists(log) ? Files.readAllLines(log).size() : 0;
  }

  public long acceptedRequests() throws IOException {
    Path log = directory().resolve("received.jsonl");
    return Files.exists(log) ? Files.readAllLines(log).size() : 0;
  }

  /** Every span of every accepted request, in arrival order. */
  public List<ReceivedSpan> spans() throws IOException {
    List<ReceivedSpan> spans = new ArrayList<>();
    Path log = directory().resolve("received.jsonl");
    if (!Files.exists(log)) {
      return spans;
    }
    for (String line : Files.readAllLines(log)) {
      for (JsonNode rs : JSON.readTree(line).path("resourceSpans")) {
        Map<String, Object> resource = attributes(rs.path("resource").path("attributes"));
        for (JsonNode ss : rs.path("scopeSpans")) {
          for (JsonNode s : ss.path("spans")) {
            List<ReceivedEvent> events = new ArrayList<>();
            for (JsonNode e : s.path("events")) {
              events.add(new ReceivedEvent(e.path("timeUnixNano").asLong(), e.path("name").asText(),
                  attributes(e.path("attributes"))));
            }
            spans.add(new ReceivedSpan(hex(s.path("traceId")), hex(s.path("spanId")), hex(s.path("parentSpanId")),
                s.path("name").asText(), s.path("kind").asText(), s.path("startTimeUnixNano").asLong(),
                s.path("endTimeUnixNano").asLong(), s.path("status").path("code").asText("STATUS_CODE_UNSET"),
                attributes(s.path("attributes")), events, resource));
          }
        }
      }
    }
    return spans;
  }

  /** protobuf's JSON writes bytes as base64; OTLP's ids are shown in hex everywhere else. */
  private static String hex(JsonNode base64) {
    return base64.isMissingNode() || base64.asText().isEmpty() ? ""
        : HexFormat.of().formatHex(Base64.getDecoder().decode(base64.asText()));
  }

  private static Map<String, Object> attributes(JsonNode keyValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (JsonNode kv : keyValues) {
      map.put(kv.path("key").asText(), value(kv.path("value")));
    }
    return map;
  }

  private static Object value(JsonNode any) {
    if (any.has("stringValue")) {
      return any.get("stringValue").asText();
    }
    if (any.has("boolValue")) {
      return any.get("boolValue").asBoolean();
    }
    if (any.has("intValue")) {
      return any.get("intValue").asLong(); // int64 is a JSON string in protobuf's mapping
    }
    if (any.has("doubleValue")) {
      return any.get("doubleValue").asDouble();
    }
    if (any.has("arrayValue")) {
      List<Object> list = new ArrayList<>();
      for (JsonNode v : any.path("arrayValue").path("values")) {
        list.add(value(v));
      }
      return list;
    }
    return any.toString();
  }

}
