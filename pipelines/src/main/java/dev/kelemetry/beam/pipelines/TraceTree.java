package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A trace as indented text: the ownership tree of object spans with their request and Event counts, and the root
 * object's requests and Events (with the first lines of their diffs) in time order.
 */
public final class TraceTree {
  private TraceTree() {}

  public static String render(List<SpanRow> traceSpans, int maxRootRequests) {
    Map<String, List<SpanRow>> children = traceSpans.stream()
        .collect(Collectors.groupingBy(SpanRow::parentSpanId));
    StringBuilder out = new StringBuilder();
    traceSpans.stream().filter(s -> s.parentSpanId().isEmpty()).sorted(Comparator.comparing(SpanRow::name))
        .forEach(root -> renderObject(root, children, "", out, maxRootRequests));
    out.append("(the requests and Events of owned objects are in the span rows; each object above shows how many it has)\n");
    return out.toString();
  }

  private static String plural(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private static void renderObject(SpanRow object, Map<String, List<SpanRow>> children, String indent, StringBuilder out,
      int maxRequests) {
    List<SpanRow> below = new ArrayList<>(children.getOrDefault(object.spanId(), List.of()));
    List<SpanRow> requests = below.stream().filter(s -> !s.kind().equals(SpanRow.KIND_OBJECT))
        .sorted(Comparator.comparing(SpanRow::startTime)).toList();
    List<SpanRow> owned = below.stream().filter(s -> s.kind().equals(SpanRow.KIND_OBJECT))
        .sorted(Comparator.comparing(SpanRow::name)).toList();
    out.append(indent).append(object.name());
    if (object.attributes().containsKey("kelemetry.object.known_from")) {
      out.append("  (known from an ownerReference)");
    }
    long events = requests.stream().filter(s -> s.kind().equals(SpanRow.KIND_EVENT)).count();
    long audited = requests.stream().filter(s -> s.kind().equals(SpanRow.KIND_AUDIT)).count();
    out.append("  [").append(plural(audited, "request"));
    if (events > 0) {
      out.append(", ").append(plural(events, "event"));
    }
    if (requests.size() > audited + events) {
      out.append(", ").append(plural(requests.size() - audited - events, "watched version"));
    }
    out.append("]\n");
    for (SpanRow r : requests.subList(0, Math.min(maxRequests, requests.size()))) {
      out.append(indent).append("  · ").append(r.startTime(), 11, 23).append("  ")
          .append(r.kind().equals(SpanRow.KIND_EVENT) ? "Event " : "").append(r.name()).append('\n');
      for (SpanEvent e : r.events()) {
        if (e.name().equals(SpanEvent.DIFF)) {
          @SuppressWarnings("unchecked")
          List<String> lines = (List<String>) e.attributes().get("diff");
          for (String line : lines.subList(0, Math.min(3, lines.size()))) {
            out.append(indent).append("        ").append(line.length() > 100 ? line.substring(0, 100) + "..." : line).append('\n');
          }
          if (lines.size() > 3) {
            out.append(indent).append("        (").append(lines.size() - 3).append(" more changed fields)\n");
          }
        } else if (e.name().equals(SpanEvent.SNAPSHOT)) {
          out.append(indent).append("        (snapshot)\n");
        }
      }
    }
    if (requests.size() > maxRequests && maxRequests > 0) {
      out.append(indent).append("  · ... ").append(requests.size() - maxRequests).append(" more\n");
    }
    for (SpanRow child : owned) {
      renderObject(child, children, indent + "    ", out, 0);
    }
  }
}
