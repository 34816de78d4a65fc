package dev.kelemetry.beam.transforms.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kelemetry.beam.transforms.metrics.MetricDefinition.Measure;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The metrics a run computes, read from a YAML file (or the default set shipped as {@code metrics/default.yaml}):
 * request metrics, and whether the reaction-time metrics derived from the traces are on. Every mistake in the file is
 * an {@link IllegalArgumentException} naming the metric and the known choices, so a typo fails before the run.
 */
public record MetricDefinitions(List<MetricDefinition> requests, boolean reactions) implements Serializable {

  public static final String DEFAULT_RESOURCE = "/metrics/default.yaml";
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*");
  private static final Set<String> TOP_KEYS = Set.of("metrics", "reactions");
  private static final Set<String> METRIC_KEYS =
      Set.of("name", "description", "dimensions", "filter", "exclude", "measures", "default_timeout_seconds");

  public static MetricDefinitions none() {
    return new MetricDefinitions(List.of(), false);
  }

  /** The set shipped with the product. */
  public static MetricDefinitions defaults() {
    try (InputStream in = MetricDefinitions.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), "the default metrics");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static MetricDefinitions read(Path file) {
    try {
      return parse(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the metrics file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses a definitions file; {@code where} names it in errors. */
  public static MetricDefinitions parse(String yaml, String where) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(where + " is not valid YAML: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(where + ": expected a mapping with a 'metrics' list");
    }
    unknownKeys(root, TOP_KEYS, where);
    List<MetricDefinition> metrics = new ArrayList<>();
    Set<String> names = new HashSet<>();
    JsonNode list = root.path("metrics");
    if (!list.isMissingNode() && !list.isArray()) {
      throw new IllegalArgumentException(where + ": 'metrics' must be a list");
    }
    int i = 0;
    for (JsonNode m : list) {
      i++;
      MetricDefinition d = metric(m, where + ", metric " + i);
      if (!names.add(d.name())) {
        throw new IllegalArgumentException(where + ": two metrics are named " + d.name());
      }
      metrics.add(d);
    }
    JsonNode reactions = root.path("reactions");
    if (!reactions.isMissingNode() && !reactions.isBoolean()) {
      throw new IllegalArgumentException(where + ": 'reactions' must be true or false");
    }
    return new MetricDefinitions(List.copyOf(metrics), reactions.asBoolean(true));
  }

  public boolean isEmpty() {
    return requests.isEmpty() && !reactions;
  }

  private static MetricDefinition metric(JsonNode m, String position) {
    if (!m.isObject()) {
      throw new IllegalArgumentException(position + ": expected a mapping with name and dimensions");
    }
    String name = m.path("name").asText("");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(position + ": name '" + name
          + "' must be lower case letters, digits and _ (dots between parts)");
    }
    String where = position + " (" + name + ")";
    if (name.startsWith("reaction.")) {
      throw new IllegalArgumentException(where + ": names starting with 'reaction.' are the reaction-time metrics'");
    }
    unknownKeys(m, METRIC_KEYS, where);
    List<String> dimensions = new ArrayList<>(strings(m.path("dimensions"), where + " dimensions"));
    for (String d : dimensions) {
      knownDimension(d, where);
    }
    if (new HashSet<>(dimensions).size() != dimensions.size()) {
      throw new IllegalArgumentException(where + ": a dimension is listed twice in " + dimensions);
    }
    Set<Measure> measures = EnumSet.noneOf(Measure.class);
    for (String s : strings(m.path("measures"), where + " measures")) {
      if (s.equals("count") || s.equals("errors")) {
        continue; // every metric has them; listing them is harmless
      }
      measures.add(Arrays.stream(Measure.values()).filter(x -> x.configName().equals(s)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException(where + ": unknown measure '" + s
              + "'; known: count, errors, " + Arrays.stream(Measure.values()).map(Measure::configName)
              .collect(Collectors.joining(", ")))));
    }
    double timeout = m.path("default_timeout_seconds").asDouble(60);
    if (timeout <= 0) {
      throw new IllegalArgumentException(where + ": default_timeout_seconds must be positive");
    }
    return new MetricDefinition(name, List.copyOf(dimensions), valueSets(m.path("filter"), where + " filter"),
        valueSets(m.path("exclude"), where + " exclude"), measures, timeout);
  }

  private static Map<String, Set<String>> valueSets(JsonNode node, String where) {
    Map<String, Set<String>> sets = new LinkedHashMap<>();
    if (node.isMissingNode() || node.isNull()) {
      return sets;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + ": expected a mapping of dimension to value or list of values");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      knownDimension(e.getKey(), where);
      JsonNode v = e.getValue();
      sets.put(e.getKey(), Set.copyOf(v.isArray() ? strings(v, where) : List.of(v.asText())));
    }
    return sets;
  }

  private static List<String> strings(JsonNode node, String where) {
    List<String> out = new ArrayList<>();
    if (node.isMissingNode() || node.isNull()) {
      return out;
    }
    if (!node.isArray()) {
      throw new IllegalArgumentException(where + ": expected a list");
    }
    node.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static void knownDimension(String d, String where) {
    if (!RequestDimensions.NAMES.contains(d)) {
      throw new IllegalArgumentException(where + ": unknown dimension '" + d + "'; known: "
          + String.join(", ", RequestDimensions.NAMES));
    }
  }

  private static void unknownKeys(JsonNode node, Set<String> known, String where) {
    Set<String> unknown = new LinkedHashSet<>();
    node.fieldNames().forEachRemaining(unknown::add);
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(where + ": unknown key(s) " + unknown + "; known: " + new TreeSet<>(known));
    }
  }
}
