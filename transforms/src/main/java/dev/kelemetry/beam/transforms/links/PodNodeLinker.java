package dev.kelemetry.beam.transforms.links;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.plugins.Linker;
import dev.kelemetry.beam.plugins.ObjectLink;
import java.util.List;

/**
 * The Node a Pod is bound to ({@code spec.nodeName}), as a related link: a Pod stays in its ReplicaSet's trace, and
 * its object span carries {@code kelemetry.link.pod-node = nodes/<node>}, so "every Pod on node-3" is one tag search.
 */
public final class PodNodeLinker implements Linker {
  @Override
  public String name() {
    return "pod-node";
  }

  @Override
  public int order() {
    return 20;
  }

  @Override
  public List<ObjectLink> links(String cluster, JsonNode object) {
    String node = object.path("spec").path("nodeName").asText("");
    if (!"Pod".equals(object.path("kind").asText("")) || node.isEmpty()) {
      return List.of();
    }
    return List.of(ObjectLink.related("", "v1", "Node", "nodes", "", node, ""));
  }
}
