package dev.kelemetry.beam.plugins;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import java.util.Map;
import org.junit.Test;

public class SourceOptionsTest {
  @Test
  public void aMissingRequiredOptionNamesTheSourceAndTheOption() {
    SourceOptions options = new SourceOptions("csv-audit", Map.of());
    assertThat(assertThrows(IllegalArgumentException.class, () -> options.required("path")).getMessage(),
        equalTo("source 'csv-audit' needs --source-option path=..."));
  }

  @Test
  public void optionsNobodyReadAreReportedForTheTypoError() {
    SourceOptions options = new SourceOptions("s", Map.of("path", "/x", "paht", "/y", "limit", "3"));
    assertThat(options.required("path"), equalTo("/x"));
    assertThat(options.get("limit", "10"), equalTo("3"));
    assertThat(options.get("cluster", "c"), equalTo("c"));
    assertThat(options.unread(), contains("paht"));
  }

  @Test
  public void anUnknownSourceListsTheKnownOnes() {
    assertThat(assertThrows(IllegalArgumentException.class, () -> Plugins.source("nope")).getMessage(),
        containsString("no source named 'nope'; known sources: none"));
  }

  @Test
  public void aRelatedLinkIsWrittenShortForSearch() {
    assertThat(ObjectLink.related("", "v1", "Node", "nodes", "", "node-1", "").describe("c1"), equalTo("nodes/node-1"));
    assertThat(ObjectLink.parent("apps", "v1", "Deployment", "deployments", "default", "web", "u").inCluster("hub")
        .describe("c1"), equalTo("hub:deployments.apps/default/web"));
    assertThat(ObjectLink.parent("apps", "v1", "Deployment", "deployments", "default", "web", "u").inCluster("c1")
        .describe("c1"), equalTo("deployments.apps/default/web"));
  }
}
