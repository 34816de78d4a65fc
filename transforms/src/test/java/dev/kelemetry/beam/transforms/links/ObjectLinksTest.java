package dev.kelemetry.beam.transforms.links;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.plugins.Linker;
import dev.kelemetry.beam.plugins.ObjectLink;
import dev.kelemetry.beam.transforms.owners.OwnerRef;
import java.util.List;
import org.junit.Test;

/** The built-in linkers, found on the classpath the way plugins are, and how their links combine. */
public class ObjectLinksTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final ObjectLinks ALL = ObjectLinks.discovered(List.of());

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private static JsonNode withAnnotation(String object, String link) {
    ObjectNode o = (ObjectNode) json(object);
    ((ObjectNode) o.get("metadata")).putObject("annotations").put(ParentLinkAnnotationLinker.ANNOTATION, link);
    return o;
  }

  private static JsonNode withAnnotation(String link) {
    return withAnnotation("{'kind':'Pod','metadata':{'name':'p','namespace':'ns'}}", link);
  }

  private static OwnerRef parentOf(JsonNode object) {
    return ALL.of("c1", object).parent();
  }

  @Test
  public void theBuiltInsAreFoundOnTheClasspathInTheirOrder() {
    assertThat(ALL.names(), contains("owner-references", "parent-link-annotation", "pod-node"));
    assertThat(ObjectLinks.discovered(List.of("pod-node")).names(), contains("owner-references", "parent-link-annotation"));
  }

  @Test
  public void disablingAnUnknownLinkerIsAnErrorNamingTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ObjectLinks.discovered(List.of("pod-nodes")));
    assertThat(e.getMessage(), containsString("no linker named pod-nodes"));
    assertThat(e.getMessage(), containsString("owner-references, parent-link-annotation, pod-node"));
  }

  @Test
  public void controllerOwnerReferenceIsTheParentInTheChildsNamespace() {
    JsonNode pod = json("{'kind':'Pod','metadata':{'name':'web-1','namespace':'prod','ownerReferences':["
        + "{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'web-6d4f','uid':'rs-uid','controller':true}]}}");
    assertThat(parentOf(pod), equalTo(new OwnerRef("rs-uid", "apps", "apps/v1", "ReplicaSet", "replicasets", "prod",
        "web-6d4f", "", "owner-references")));
  }

  @Test
  public void nonControllerOwnerReferencesAreSkipped() {
    JsonNode pod = json("{'metadata':{'namespace':'ns','ownerReferences':["
        + "{'apiVersion':'v1','kind':'ConfigMap','name':'cm','uid':'cm-uid'},"
        + "{'apiVersion':'apps/v1','kind':'StatefulSet','name':'db','uid':'ss-uid','controller':false},"
        + "{'apiVersion':'batch/v1','kind':'Job','name':'j','uid':'job-uid','controller':true}]}}");
    OwnerRef owner = parentOf(pod);
    assertThat(owner.uid(), equalTo("job-uid"));
    assertThat(owner.apiGroup(), equalTo("batch"));
    assertThat(owner.apiVersion(), equalTo("batch/v1"));
    assertThat(owner.resource(), equalTo("jobs"));
  }

  @Test
  public void noControllerMeansNoParent() {
    assertThat(parentOf(json("{'metadata':{'ownerReferences':[{'kind':'X','name':'x','uid':'u'}]}}")), nullValue());
    assertThat(parentOf(json("{'metadata':{}}")), nullValue());
    assertThat(parentOf(null), nullValue());
    assertThat(parentOf(json("{'metadata':{'ownerReferences':[{'kind':'ReplicaSet','name':'rs','controller':true}]}}")),
        nullValue());
  }

  @Test
  public void clusterScopedOwnerKindHasNoNamespace() {
    JsonNode mirrorPod = json("{'kind':'Pod','metadata':{'name':'kube-apiserver-node-1','namespace':'kube-system',"
        + "'ownerReferences':[{'apiVersion':'v1','kind':'Node','name':'node-1','uid':'node-uid','controller':true}]}}");
    OwnerRef owner = parentOf(mirrorPod);
    assertThat(owner.namespace(), equalTo(""));
    assertThat(owner.apiGroup(), equalTo(""));
    assertThat(owner.apiVersion(), equalTo("v1"));
    assertThat(owner.resource(), equalTo("nodes"));
  }

  @Test
  public void parentLinkAnnotationGivesTheParentInItsCluster() {
    JsonNode pod = withAnnotation("{\"cluster\":\"hub\",\"group\":\"apps\",\"version\":\"v1\",\"resource\":\"deployments\","
        + "\"namespace\":\"other\",\"name\":\"d\",\"uid\":\"d-uid\"}");
    assertThat(parentOf(pod), equalTo(new OwnerRef("d-uid", "apps", "apps/v1", "", "deployments", "other", "d", "hub",
        "parent-link-annotation")));
    assertThat(parentOf(pod).clusterFrom("c1"), equalTo("hub"));
  }

  @Test
  public void parentLinkWithoutClusterIsInTheObjectsOwnCluster() {
    OwnerRef owner = parentOf(withAnnotation("{\"version\":\"v1\",\"resource\":\"nodes\",\"name\":\"n\",\"uid\":\"n-uid\"}"));
    assertThat(owner.apiVersion(), equalTo("v1"));
    assertThat(owner.apiGroup(), equalTo(""));
    assertThat(owner.namespace(), equalTo(""));
    assertThat(owner.clusterFrom("c1"), equalTo("c1"));
  }

  @Test
  public void malformedOrIncompleteParentLinkLinksNothing() {
    assertThat(parentOf(withAnnotation("{not json")), nullValue());
    assertThat(parentOf(withAnnotation("{\"name\":\"n\"}")), nullValue());
    assertThat(parentOf(withAnnotation("{\"resource\":\"pods\",\"name\":\"n\"}")), nullValue());
  }

  @Test
  public void theOwnerReferenceWinsAndTheAnnotationBecomesARelatedLink() {
    JsonNode pod = withAnnotation("{'kind':'Pod','metadata':{'name':'p','namespace':'ns','ownerReferences':["
            + "{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'rs','uid':'rs-uid','controller':true}]}}",
        "{\"cluster\":\"hub\",\"group\":\"apps\",\"version\":\"v1\",\"resource\":\"deployments\",\"namespace\":\"ns\","
            + "\"name\":\"d\",\"uid\":\"d-uid\"}");
    ObjectLinks.Found found = ALL.of("c1", pod);
    assertThat(found.parent().uid(), equalTo("rs-uid"));
    assertThat(ObjectLinks.describe(found.related().get("parent-link-annotation"), "c1"),
        equalTo("hub:deployments.apps/ns/d"));
  }

  @Test
  public void aBoundPodIsRelatedToItsNodeWithoutChangingItsParent() {
    JsonNode pod = json("{'kind':'Pod','apiVersion':'v1','metadata':{'name':'p','namespace':'ns','ownerReferences':["
        + "{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'rs','uid':'rs-uid','controller':true}]},"
        + "'spec':{'nodeName':'node-3'}}");
    ObjectLinks.Found found = ALL.of("c1", pod);
    assertThat(found.parent().uid(), equalTo("rs-uid"));
    assertThat(ObjectLinks.describe(found.related().get("pod-node"), "c1"), equalTo("nodes/node-3"));
    assertThat(ALL.of("c1", json("{'kind':'Pod','metadata':{'name':'p'},'spec':{}}")).related(), anEmptyMap());
    assertThat(ALL.of("c1", json("{'kind':'PodTemplate','metadata':{'name':'p'},'spec':{'nodeName':'n'}}")).related(),
        anEmptyMap());
  }

  @Test
  public void aLinkerThatThrowsIsNamedInTheError() {
    Linker broken = new Linker() {
      @Override
      public String name() {
        return "broken";
      }

      @Override
      public List<ObjectLink> links(String cluster, JsonNode object) {
        throw new IllegalStateException("no luck");
      }
    };
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ObjectLinks.of(List.of(broken)).of("c1", json("{'metadata':{}}")));
    assertThat(e.getMessage(), containsString("linker 'broken' failed"));
    assertThat(e.getMessage(), containsString("no luck"));
  }

  @Test
  public void aParentLinkNeedsAUidAndEveryLinkAName() {
    assertThrows(IllegalArgumentException.class, () -> ObjectLink.parent("apps", "v1", "", "deployments", "ns", "d", ""));
    assertThrows(IllegalArgumentException.class, () -> ObjectLink.related("", "v1", "", "nodes", "", "", ""));
  }
}
