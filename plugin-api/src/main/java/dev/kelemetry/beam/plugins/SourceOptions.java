package dev.kelemetry.beam.plugins;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code --source-option KEY=VALUE} pairs given to one {@link RecordSource}. A source reads what it needs; an
 * option no source read is an error after {@link RecordSource#read}, so a typo does not pass unnoticed.
 */
public final class SourceOptions {
  private final String source;
  private final Map<String, String> values;
  private final Set<String> read = new TreeSet<>();

  public SourceOptions(String source, Map<String, String> values) {
    this.source = source;
    this.values = new TreeMap<>(values);
  }

  /** A required option; a clear error names the source and the option when it is missing or blank. */
  public String required(String key) {
    read.add(key);
    String v = values.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("source '" + source + "' needs --source-option " + key + "=...");
    }
    return v;
  }

  public String get(String key, String defaultValue) {
    read.add(key);
    return values.getOrDefault(key, defaultValue);
  }

  /** The options given but never read, for the error about unknown options. */
  public Set<String> unread() {
    Set<String> left = new TreeSet<>(values.keySet());
    left.removeAll(read);
    return left;
  }

  public String source() {
    return source;
  }
}
