package dev.kelemetry.beam.transforms.track;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import org.junit.Test;

public class RedactorTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final String PLAIN = "hunter2-s3cr3t";

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private static JsonNode secret(String password) {
    return json("{'apiVersion':'v1','kind':'Secret','metadata':{'name':'db','namespace':'ns'},"
        + "'type':'Opaque','data':{'password':'" + password + "','user':'admin'}}");
  }

  @Test
  public void secretDataIsReplacedByMarkersAndShownAsRedacted() {
    JsonNode redacted = Redactor.defaults().redact("secrets", secret(PLAIN));
    assertThat(redacted.toString(), not(containsString(PLAIN)));
    assertThat(redacted.toString(), not(containsString("admin")));
    JsonNode shown = Redactor.forDisplay(redacted);
    assertThat(shown.path("data").path("password").asText(), equalTo(Redactor.SHOWN_AS));
    assertThat(shown.path("data").path("user").asText(), equalTo(Redactor.SHOWN_AS));
    assertThat(shown.toString(), not(containsString(PLAIN)));
    assertThat(shown.path("metadata").path("name").asText(), equalTo("db"));
    assertThat(shown.path("type").asText(), equalTo("Opaque"));
  }

  @Test
  public void redactWorksInPlaceAndReturnsTheSameObject() {
    JsonNode s = secret(PLAIN);
    assertThat(Redactor.defaults().redact("secrets", s), sameInstance(s));
    assertThat(s.toString(), not(containsString(PLAIN)));
  }

  @Test
  public void secretStringDataIsRedacted() {
    JsonNode s = json("{'kind':'Secret','metadata':{'name':'x'},'stringData':{'token':'" + PLAIN + "'}}");
    JsonNode shown = Redactor.forDisplay(Redactor.defaults().redact("secrets", s));
    assertThat(shown.toString(), not(containsString(PLAIN)));
    assertThat(shown.path("stringData").path("token").asText(), equalTo(Redactor.SHOWN_AS));
  }

  @Test
  public void secretLastAppliedConfigurationAnnotationIsRedacted() {
    JsonNode s = json("{'kind':'Secret','metadata':{'name':'x','annotations':{"
        + "'kubectl.kubernetes.io/last-applied-configuration':'{\\\"data\\\":{\\\"password\\\":\\\"" + PLAIN + "\\\"}}',"
        + "'other':'visible'}},'data':{'password':'" + PLAIN + "'}}");
    JsonNode shown = Redactor.forDisplay(Redactor.defaults().redact("secrets", s));
    assertThat(shown.toString(), not(containsString(PLAIN)));
    assertThat(shown.path("metadata").path("annotations").path("other").asText(), equalTo("visible"));
  }

  @Test
  public void diffOfARedactedValueSaysChangedWithoutTheValue() {
    Redactor r = Redactor.defaults();
    JsonNode before = r.redact("secrets", secret("old-" + PLAIN));
    JsonNode after = r.redact("secrets", secret("new-" + PLAIN));
    FieldDiff.Result d = FieldDiff.between(before, after);
    assertThat(d.lines(), contains("data.password changed"));
    assertThat(String.join("\n", d.lines()), not(containsString(PLAIN)));
    assertThat(String.join("\n", d.verboseLines()), not(containsString(PLAIN)));
  }

  @Test
  public void sameSecretValueGivesNoDiff() {
    Redactor r = Redactor.defaults();
    assertThat(FieldDiff.between(r.redact("secrets", secret(PLAIN)), r.redact("secrets", secret(PLAIN))).isEmpty(), is(true));
  }

  @Test
  public void addedAndRemovedRedactedKeysSayAddedAndRemoved() {
    Redactor r = Redactor.defaults();
    JsonNode without = r.redact("secrets", json("{'kind':'Secret','data':{'a':'x'}}"));
    JsonNode with = r.redact("secrets", json("{'kind':'Secret','data':{'a':'x','token':'" + PLAIN + "'}}"));
    assertThat(FieldDiff.between(without, with).lines(), contains("data.token added"));
    assertThat(FieldDiff.between(with, without).lines(), contains("data.token removed"));
  }

  @Test
  public void redactingTwiceChangesNothing() {
    Redactor r = Redactor.defaults();
    JsonNode once = r.redact("secrets", secret(PLAIN));
    JsonNode twice = r.redact("secrets", once.deepCopy());
    assertThat(twice, equalTo(once));
  }

  @Test
  public void configMapDataIsNotRedactedByDefault() {
    JsonNode cm = json("{'kind':'ConfigMap','data':{'k':'plain-value'}}");
    assertThat(Redactor.defaults().redact("configmaps", cm).path("data").path("k").asText(), equalTo("plain-value"));
  }

  @Test
  public void configuredResourcePathRedactsOnlyThatResource() {
    Redactor r = Redactor.withPaths(List.of("configmaps:data.*"));
    JsonNode cm = r.redact("configmaps", json("{'kind':'ConfigMap','data':{'k':'" + PLAIN + "'},'metadata':{'name':'c'}}"));
    assertThat(Redactor.forDisplay(cm).toString(), not(containsString(PLAIN)));
    assertThat(Redactor.forDisplay(cm).path("data").path("k").asText(), equalTo(Redactor.SHOWN_AS));
    JsonNode other = r.redact("widgets", json("{'data':{'k':'keep'}}"));
    assertThat(other.path("data").path("k").asText(), equalTo("keep"));
  }

  @Test
  public void configuredPathWithoutResourceAppliesToEveryResourceThroughLists() {
    Redactor r = Redactor.withPaths(List.of("spec.template.spec.containers.*.env.*.value"));
    JsonNode d = r.redact("deployments", json("{'spec':{'template':{'spec':{'containers':["
        + "{'name':'a','env':[{'name':'PW','value':'" + PLAIN + "'}]}]}}}}"));
    JsonNode shown = Redactor.forDisplay(d);
    JsonNode env = shown.path("spec").path("template").path("spec").path("containers").path(0).path("env").path(0);
    assertThat(env.path("name").asText(), equalTo("PW"));
    assertThat(env.path("value").asText(), equalTo(Redactor.SHOWN_AS));
    assertThat(shown.toString(), not(containsString(PLAIN)));
  }

  @Test
  public void bracketStarIsTheSameAsDotStar() {
    Redactor r = Redactor.withPaths(List.of("spec.containers[*].env[*].value"));
    JsonNode p = r.redact("pods", json("{'spec':{'containers':[{'env':[{'name':'A','value':'" + PLAIN + "'}]}]}}"));
    assertThat(p.toString(), not(containsString(PLAIN)));
    assertThat(p.path("spec").path("containers").path(0).path("env").path(0).path("name").asText(), equalTo("A"));
  }

  @Test
  public void wholeSubtreeAtAConfiguredPathIsRedacted() {
    Redactor r = Redactor.withPaths(List.of("widgets:spec.credentials"));
    JsonNode w = r.redact("widgets", json("{'spec':{'credentials':{'a':'" + PLAIN + "','b':['" + PLAIN + "']},'size':3}}"));
    assertThat(w.toString(), not(containsString(PLAIN)));
    assertThat(w.path("spec").path("size").asInt(), equalTo(3));
  }

  @Test(expected = IllegalArgumentException.class)
  public void pathWithAnEmptySegmentIsRejected() {
    Redactor.withPaths(List.of("configmaps:data..x"));
  }

  @Test(expected = IllegalArgumentException.class)
  public void pathStartingWithADotIsRejected() {
    Redactor.withPaths(List.of(".data"));
  }

  @Test
  public void blankConfiguredPathsAreSkipped() {
    JsonNode cm = json("{'data':{'k':'v'}}");
    assertThat(Redactor.withPaths(List.of("", "  ")).redact("configmaps", cm).path("data").path("k").asText(), equalTo("v"));
  }

  @Test
  public void diffRedactedLabelRedactsEverythingButMetadata() {
    JsonNode cm = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','labels':{"
        + "'kelemetry.kubewharf.io/diff-redacted':'true'}},'data':{'k':'" + PLAIN + "'},'list':[1,'" + PLAIN + "']}");
    JsonNode shown = Redactor.forDisplay(Redactor.defaults().redact("configmaps", cm));
    assertThat(shown.toString(), not(containsString(PLAIN)));
    assertThat(shown.path("data").path("k").asText(), equalTo(Redactor.SHOWN_AS));
    assertThat(shown.path("list").path(0).asText(), equalTo(Redactor.SHOWN_AS));
    assertThat(shown.path("metadata").path("name").asText(), equalTo("c"));
    assertThat(shown.path("metadata").path("labels").has(Redactor.REDACT_ALL_LABEL), is(true));
  }

  @Test
  public void forDisplayDoesNotChangeItsInput() {
    JsonNode redacted = Redactor.defaults().redact("secrets", secret(PLAIN));
    JsonNode copy = redacted.deepCopy();
    Redactor.forDisplay(redacted);
    assertThat(redacted, equalTo(copy));
  }

  @Test
  public void nonObjectsAreLeftAlone() {
    JsonNode arr = json("['" + PLAIN + "']");
    assertThat(Redactor.defaults().redact("secrets", arr), equalTo(json("['" + PLAIN + "']")));
    assertThat(Redactor.defaults().redact("secrets", null), equalTo(null));
  }

  @Test
  public void labelledSecretStillHasItsLastAppliedConfigurationRedacted() {
    JsonNode s = json("{'kind':'Secret','metadata':{'name':'x','labels':{'kelemetry.kubewharf.io/diff-redacted':'true'},"
        + "'annotations':{'kubectl.kubernetes.io/last-applied-configuration':"
        + "'{\\\"data\\\":{\\\"password\\\":\\\"" + PLAIN + "\\\"}}'}},'data':{'password':'" + PLAIN + "'}}");
    JsonNode shown = Redactor.forDisplay(Redactor.defaults().redact("secrets", s));
    assertThat(shown.toString(), not(containsString(PLAIN)));
  }

  @Test
  public void forDisplayOfUnredactedJsonIsAnEqualCopy() {
    JsonNode n = json("{'a':[1,{'b':'c'}]}");
    assertThat(Redactor.forDisplay(n), equalTo(n));
    assertThat(Redactor.forDisplay(n), not(sameInstance(n)));
    assertThat(FieldDiff.between(n, n).lines(), empty());
  }
}
