package dev.kelemetry.beam.transforms.owners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.Test;

public class OwnerRefTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private static JsonNode withAnnotation(String link) {
    ObjectNode pod = (ObjectNode) json("{'kind':'Pod','metadata':{'name':'p','namespace':'ns'}}");
    ((ObjectNode) pod.get("metadata")).putObject("annotations").put(OwnerRef.PARENT_LINK_ANNOTATION, link);
    return pod;
  }

  @Test
  public void controllerOwnerReferenceIsTheOwnerInTheChildsNamespace() {
    JsonNode pod = json("{'kind':'Pod','metadata':{'name':'web-1','namespace':'prod','ownerReferences':["
        + "{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'web-6d4f','uid':'rs-uid','controller':true}]}}");
    assertThat(OwnerRef.controllerOf(pod, "c1"),
        equalTo(new OwnerRef("rs-uid", "apps", "apps/v1", "ReplicaSet", "replicasets", "prod", "web-6d4f")));
  }

  @Test
  public void nonControllerOwnerReferencesAreSkipped() {
    JsonNode pod = json("{'metadata':{'namespace':'ns','ownerReferences':["
        + "{'apiVersion':'v1','kind':'ConfigMap','name':'cm','uid':'cm-uid'},"
        + "{'apiVersion':'apps/v1','kind':'StatefulSet','name':'db','uid':'ss-uid','controller':false},"
        + "{'apiVersion':'batch/v1','kind':'Job','name':'j','uid':'job-uid','controller':true}]}}");
    OwnerRef owner = OwnerRef.controllerOf(pod, "c1");
    assertThat(owner.uid(), equalTo("job-uid"));
    assertThat(owner.apiGroup(), equalTo("batch"));
    assertThat(owner.resource(), equalTo("jobs"));
  }

  @Test
  public void noControllerMeansNoOwner() {
    assertThat(OwnerRef.controllerOf(json("{'metadata':{'ownerReferences':[{'kind':'X','uid':'u'}]}}"), "c1"), nullValue());
    assertThat(OwnerRef.controllerOf(json("{'metadata':{}}"), "c1"), nullValue());
    assertThat(OwnerRef.controllerOf(null, "c1"), nullValue());
  }

  @Test
  public void controllerWithoutUidIsSkipped() {
    JsonNode pod = json("{'metadata':{'ownerReferences':[{'kind':'ReplicaSet','name':'rs','controller':true}]}}");
    assertThat(OwnerRef.controllerOf(pod, "c1"), nullValue());
  }

  @Test
  public void clusterScopedOwnerKindHasNoNamespace() {
    JsonNode mirrorPod = json("{'kind':'Pod','metadata':{'name':'kube-apiserver-node-1','namespace':'kube-system',"
        + "'ownerReferences':[{'apiVersion':'v1','kind':'Node','name':'node-1','uid':'node-uid','controller':true}]}}");
    OwnerRef owner = OwnerRef.controllerOf(mirrorPod, "c1");
    assertThat(owner.namespace(), equalTo(""));
    assertThat(owner.apiGroup(), equalTo(""));
    assertThat(owner.resource(), equalTo("nodes"));
  }

  @Test
  public void parentLinkAnnotationGivesTheOwner() {
    JsonNode pod = withAnnotation("{\"cluster\":\"c1\",\"group\":\"apps\",\"version\":\"v1\",\"resource\":\"deployments\","
        + "\"namespace\":\"other\",\"name\":\"d\",\"uid\":\"d-uid\"}");
    assertThat(OwnerRef.controllerOf(pod, "c1"),
        equalTo(new OwnerRef("d-uid", "apps", "apps/v1", "", "deployments", "other", "d")));
  }

  @Test
  public void parentLinkWithoutClusterOrWithCoreGroupWorks() {
    JsonNode pod = withAnnotation("{\"version\":\"v1\",\"resource\":\"nodes\",\"name\":\"n\",\"uid\":\"n-uid\"}");
    OwnerRef owner = OwnerRef.controllerOf(pod, "c1");
    assertThat(owner.apiVersion(), equalTo("v1"));
    assertThat(owner.apiGroup(), equalTo(""));
    assertThat(owner.namespace(), equalTo(""));
  }

  @Test
  public void parentLinkToAnotherClusterIsIgnored() {
    JsonNode pod = withAnnotation("{\"cluster\":\"c2\",\"version\":\"v1\",\"resource\":\"pods\",\"name\":\"n\",\"uid\":\"u\"}");
    assertThat(OwnerRef.controllerOf(pod, "c1"), nullValue());
  }

  @Test
  public void malformedOrUidlessParentLinkIsIgnored() {
    assertThat(OwnerRef.controllerOf(withAnnotation("{not json"), "c1"), nullValue());
    assertThat(OwnerRef.controllerOf(withAnnotation("{\"name\":\"n\"}"), "c1"), nullValue());
  }

  @Test
  public void controllerOwnerReferenceWinsOverParentLink() {
    ObjectNode pod = (ObjectNode) withAnnotation("{\"version\":\"v1\",\"resource\":\"pods\",\"name\":\"n\",\"uid\":\"link-uid\"}");
    ((ObjectNode) pod.get("metadata")).set("ownerReferences",
        json("[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'rs','uid':'rs-uid','controller':true}]"));
    assertThat(OwnerRef.controllerOf(pod, "c1").uid(), equalTo("rs-uid"));
  }
}
