package dev.kelemetry.beam.pipelines.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The Jaeger query HTTP API over a {@link SpanSource}: the classic {@code /api/...} paths the Jaeger UI (up to v2.14)
 * and Grafana's Jaeger data source call, and the {@code /api/v3} service and operation lists newer UIs discover with.
 * Jaeger "services" are Kelemetry's display modes, "operations" are clusters (docs/serve.md).
 */
final class JaegerApi implements HttpHandler {
  /** Jaeger's own default when a search gives no limit. */
  static final int DEFAULT_LIMIT = 20;

  private final SpanSource source;

  JaegerApi(SpanSource source) {
    this.source = source;
  }

  /** A request the API refuses: its HTTP status and the message for the {@code errors} list. */
  static final class ApiError extends RuntimeException {
    final int status;

    ApiError(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      int status = 200;
      JsonNode body;
      try {
        if (!exchange.getRequestMethod().equals("GET")) {
          throw new ApiError(405, "only GET is served, not " + exchange.getRequestMethod());
        }
        body = route(exchange.getRequestURI().getRawPath(), queryParams(exchange.getRequestURI().getRawQuery()));
      } catch (ApiError e) {
        status = e.status;
        body = error(v3(exchange), e.status, e.getMessage());
      } catch (RuntimeException e) {
        // a bug or unreadable rows: the client still gets Jaeger's error shape, and the message says what broke
        status = 500;
        body = error(v3(exchange), 500, e.toString());
      }
      byte[] bytes = Rows.JSON.writeValueAsBytes(body);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private JsonNode route(String rawPath, Map<String, List<String>> params) {
    List<String> path = new ArrayList<>();
    for (String segment : rawPath.split("/")) {
      if (!segment.isEmpty()) {
        path.add(URLDecoder.decode(segment, StandardCharsets.UTF_8));
      }
    }
    if (path.size() < 2 || !path.get(0).equals("api")) {
      throw new ApiError(404, "no such path: " + rawPath + " (this service answers the Jaeger query API under /api)");
    }
    List<String> rest = path.subList(1, path.size());
    if (rest.equals(List.of("services"))) {
      return wrap(services());
    }
    if (rest.size() == 3 && rest.get(0).equals("services") && rest.get(2).equals("operations")) {
      mode(rest.get(1));
      return wrap(Rows.JSON.valueToTree(source.clusters()));
    }
    if (rest.equals(List.of("operations"))) {
      mode(required(params, "service"));
      return wrap(operations());
    }
    if (rest.equals(List.of("traces"))) {
      List<String> ids = params.getOrDefault("traceID", List.of());
      return wrap(ids.isEmpty() ? search(params) : traces(ids));
    }
    if (rest.size() == 2 && rest.get(0).equals("traces")) {
      return wrap(traces(List.of(rest.get(1))));
    }
    if (rest.equals(List.of("dependencies"))) {
      return wrap(dependencies(params));
    }
    if (rest.equals(List.of("v3", "services"))) {
      ObjectNode answer = Rows.JSON.createObjectNode();
      answer.set("services", services());
      return answer;
    }
    if (rest.equals(List.of("v3", "trace-summaries"))) {
      return traceSummaries(params);
    }
    if (rest.equals(List.of("v3", "operations"))) {
      mode(required(params, "service"));
      ObjectNode answer = Rows.JSON.createObjectNode();
      answer.set("operations", operations());
      return answer;
    }
    throw new ApiError(404, "no such path: " + rawPath);
  }

  private ArrayNode services() {
    ArrayNode names = Rows.JSON.createArrayNode();
    DisplayMode.all().forEach(m -> names.add(m.serviceName()));
    return names;
  }

  /** The clusters as operations, in the {@code {name, spanKind}} form the newer endpoints use. */
  private ArrayNode operations() {
    ArrayNode operations = Rows.JSON.createArrayNode();
    source.clusters().forEach(c -> operations.addObject().put("name", c).put("spanKind", ""));
    return operations;
  }

  /** The classic search: {@code service}, {@code operation}, {@code tags}/{@code tag}, times in epoch microseconds. */
  private ArrayNode search(Map<String, List<String>> params) {
    DisplayMode mode = mode(required(params, "service"));
    String cluster = first(params, "operation").filter(s -> !s.isEmpty()).orElse(null);
    long end = first(params, "end").filter(s -> !s.isEmpty()).map(s -> number(s, "end")).orElse(Long.MAX_VALUE);
    Optional<Long> lookback = first(params, "lookback").filter(s -> !s.isEmpty() && !s.equals("custom"))
        .map(JaegerApi::lookbackMicros);
    long start = first(params, "start").filter(s -> !s.isEmpty()).map(s -> number(s, "start"))
        .orElse(lookback.isPresent() && end != Long.MAX_VALUE ? end - lookback.get() : Long.MIN_VALUE);
    int limit = first(params, "limit").filter(s -> !s.isEmpty()).map(s -> (int) number(s, "limit"))
        .filter(n -> n > 0).orElse(DEFAULT_LIMIT);
    return search(mode, new ObjectQuery(cluster, tags(params), start, end), limit,
        durationParam(params, "minDuration"), durationParam(params, "maxDuration"));
  }

  /**
   * One merged trace per object found, at most {@code limit}; with a duration range, only the traces holding a span
   * that lasted that long (Jaeger's rule), which is a slow request in the modes that draw requests as spans.
   */
  private ArrayNode search(DisplayMode mode, ObjectQuery query, int limit, Optional<Long> minMicros,
      Optional<Long> maxMicros) {
    SpanStore found = source.objectSpans(query);
    List<TraceIds.Merged> merged = query.search(found, mode, limit);
    Map<String, ObjectKey> known = new HashMap<>();
    merged.forEach(m -> known.put(m.objectHash(), found.objectByHash(m.objectHash())));
    SpanStore traceRows = source.mergedTraces(merged, known);
    ArrayNode traces = Rows.JSON.createArrayNode();
    for (TraceIds.Merged m : merged) {
      TraceAssembler.merged(traceRows, TraceIds.encode(m), m)
          .filter(trace -> hasSpanLasting(trace, minMicros.orElse(0L), maxMicros.orElse(Long.MAX_VALUE)))
          .ifPresent(traces::add);
    }
    return traces;
  }

  private static boolean hasSpanLasting(JsonNode trace, long minMicros, long maxMicros) {
    for (JsonNode span : trace.get("spans")) {
      long duration = span.get("duration").asLong();
      if (duration >= minMicros && duration <= maxMicros) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code /api/v3/trace-summaries}, the search of the Jaeger UI from v2.19: the same search from the v3 parameters
   * ({@code query.serviceName}, {@code query.operationName}, {@code query.attributes} as a JSON map, RFC 3339 times,
   * Go durations), answered with one summary per trace. There is one page: a page token is refused, as Jaeger refuses
   * it from a backend that cannot paginate.
   */
  private ObjectNode traceSummaries(Map<String, List<String>> params) {
    DisplayMode mode = mode(required(params, "query.serviceName"));
    String cluster = first(params, "query.operationName").filter(s -> !s.isEmpty()).orElse(null);
    Map<String, String> tags = new LinkedHashMap<>();
    params.getOrDefault("query.attributes", List.of()).forEach(json -> tags.putAll(jsonTags(json, "query.attributes")));
    long start = first(params, "query.startTimeMin").filter(s -> !s.isEmpty()).map(s -> instantMicros(s, "query.startTimeMin"))
        .orElse(Long.MIN_VALUE);
    long end = first(params, "query.startTimeMax").filter(s -> !s.isEmpty()).map(s -> instantMicros(s, "query.startTimeMax"))
        .orElse(Long.MAX_VALUE);
    if (first(params, "query.pagination.pageToken").filter(s -> !s.isEmpty()).isPresent()) {
      throw new ApiError(400, "query.pagination.pageToken: this service answers a search in one page and made no token");
    }
    int limit = first(params, "query.pagination.pageSize").or(() -> first(params, "query.searchDepth"))
        .filter(s -> !s.isEmpty()).map(s -> (int) number(s, "query.searchDepth")).filter(n -> n > 0).orElse(DEFAULT_LIMIT);
    ArrayNode summaries = Rows.JSON.createArrayNode();
    for (JsonNode trace : search(mode, new ObjectQuery(cluster, tags, start, end), limit,
        durationParam(params, "query.durationMin"), durationParam(params, "query.durationMax"))) {
      summaries.add(summary(trace));
    }
    ObjectNode answer = Rows.JSON.createObjectNode();
    answer.set("summaries", summaries);
    answer.put("nextPageToken", "");
    return answer;
  }

  /** What the search list shows of a trace: its root, time span, and spans and errors per service. */
  private static ObjectNode summary(JsonNode trace) {
    JsonNode processes = trace.get("processes");
    Set<String> spanIds = new HashSet<>();
    trace.get("spans").forEach(span -> spanIds.add(span.get("spanID").asText()));
    Map<String, int[]> services = new TreeMap<>(); // name -> spans, errors
    JsonNode root = null;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    int errors = 0;
    int orphans = 0;
    for (JsonNode span : trace.get("spans")) {
      long start = span.get("startTime").asLong();
      first = Math.min(first, start);
      last = Math.max(last, start + span.get("duration").asLong());
      boolean error = false;
      for (JsonNode tag : span.get("tags")) {
        error |= tag.get("key").asText().equals("error") && tag.get("value").asBoolean();
      }
      errors += error ? 1 : 0;
      int[] counts = services.computeIfAbsent(processes.path(span.get("processID").asText()).path("serviceName").asText(),
          k -> new int[2]);
      counts[0]++;
      counts[1] += error ? 1 : 0;
      JsonNode parent = span.path("references").path(0).path("spanID");
      if (parent.isMissingNode()) {
        root = root == null || start < root.get("startTime").asLong() ? span : root;
      } else if (!spanIds.contains(parent.asText())) {
        orphans++;
      }
    }
    ObjectNode summary = Rows.JSON.createObjectNode();
    summary.put("traceId", trace.get("traceID").asText());
    summary.put("traceID", trace.get("traceID").asText()); // the UI's first hand-written schema spelt it so
    summary.put("rootServiceName", root == null ? "" : processes.path(root.get("processID").asText()).path("serviceName").asText());
    summary.put("rootOperationName", root == null ? "" : root.get("operationName").asText());
    // int64 as decimal text, as proto3 JSON writes it: JavaScript numbers cannot hold epoch nanoseconds exactly
    summary.put("minStartTimeUnixNano", Long.toString(first * 1000));
    summary.put("maxEndTimeUnixNano", Long.toString(last * 1000));
    summary.put("spanCount", spanIds.size());
    summary.put("errorSpanCount", errors);
    summary.put("orphanSpanCount", orphans);
    ArrayNode list = summary.putArray("services");
    services.forEach((name, counts) -> list.addObject().put("name", name).put("spanCount", counts[0])
        .put("errorSpanCount", counts[1]));
    return summary;
  }

  /** The traces of these ids that exist; 404 when none does, as Jaeger answers. */
  private ArrayNode traces(List<String> ids) {
    ArrayNode found = Rows.JSON.createArrayNode();
    for (String given : ids) {
      String id = TraceIds.normalize(given)
          .orElseThrow(() -> new ApiError(400, "a trace id is up to 32 hex digits, not '" + given + "'"));
      // an id this service made names its windows, so it is looked up first: a stored trace's id says nothing of its
      // time, and over BigQuery that read has no partition range. A stored id that decodes by chance finds no object.
      Optional<ObjectNode> trace = TraceIds.decode(id)
          .flatMap(merged -> TraceAssembler.merged(source.mergedTraces(List.of(merged), Map.of()), id, merged));
      if (trace.isEmpty()) {
        trace = TraceAssembler.stored(source.storedTrace(id), id);
      }
      trace.ifPresent(found::add);
    }
    if (found.isEmpty()) {
      throw new ApiError(404, "trace not found");
    }
    return found;
  }

  /**
   * The Jaeger UI's "System Architecture" graph as ownership: for each owner resource and owned resource (the
   * processes' service names), how many objects it owns, among the object spans in {@code endTs - lookback .. endTs}
   * (epoch milliseconds, as Jaeger takes them; without them, all).
   */
  private ArrayNode dependencies(Map<String, List<String>> params) {
    long endMicros = first(params, "endTs").filter(s -> !s.isEmpty()).map(s -> number(s, "endTs") * 1000)
        .orElse(Long.MAX_VALUE);
    long startMicros = first(params, "lookback").filter(s -> !s.isEmpty())
        .map(s -> endMicros - number(s, "lookback") * 1000).orElse(Long.MIN_VALUE);
    Map<List<String>, Set<ObjectKey>> owned = new TreeMap<>(
        Comparator.comparing((List<String> k) -> k.get(0)).thenComparing(k -> k.get(1)));
    SpanStore store = source.objectSpansBetween(startMicros, endMicros);
    store.objectSpans().forEach((key, spans) -> {
      for (SpanRow span : spans) {
        ObjectKey owner = span.parentSpanId().isEmpty() ? null : store.objectOfSpan(span.traceId(), span.parentSpanId());
        if (owner != null && SpanStore.micros(span.startTime()) <= endMicros
            && SpanStore.micros(span.endTime()) >= startMicros) {
          owned.computeIfAbsent(List.of(owner.resource(), key.resource()), k -> new HashSet<>()).add(key);
        }
      }
    });
    ArrayNode edges = Rows.JSON.createArrayNode();
    owned.forEach((edge, objects) -> edges.addObject().put("parent", edge.get(0)).put("child", edge.get(1))
        .put("callCount", objects.size()));
    return edges;
  }

  /**
   * The search tags: the {@code tags} parameter, a JSON object (what the Jaeger UI and Grafana send), and the older
   * repeated {@code tag=key:value}. Values are compared as strings.
   */
  private static Map<String, String> tags(Map<String, List<String>> params) {
    Map<String, String> tags = new LinkedHashMap<>();
    params.getOrDefault("tags", List.of()).forEach(json -> tags.putAll(jsonTags(json, "tags")));
    for (String tag : params.getOrDefault("tag", List.of())) {
      String[] kv = tag.split(":", 2);
      if (kv.length != 2) {
        throw new ApiError(400, "tag is key:value, not '" + tag + "'");
      }
      tags.put(kv[0], kv[1]);
    }
    return tags;
  }

  /** A JSON object of tags (what the UIs send), as strings; nothing for a blank parameter. */
  private static Map<String, String> jsonTags(String json, String parameter) {
    Map<String, String> tags = new LinkedHashMap<>();
    if (json.isBlank()) {
      return tags;
    }
    String form = parameter + " is a JSON object like {\"resource\":\"deployments\",\"name\":\"demo\"}";
    JsonNode node;
    try {
      node = Rows.JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new ApiError(400, form + ": " + e.getOriginalMessage());
    }
    if (!node.isObject()) {
      throw new ApiError(400, form + ", not " + json);
    }
    node.fields().forEachRemaining(f -> tags.put(f.getKey(), f.getValue().asText()));
    return tags;
  }

  private static final java.util.regex.Pattern GO_DURATION_PART =
      java.util.regex.Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

  /**
   * A duration parameter in Go's form, as the Jaeger UI sends it ({@code 1.5s}, {@code 300ms}, {@code 1h2m}), in
   * microseconds; empty when absent or blank.
   */
  static Optional<Long> durationParam(Map<String, List<String>> params, String name) {
    Optional<String> text = first(params, name).map(String::strip).filter(s -> !s.isEmpty());
    if (text.isEmpty()) {
      return Optional.empty();
    }
    java.util.regex.Matcher part = GO_DURATION_PART.matcher(text.get());
    double micros = 0;
    int at = 0;
    while (part.find() && part.start() == at) {
      double unit = switch (part.group(2)) {
        case "ns" -> 0.001;
        case "us", "µs" -> 1;
        case "ms" -> 1_000;
        case "s" -> 1_000_000;
        case "m" -> 60_000_000;
        default -> 3_600_000_000.0;
      };
      micros += Double.parseDouble(part.group(1)) * unit;
      at = part.end();
    }
    if (at == 0 || at != text.get().length()) {
      throw new ApiError(400, "parameter '" + name + "' is a duration like 1.5s, 300ms or 1h2m, not '" + text.get() + "'");
    }
    return Optional.of(Math.round(micros));
  }

  /** An RFC 3339 time (what the v3 API takes) in epoch microseconds. */
  private static long instantMicros(String text, String name) {
    try {
      return dev.kelemetry.beam.transforms.parse.RecordParser.micros(text.strip());
    } catch (java.time.DateTimeException | ArithmeticException e) {
      throw new ApiError(400, "parameter '" + name + "' is an RFC 3339 time like 2026-03-01T10:00:00Z, not '" + text + "'");
    }
  }

  private static DisplayMode mode(String service) {
    return DisplayMode.parse(service).orElseThrow(() -> new ApiError(400, "unknown service '" + service
        + "': the services are Kelemetry's display modes, "
        + DisplayMode.all().stream().map(DisplayMode::serviceName).collect(Collectors.joining(", "))));
  }

  private static String required(Map<String, List<String>> params, String name) {
    return first(params, name).filter(s -> !s.isEmpty())
        .orElseThrow(() -> new ApiError(400, "parameter '" + name + "' is required"));
  }

  private static Optional<String> first(Map<String, List<String>> params, String name) {
    return params.getOrDefault(name, List.of()).stream().findFirst();
  }

  private static long number(String text, String name) {
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new ApiError(400, "parameter '" + name + "' is a whole number, not '" + text + "'");
    }
  }

  /** Jaeger's lookback values: {@code 1h}, {@code 2d}, {@code 30m}, ... */
  static long lookbackMicros(String text) {
    long unit = switch (text.isEmpty() ? ' ' : text.charAt(text.length() - 1)) {
      case 's' -> 1_000_000L;
      case 'm' -> 60_000_000L;
      case 'h' -> 3_600_000_000L;
      case 'd' -> 86_400_000_000L;
      default -> throw new ApiError(400, "lookback is like 1h or 2d, not '" + text + "'");
    };
    return number(text.substring(0, text.length() - 1), "lookback") * unit;
  }

  /**
   * The query string's parameters, each possibly repeated ({@code traceID=a&traceID=b}); a bare key without {@code =}
   * (the Jaeger UI sends {@code &minDuration&maxDuration}) has the empty value.
   */
  static Map<String, List<String>> queryParams(String rawQuery) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    if (rawQuery == null) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    return params;
  }

