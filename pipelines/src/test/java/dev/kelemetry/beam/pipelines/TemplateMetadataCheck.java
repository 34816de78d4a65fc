package dev.kelemetry.beam.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.schemas.Rows;
import java.beans.Introspector;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Validation;

/**
 * Checks a Flex Template metadata file against a Beam options interface: the metadata is what the Dataflow console
 * and {@code gcloud dataflow flex-template run} validate parameters with, the interface is what the job parses, and
 * nothing else keeps the two in step.
 *
 * <ul>
 *   <li>every parameter in the metadata is an option of the interface, its own or an inherited Dataflow one;
 *   <li>every option the interface declares itself is in the metadata;
 *   <li>{@code isOptional} is the opposite of {@code @Validation.Required};
 *   <li>each parameter has a label and help text, its regexes compile, and an option's {@code @Default} matches them
 *       and is the one the help text names ("Default: 30m").
 * </ul>
 */
final class TemplateMetadataCheck {
  private TemplateMetadataCheck() {}

  /** What is wrong, one line each; empty when the two agree. */
  static List<String> problems(String metadataJson, Class<?> options) {
    List<String> problems = new ArrayList<>();
    Map<String, Method> all = getters(options.getMethods());
    Map<String, Method> declared = getters(options.getDeclaredMethods());
    JsonNode parameters = Rows.fromJson(metadataJson, JsonNode.class).path("parameters");
    Map<String, JsonNode> inMetadata = new LinkedHashMap<>();
    for (JsonNode p : parameters) {
      String name = p.path("name").asText();
      if (inMetadata.put(name, p) != null) {
        problems.add(name + ": declared twice in the metadata");
      }
      Method getter = all.get(name);
      if (getter == null) {
        problems.add(name + ": in the metadata but not an option of " + options.getSimpleName()
            + " (the job would refuse it)");
        continue;
      }
      boolean required = getter.isAnnotationPresent(Validation.Required.class);
      if (!p.has("isOptional") || p.path("isOptional").asBoolean() == required) {
        problems.add(name + ": isOptional is " + p.path("isOptional") + " but the option is "
            + (required ? "@Validation.Required" : "optional"));
      }
      if (p.path("label").asText().isBlank() || p.path("helpText").asText().isBlank()) {
        problems.add(name + ": needs a label and a helpText");
      }
      checkRegexesAndDefault(name, p, getter, problems);
    }
    for (String name : declared.keySet()) {
      if (!inMetadata.containsKey(name)) {
        problems.add(name + ": an option of " + options.getSimpleName() + " the metadata does not declare"
            + " (the launcher would refuse it)");
      }
    }
    return problems;
  }

  private static void checkRegexesAndDefault(String name, JsonNode p, Method getter, List<String> problems) {
    List<Pattern> regexes = new ArrayList<>();
    for (JsonNode r : p.path("regexes")) {
      try {
        regexes.add(Pattern.compile(r.asText()));
      } catch (PatternSyntaxException e) {
        problems.add(name + ": regex does not compile: " + e.getDescription());
      }
    }
    String defaultValue = defaultOf(getter);
    if (defaultValue == null) {
      return;
    }
    for (Pattern regex : regexes) {
      if (!regex.matcher(defaultValue).matches()) {
        problems.add(name + ": its default '" + defaultValue + "' does not match " + regex);
      }
    }
    if (!p.path("helpText").asText().contains("Default: " + defaultValue)) {
      problems.add(name + ": helpText does not say 'Default: " + defaultValue + "'");
    }
  }

  private static String defaultOf(Method getter) {
    if (getter.getAnnotation(Default.String.class) != null) {
      return getter.getAnnotation(Default.String.class).value();
    }
    if (getter.getAnnotation(Default.Integer.class) != null) {
      return String.valueOf(getter.getAnnotation(Default.Integer.class).value());
    }
    if (getter.getAnnotation(Default.Boolean.class) != null) {
      return String.valueOf(getter.getAnnotation(Default.Boolean.class).value());
    }
    return null;
  }

  /** Property name to getter, as Beam names options: getFooBar / isFooBar is fooBar. */
  private static Map<String, Method> getters(Method[] methods) {
    Map<String, Method> out = new LinkedHashMap<>();
    for (Method m : methods) {
      if (m.getParameterCount() != 0 || m.isDefault() || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      String n = m.getName();
      String property = n.startsWith("get") && n.length() > 3 ? n.substring(3)
          : n.startsWith("is") && n.length() > 2 ? n.substring(2) : null;
      if (property != null) {
        out.putIfAbsent(Introspector.decapitalize(property), m);
      }
    }
    return out;
  }
}
