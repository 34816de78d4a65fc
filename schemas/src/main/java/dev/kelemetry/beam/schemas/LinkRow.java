package dev.kelemetry.beam.schemas;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.Serializable;

/**
 * One link between two objects in one trace window, as the linkers found it from the object's states: the edges of
 * the owner trees ({@code parent}) and the searchable links beside them ({@code related}), with when the window's
 * records first and last showed it. The fields of the {@code links} table.
 */
@JsonPropertyOrder({"window_start", "cluster", "api_group", "resource", "namespace", "object_name", "uid", "role", "linker",
    "target", "target_cluster", "target_uid", "first_seen", "last_seen"})
public record LinkRow(
    @JsonProperty("window_start") String windowStart,
    @JsonProperty("cluster") String cluster,
    @JsonProperty("api_group") String apiGroup,
    @JsonProperty("resource") String resource,
    @JsonProperty("namespace") String namespace,
    @JsonProperty("object_name") String objectName,
    @JsonProperty("uid") String uid,
    @JsonProperty("role") String role,
    @JsonProperty("linker") String linker,
    @JsonProperty("target") String target,
    @JsonProperty("target_cluster") String targetCluster,
    @JsonProperty("target_uid") String targetUid,
    @JsonProperty("first_seen") String firstSeen,
    @JsonProperty("last_seen") String lastSeen)
    implements Serializable {

  public static final String PARENT = "parent";
  public static final String RELATED = "related";

  /** The same link seen over a longer stretch of the window. */
  public LinkRow seenAlso(LinkRow other) {
    String first = firstSeen.compareTo(other.firstSeen) <= 0 ? firstSeen : other.firstSeen;
    String last = lastSeen.compareTo(other.lastSeen) >= 0 ? lastSeen : other.lastSeen;
    return new LinkRow(windowStart, cluster, apiGroup, resource, namespace, objectName, uid, role, linker, target,
        targetCluster, targetUid, first, last);
  }
}
