package dev.kelemetry.beam.pipelines;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a run takes from the plugin API: the custom sources to read besides the files ({@code --source}), the options
 * handed to them ({@code --source-option KEY=VALUE}), and the linkers switched off ({@code --disable-linker}).
 */
public record PluginConfig(List<String> sources, Map<String, String> sourceOptions, List<String> disabledLinkers) {
  public static final PluginConfig NONE = new PluginConfig(List.of(), Map.of(), List.of());

  public PluginConfig {
    sources = List.copyOf(sources);
    sourceOptions = new TreeMap<>(sourceOptions);
    disabledLinkers = List.copyOf(disabledLinkers);
  }
}
