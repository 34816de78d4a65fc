package dev.kelemetry.beam.plugins;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.List;

/**
 * A rule that derives links from an object's state: which object is its parent in the trace tree, and which other
 * objects it relates to. The built-in rules are linkers too ({@code owner-references}, {@code parent-link-annotation},
 * {@code pod-node}); a plugin adds its own by listing its class in
 * {@code META-INF/services/dev.kelemetry.beam.plugins.Linker} of its jar.
 *
 * <p>Every enabled linker sees every new state of every object (from an audited write's body, a watch or a dump),
 * on the workers, so it must be cheap, must not block, and must be serializable (it travels inside the pipeline).
 * Linkers run in {@link #order()}, then by name; the first {@link ObjectLink.Role#PARENT} link wins and any later
 * parent links are kept as related links.
 */
public interface Linker extends Serializable {
  /** The name on the command line ({@code --disable-linker NAME}) and in span attributes; lower case and dashes. */
  String name();

  /**
   * The links of {@code object}, in cluster {@code cluster}; an empty list when there are none. Throwing is a bug of
   * the linker: the record becomes a dead letter with the message.
   *
   * @param object the object as the API server stored it (with metadata, spec and status; secrets redacted)
   */
  List<ObjectLink> links(String cluster, JsonNode object);

  /** Where this linker runs among the others: lower first. The built-ins use 0 to 20; plugins default to 100. */
  default int order() {
    return 100;
  }
}
