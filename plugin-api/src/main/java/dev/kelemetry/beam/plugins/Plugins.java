package dev.kelemetry.beam.plugins;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Finds the linkers and sources on the classpath with {@link ServiceLoader}: the project's built-ins and those of
 * any plugin jar put beside them. Names must be unique; a plugin that cannot be loaded is an error naming it.
 */
public final class Plugins {
  private Plugins() {}

  /** Every linker on the classpath but the disabled ones, in the order they run ({@link Linker#order()}, name). */
  public static List<Linker> linkers(Collection<String> disabled) {
    Map<String, Linker> all = byName(Linker.class, Linker::name);
    Set<String> unknown = new TreeSet<>(disabled);
    unknown.removeAll(all.keySet());
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("no linker named " + String.join(", ", unknown) + "; known linkers: "
          + String.join(", ", new TreeSet<>(all.keySet())));
    }
    List<Linker> enabled = new ArrayList<>();
    for (Linker l : all.values()) {
      if (!disabled.contains(l.name())) {
        enabled.add(l);
      }
    }
    enabled.sort(Comparator.comparingInt(Linker::order).thenComparing(Linker::name));
    return enabled;
  }

  /** Every source on the classpath, by name. */
  public static Map<String, RecordSource> sources() {
    return byName(RecordSource.class, RecordSource::name);
  }

  /** The source called {@code name}, or an error listing the known ones. */
  public static RecordSource source(String name) {
    Map<String, RecordSource> all = sources();
    RecordSource s = all.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no source named '" + name + "'; known sources: "
          + (all.isEmpty() ? "none (add a plugin jar to the classpath)" : String.join(", ", new TreeSet<>(all.keySet()))));
    }
    return s;
  }

  private static <T> Map<String, T> byName(Class<T> type, Function<T, String> nameOf) {
    Map<String, T> found = new LinkedHashMap<>();
    try {
      for (T plugin : ServiceLoader.load(type, classLoader())) {
        String name = nameOf.apply(plugin);
        T other = found.putIfAbsent(name, plugin);
        if (other != null && other.getClass() != plugin.getClass()) {
          throw new IllegalStateException("two " + type.getSimpleName() + "s are named '" + name + "': "
              + other.getClass().getName() + " and " + plugin.getClass().getName());
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new IllegalStateException("a plugin on the classpath cannot be loaded as a " + type.getSimpleName() + ": "
          + e.getMessage(), e);
    }
    return found;
  }

  private static ClassLoader classLoader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : Plugins.class.getClassLoader();
  }
}
