package dev.kelemetry.beam.transforms.spans;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import org.junit.Test;

public class ObjectKindsTest {
  @Test
  public void regularKindsGetTheDefaultPlural() {
    assertThat(ObjectKinds.resourceOf("Pod"), equalTo("pods"));
    assertThat(ObjectKinds.resourceOf("ReplicaSet"), equalTo("replicasets"));
    assertThat(ObjectKinds.resourceOf("Deployment"), equalTo("deployments"));
    assertThat(ObjectKinds.resourceOf("Node"), equalTo("nodes"));
  }

  @Test
  public void sibilantEndingsGetEs() {
    assertThat(ObjectKinds.resourceOf("Status"), equalTo("statuses"));
    assertThat(ObjectKinds.resourceOf("Box"), equalTo("boxes"));
    assertThat(ObjectKinds.resourceOf("Batch"), equalTo("batches"));
    assertThat(ObjectKinds.resourceOf("Mesh"), equalTo("meshes"));
  }

  @Test
  public void consonantYBecomesIesButVowelYDoesNot() {
    assertThat(ObjectKinds.resourceOf("Policy"), equalTo("policies"));
    assertThat(ObjectKinds.resourceOf("Gateway"), equalTo("gateways"));
  }

  @Test
  public void irregularBuiltInKindsComeFromTheTable() {
    assertThat(ObjectKinds.resourceOf("Endpoints"), equalTo("endpoints"));
    assertThat(ObjectKinds.resourceOf("Ingress"), equalTo("ingresses"));
    assertThat(ObjectKinds.resourceOf("NetworkPolicy"), equalTo("networkpolicies"));
    assertThat(ObjectKinds.resourceOf("StorageClass"), equalTo("storageclasses"));
  }

  @Test
  public void clusterScopedKindsAreKnown() {
    assertThat(ObjectKinds.isClusterScoped("Node"), is(true));
    assertThat(ObjectKinds.isClusterScoped("Namespace"), is(true));
    assertThat(ObjectKinds.isClusterScoped("ClusterRole"), is(true));
    assertThat(ObjectKinds.isClusterScoped("Pod"), is(false));
    assertThat(ObjectKinds.isClusterScoped("ReplicaSet"), is(false));
  }

  @Test
  public void groupOfApiVersion() {
    assertThat(ObjectKinds.groupOf("apps/v1"), equalTo("apps"));
    assertThat(ObjectKinds.groupOf("v1"), equalTo(""));
    assertThat(ObjectKinds.groupOf(null), equalTo(""));
  }
}
