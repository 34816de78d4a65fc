package com.example.kelemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.plugins.Linker;
import dev.kelemetry.beam.plugins.ObjectLink;
import java.util.ArrayList;
import java.util.List;

/**
 * Relates a Pod to the ConfigMaps it reads (volumes, projected volumes, envFrom, env valueFrom), so "which Pods were
 * running with this ConfigMap" is one tag search ({@code kelemetry.link.pod-configmaps}). A related link: the Pod
 * stays under its ReplicaSet.
 */
public final class PodConfigMapLinker implements Linker {
  @Override
  public String name() {
    return "pod-configmaps";
  }

  @Override
  public List<ObjectLink> links(String cluster, JsonNode object) {
    if (!"Pod".equals(object.path("kind").asText())) {
      return List.of();
    }
    String namespace = object.path("metadata").path("namespace").asText("");
    List<String> names = new ArrayList<>();
    JsonNode spec = object.path("spec");
    for (JsonNode volume : spec.path("volumes")) {
      names.add(volume.path("configMap").path("name").asText(""));
      for (JsonNode source : volume.path("projected").path("sources")) {
        names.add(source.path("configMap").path("name").asText(""));
      }
    }
    for (String containers : List.of("initContainers", "containers")) {
      for (JsonNode container : spec.path(containers)) {
        for (JsonNode from : container.path("envFrom")) {
          names.add(from.path("configMapRef").path("name").asText(""));
        }
        for (JsonNode env : container.path("env")) {
          names.add(env.path("valueFrom").path("configMapKeyRef").path("name").asText(""));
        }
      }
    }
    return names.stream().filter(n -> !n.isEmpty()).distinct()
        .map(n -> ObjectLink.related("", "v1", "ConfigMap", "configmaps", namespace, n, ""))
        .toList();
  }
}
