package dev.kelemetry.beam.transforms.links;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kelemetry.beam.plugins.Linker;
import dev.kelemetry.beam.plugins.ObjectLink;
import java.io.IOException;
import java.util.List;

/**
 * Kelemetry's annotation {@code kelemetry.kubewharf.io/parent-link}: JSON
 * {@code {"cluster":..., "group":..., "version":..., "resource":..., "namespace":..., "name":..., "uid":...}} names a
 * parent anywhere, in another cluster too (a federation controller's object above the objects it creates in member
 * clusters). The cluster defaults to the object's own. An annotation that is not such JSON, or lacks the parent's
 * resource, name or uid, links nothing: the object keeps its other links, and its writes are traced as usual.
 */
public final class ParentLinkAnnotationLinker implements Linker {
  public static final String ANNOTATION = "kelemetry.kubewharf.io/parent-link";
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  @Override
  public String name() {
    return "parent-link-annotation";
  }

  @Override
  public int order() {
    return 10;
  }

  @Override
  public List<ObjectLink> links(String cluster, JsonNode object) {
    JsonNode annotation = object.path("metadata").path("annotations").path(ANNOTATION);
    if (!annotation.isTextual()) {
      return List.of();
    }
    JsonNode parent;
    try {
      parent = JSON.readTree(annotation.asText());
    } catch (IOException e) {
      return List.of();
    }
    String uid = parent.path("uid").asText("");
    String resource = parent.path("resource").asText("");
    String name = parent.path("name").asText("");
    if (uid.isEmpty() || resource.isEmpty() || name.isEmpty()) {
      return List.of();
    }
    return List.of(ObjectLink.parent(parent.path("group").asText(""), parent.path("version").asText(""),
            parent.path("kind").asText(""), resource, parent.path("namespace").asText(""), name, uid)
        .inCluster(parent.path("cluster").asText("")));
  }
}
