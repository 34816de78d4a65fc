package dev.kelemetry.beam.transforms.track;

import java.util.regex.Pattern;

/** Kelemetry's path spelling: {@code spec.template.spec.containers[0].image}, {@code metadata.labels["app.kubernetes.io/name"]}. */
final class JsonPaths {
  private JsonPaths() {}

  private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");

  static String key(String parent, String key) {
    if (BARE_KEY.matcher(key).matches()) {
      return parent.isEmpty() ? key : parent + "." + key;
    }
    return parent + "[\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
  }

  static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }
}
