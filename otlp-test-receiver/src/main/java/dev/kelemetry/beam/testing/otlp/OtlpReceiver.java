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
import java.util.concurrent.Future;

/**
 * An OTLP trace and metric receiver for integration tests: gRPC and HTTP/protobuf endpoints on loopback, served by a
 * child JVM ({@link ReceiverMain}) that decodes requests with the official opentelemetry-proto classes. The rule reads
 * back every span and metric point it accepted, and can make it refuse requests of either signal (gRPC UNAVAILABLE,
 * HTTP 503) until told otherwise.
 *
 * <pre>{@code
 * @ClassRule public static final OtlpReceiver OTLP = new OtlpReceiver();
 * ... --otlp-endpoint OTLP.grpcEndpoint() ... OTLP.spans() ... OTLP.metricPoints() ...
 * }</pre>
 */
public final class OtlpReceiver extends ChildJvmServer {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** One span as received, ids in hex, attribute values as OTLP's AnyValue turned into Java values. */
  public record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, String kind,
      long startNanos, long endNanos, String status, Map<String, Object> attributes, List<ReceivedEvent> events,
      Map<String, Object> resource) {}

  public record ReceivedEvent(long timeNanos, String name, Map<String, Object> attributes) {}

  /**
   * One data point of one metric as received. {@code type} is OTLP's data field ({@code sum}, {@code gauge},
   * {@code summary}, {@code histogram}, ...); {@code temporality} and {@code monotonic} are a sum's (empty and false
   * otherwise); {@code value} a sum's or gauge's number; {@code count}, {@code sum} and {@code quantiles} (quantile to
   * value, in the order received) a summary's.
   */
  public record ReceivedMetricPoint(String name, String description, String unit, String type, String temporality,
      boolean monotonic, long startNanos, long timeNanos, Map<String, Object> attributes, Number value, long count,
      double sum, Map<Double, Double> quantiles, Map<String, Object> resource) {}

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
    Files.deleteIfExists(directory().resolve("metrics.jsonl"));
    Files.deleteIfExists(directory().resolve("refused.log"));
    refuse(false);
  }

  /** Requests of either signal refused so far. */
  public long refusedRequests() throws IOException {
    return lines("refused.log").size();
  }

  /**
   * Waits until at least {@code count} requests were refused, {@code run} ended, or {@code timeout} passed, so a test
   * can let a receiver come back once the run has really been refused; returns how many were refused.
   */
  public long awaitRefused(long count, Future<?> run, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (refusedRequests() < count && System.nanoTime() < deadline && !run.isDone()) {
      Thread.sleep(50);
    }
    return refusedRequests();
  }

  /** Trace requests accepted so far. */
  public long acceptedRequests() throws IOException {
    return lines("received.jsonl").size();
  }

  public long acceptedMetricRequests() throws IOException {
    return lines("metrics.jsonl").size();
  }

  private List<String> lines(String file) throws IOException {
    Path log = directory().resolve(file);
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  /** Every span of every accepted request, in arrival order. */
  public List<ReceivedSpan> spans() throws IOException {
    List<ReceivedSpan> spans = new ArrayList<>();
    for (String line : lines("received.jsonl")) {
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

  /** Every point of every metric of every accepted metrics request, in arrival order. */
  public List<ReceivedMetricPoint> metricPoints() throws IOException {
    List<ReceivedMetricPoint> points = new ArrayList<>();
    for (String line : lines("metrics.jsonl")) {
      for (JsonNode rm : JSON.readTree(line).path("resourceMetrics")) {
        Map<String, Object> resource = attributes(rm.path("resource").path("attributes"));
        for (JsonNode sm : rm.path("scopeMetrics")) {
          for (JsonNode m : sm.path("metrics")) {
            for (String type : List.of("sum", "gauge", "summary", "histogram", "exponentialHistogram")) {
              JsonNode data = m.path(type);
              for (JsonNode p : data.path("dataPoints")) {
                // protobuf's JSON leaves out fields at their default (a 0 count, quantile 0.0, isMonotonic false)
                Map<Double, Double> quantiles = new LinkedHashMap<>();
                for (JsonNode q : p.path("quantileValues")) {
                  quantiles.put(q.path("quantile").asDouble(), q.path("value").asDouble());
                }
                Number value = p.has("asInt") ? (Number) p.get("asInt").asLong()
                    : p.has("asDouble") ? (Number) p.get("asDouble").asDouble() : null;
                points.add(new ReceivedMetricPoint(m.path("name").asText(), m.path("description").asText(),
                    m.path("unit").asText(), type, data.path("aggregationTemporality").asText(""),
                    data.path("isMonotonic").asBoolean(false), p.path("startTimeUnixNano").asLong(),
                    p.path("timeUnixNano").asLong(), attributes(p.path("attributes")), value,
                    p.path("count").asLong(), p.path("sum").asDouble(), quantiles, resource));
              }
            }
          }
        }
      }
    }
    return points;
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
