package dev.kelemetry.beam.transforms.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.Assert.assertThrows;

import dev.kelemetry.beam.transforms.metrics.MetricDefinition.Measure;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

public class MetricDefinitionsTest {

  @Test
  public void theDefaultSetHasTheRequestsMetricTheIssueAsksFor() {
    MetricDefinitions defaults = MetricDefinitions.defaults();
    MetricDefinition requests = defaults.requests().stream().filter(d -> d.name().equals("requests")).findFirst()
        .orElseThrow();
    assertThat(requests.dimensions(), equalTo(List.of("cluster", "verb", "resource", "subresource", "namespace", "user",
        "code")));
    assertThat(requests.measures(), equalTo(Set.of(Measure.LATENCY)));
    assertThat(defaults.reactions(), equalTo(true));
  }

  @Test
  public void filtersAndExclusionsSelectRequests() {
    MetricDefinitions d = MetricDefinitions.parse("""
        metrics:
          - name: slow_writes
            dimensions: [verb]
            filter: {verb: [create, patch], code_class: 2xx}
            exclude: {user: system:apiserver}
            measures: [count, latency, bytes]
        reactions: false
        """, "test");
    MetricDefinition m = d.requests().get(0);
    assertThat(m.accepts(Map.of("verb", "patch", "code_class", "2xx", "user", "alice")), equalTo(true));
    assertThat(m.accepts(Map.of("verb", "get", "code_class", "2xx", "user", "alice")), equalTo(false));
    assertThat(m.accepts(Map.of("verb", "patch", "code_class", "5xx", "user", "alice")), equalTo(false));
    assertThat(m.accepts(Map.of("verb", "patch", "code_class", "2xx", "user", "system:apiserver")), equalTo(false));
    assertThat(m.measures(), equalTo(Set.of(Measure.LATENCY, Measure.BYTES)));
    assertThat(d.reactions(), equalTo(false));
  }

  @Test
  public void mistakesAreNamedWithTheKnownChoices() {
    assertThat(error("metrics:\n  - name: a\n    dimensions: [verbs]\n"),
        containsString("metric 1 (a): unknown dimension 'verbs'; known: cluster, verb,"));
    assertThat(error("metrics:\n  - name: a\n    measures: [p99]\n"),
        containsString("unknown measure 'p99'; known: count, errors, latency, timeout_ratio, bytes"));
    assertThat(error("metrics:\n  - name: a\n    filter: {usr: x}\n"), containsString("unknown dimension 'usr'"));
    assertThat(error("metrics:\n  - name: a\n    dimension: [verb]\n"), containsString("unknown key(s) [dimension]"));
    assertThat(error("metrics:\n  - name: a\n  - name: a\n"), containsString("two metrics are named a"));
    assertThat(error("metrics:\n  - name: Requests\n"), containsString("name 'Requests' must be lower case"));
    assertThat(error("metrics:\n  - name: reaction.x\n"), containsString("'reaction.' are the reaction-time"));
    assertThat(error("metrics: [a, {"), containsString("test is not valid YAML"));
    assertThat(error("reactions: maybe\n"), containsString("'reactions' must be true or false"));
  }

  @Test
  public void everyDimensionIsListedForTheDocs() {
    assertThat(RequestDimensions.NAMES, hasItem("user_agent_product"));
    assertThat(RequestDimensions.NAMES.size(), equalTo(Set.copyOf(RequestDimensions.NAMES).size()));
  }

  private static String error(String yaml) {
    return assertThrows(IllegalArgumentException.class, () -> MetricDefinitions.parse(yaml, "test")).getMessage();
  }
}