  /** Jaeger's envelope around every answer of the classic API. */
  private static ObjectNode wrap(JsonNode data) {
    ObjectNode answer = Rows.JSON.createObjectNode();
    answer.set("data", data);
    answer.put("total", data.size());
    answer.put("limit", 0);
    answer.put("offset", 0);
    answer.putNull("errors");
    return answer;
  }

  private static boolean v3(HttpExchange exchange) {
    return exchange.getRequestURI().getRawPath().startsWith("/api/v3/");
  }

  /** Jaeger's error shape: the classic API's wrapper, or the v3 gateway's {@code {"error": {...}}}. */
  private static ObjectNode error(boolean v3, int status, String message) {
    ObjectNode answer = Rows.JSON.createObjectNode();
    if (v3) {
      int grpcCode = switch (status) {
        case 400 -> 3; // INVALID_ARGUMENT
        case 404 -> 5; // NOT_FOUND
        case 405 -> 12; // UNIMPLEMENTED
        default -> 13; // INTERNAL
      };
      answer.putObject("error").put("grpcCode", grpcCode).put("httpCode", status).put("message", message)
          .put("httpStatus", status == 400 ? "Bad Request" : status == 404 ? "Not Found" : "Internal Server Error");
      return answer;
    }
    answer.putNull("data");
    answer.put("total", 0);
    answer.put("limit", 0);
    answer.put("offset", 0);
    answer.putArray("errors").addObject().put("code", status).put("msg", message);
    return answer;
  }
}
