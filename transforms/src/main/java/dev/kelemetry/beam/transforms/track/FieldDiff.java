package dev.kelemetry.beam.transforms.track;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * The field diff of two states of one object, one line per changed leaf in Kelemetry's text form
 * {@code <jsonPath> <old JSON> -> <new JSON>} (e.g. {@code status.observedGeneration 1 -> 2}). A field that exists on
 * one side only shows {@code null} on the other, and a subtree that appears or disappears whole is one line. Maps are
 * compared key by key (sorted), lists index by index.
 *
 * <p>{@code metadata.managedFields} is never compared; {@code metadata.resourceVersion} and {@code metadata.generation}
 * change on every write and go to the verbose lines. Redacted values produce {@code <path> changed}, never a value.
 */
public final class FieldDiff {
  /** A diff longer than this is cut, with a last line saying how many lines were left out. */
  public static final int MAX_LINES = 200;

  public record Result(List<String> lines, List<String> verboseLines) {
    public boolean isEmpty() {
      return lines.isEmpty() && verboseLines.isEmpty();
    }
  }

  private FieldDiff() {}

  public static Result between(JsonNode before, JsonNode after) {
    List<String> lines = new ArrayList<>();
    List<String> verbose = new ArrayList<>();
    walk("", before, after, lines, verbose);
    return new Result(cut(lines), cut(verbose));
  }

  private static void walk(String path, JsonNode a, JsonNode b, List<String> lines, List<String> verbose) {
    if (path.equals("metadata.managedFields")) {
      return;
    }
    if (a == null || a.isMissingNode()) {
      a = null;
    }
    if (b == null || b.isMissingNode()) {
      b = null;
    }
    if (a != null && b != null && a.equals(b)) {
      return;
    }
    if (a != null && b != null && a.isObject() && b.isObject()) {
      TreeSet<String> keys = new TreeSet<>();
      a.fieldNames().forEachRemaining(keys::add);
      b.fieldNames().forEachRemaining(keys::add);
      for (String key : keys) {
        walk(JsonPaths.key(path, key), a.get(key), b.get(key), lines, verbose);
      }
      return;
    }
    if (a != null && b != null && a.isArray() && b.isArray()) {
      int n = Math.max(a.size(), b.size());
      for (int i = 0; i < n; i++) {
        walk(JsonPaths.index(path, i), a.get(i), b.get(i), lines, verbose);
      }
      return;
    }
    List<String> target = path.equals("metadata.resourceVersion") || path.equals("metadata.generation") ? verbose : lines;
    if (containsMarker(a) || containsMarker(b)) {
      target.add(path + (a == null ? " added" : b == null ? " removed" : " changed"));
      return;
    }
    target.add(path + " " + render(a) + " -> " + render(b));
  }

  private static boolean containsMarker(JsonNode node) {
    if (node == null) {
      return false;
    }
    if (Redactor.isMarker(node)) {
      return true;
    }
    for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
      if (containsMarker(it.next())) {
        return true;
      }
    }
    return false;
  }

  private static String render(JsonNode node) {
    return node == null ? "null" : node.toString();
  }

  private static List<String> cut(List<String> lines) {
    if (lines.size() <= MAX_LINES) {
      return lines;
    }
    List<String> kept = new ArrayList<>(lines.subList(0, MAX_LINES));
    kept.add("... " + (lines.size() - MAX_LINES) + " more changed fields");
    return kept;
  }
}
