package com.example.kelemetry;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kelemetry.beam.plugins.ObjectLink;
import org.junit.Test;

public class CsvAuditSourceTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  public void aRowBecomesAMetadataAuditEventWithAStableId() throws Exception {
    String row = "2026-01-01T00:00:05Z,alice,patch,apps,v1,deployments,prod,web,200";
    JsonNode event = JSON.readTree(CsvAuditSource.toAuditEvent("f.csv", 2, row));
    assertThat(event.path("verb").asText(), equalTo("patch"));
    assertThat(event.path("user").path("username").asText(), equalTo("alice"));
    assertThat(event.path("objectRef").path("apiGroup").asText(), equalTo("apps"));
    assertThat(event.path("responseStatus").path("code").asInt(), equalTo(200));
    assertThat(event.path("auditID").asText(), equalTo(JSON.readTree(CsvAuditSource.toAuditEvent("f.csv", 2, row))
        .path("auditID").asText()));
  }

  @Test
  public void aBadRowSaysWhy() {
    assertThat(assertThrows(IllegalArgumentException.class, () -> CsvAuditSource.toAuditEvent("f", 1, "a,b")).getMessage(),
        containsString("9 fields"));
    assertThat(assertThrows(IllegalArgumentException.class,
        () -> CsvAuditSource.toAuditEvent("f", 1, "yesterday,a,get,,v1,pods,ns,p,200")).getMessage(),
        containsString("bad time"));
  }

  @Test
  public void aPodIsRelatedToEveryConfigMapItReads() throws Exception {
    JsonNode pod = JSON.readTree("{\"kind\":\"Pod\",\"metadata\":{\"namespace\":\"ns\"},\"spec\":{"
        + "\"volumes\":[{\"configMap\":{\"name\":\"a\"}},{\"projected\":{\"sources\":[{\"configMap\":{\"name\":\"b\"}}]}}],"
        + "\"containers\":[{\"env\":[{\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"c\"}}}],"
        + "\"envFrom\":[{\"configMapRef\":{\"name\":\"a\"}}]}]}}");
    assertThat(new PodConfigMapLinker().links("c1", pod).stream().map(l -> l.describe("c1")).toList(),
        contains("configmaps/ns/a", "configmaps/ns/b", "configmaps/ns/c"));
    assertThat(new PodConfigMapLinker().links("c1", pod).get(0).role(), equalTo(ObjectLink.Role.RELATED));
    assertThat(new PodConfigMapLinker().links("c1", JSON.readTree("{\"kind\":\"Deployment\"}")), empty());
  }
}
