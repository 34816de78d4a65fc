package dev.kelemetry.beam.transforms.track;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.Test;

public class FieldDiffTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  @Test
  public void changedScalarIsOneLineInKelemetryFormat() {
    FieldDiff.Result d = FieldDiff.between(json("{'status':{'observedGeneration':1}}"), json("{'status':{'observedGeneration':2}}"));
    assertThat(d.lines(), contains("status.observedGeneration 1 -> 2"));
    assertThat(d.verboseLines(), empty());
  }

  @Test
  public void valuesAreRenderedAsJson() {
    FieldDiff.Result d = FieldDiff.between(json("{'status':{'phase':'Pending'}}"), json("{'status':{'phase':'Running'}}"));
    assertThat(d.lines(), contains("status.phase \"Pending\" -> \"Running\""));
  }

  @Test
  public void keysThatAreNotIdentifiersAreBracketedAndQuoted() {
    FieldDiff.Result d = FieldDiff.between(
        json("{'metadata':{'labels':{'app.kubernetes.io/name':'web'}}}"),
        json("{'metadata':{'labels':{'app.kubernetes.io/name':'api'}}}"));
    assertThat(d.lines(), contains("metadata.labels[\"app.kubernetes.io/name\"] \"web\" -> \"api\""));
  }

  @Test
  public void quotesInBracketedKeysAreEscaped() {
    FieldDiff.Result d = FieldDiff.between(json("{'a':{'x\\\"y':1}}"), json("{'a':{'x\\\"y':2}}"));
    assertThat(d.lines(), contains("a[\"x\\\"y\"] 1 -> 2"));
  }

  @Test
  public void listsAreComparedIndexByIndex() {
    FieldDiff.Result d = FieldDiff.between(
        json("{'spec':{'containers':[{'name':'a','image':'nginx:1'},{'name':'b','image':'redis:6'}]}}"),
        json("{'spec':{'containers':[{'name':'a','image':'nginx:1'},{'name':'b','image':'redis:7'}]}}"));
    assertThat(d.lines(), contains("spec.containers[1].image \"redis:6\" -> \"redis:7\""));
  }

  @Test
  public void listElementPresentOnOneSideOnlyShowsNullOnTheOther() {
    FieldDiff.Result d = FieldDiff.between(json("{'args':['a']}"), json("{'args':['a','b']}"));
    assertThat(d.lines(), contains("args[1] null -> \"b\""));
    FieldDiff.Result back = FieldDiff.between(json("{'args':['a','b']}"), json("{'args':['a']}"));
    assertThat(back.lines(), contains("args[1] \"b\" -> null"));
  }

  @Test
  public void absentSideOfAFieldIsNull() {
    assertThat(FieldDiff.between(json("{'spec':{}}"), json("{'spec':{'paused':true}}")).lines(),
        contains("spec.paused null -> true"));
    assertThat(FieldDiff.between(json("{'spec':{'paused':true}}"), json("{'spec':{}}")).lines(),
        contains("spec.paused true -> null"));
  }

  @Test
  public void subtreeThatAppearsWholeIsOneLine() {
    FieldDiff.Result d = FieldDiff.between(json("{'metadata':{'name':'x'}}"),
        json("{'metadata':{'name':'x','annotations':{'a':'1','b':'2'}}}"));
    assertThat(d.lines(), contains("metadata.annotations null -> {\"a\":\"1\",\"b\":\"2\"}"));
  }

  @Test
  public void linesAreSortedByKey() {
    FieldDiff.Result d = FieldDiff.between(json("{'z':1,'a':1,'m':1}"), json("{'m':2,'z':2,'a':2}"));
    assertThat(d.lines(), contains("a 1 -> 2", "m 1 -> 2", "z 1 -> 2"));
  }

  @Test
  public void typeChangeIsOneLine() {
    assertThat(FieldDiff.between(json("{'x':{'a':1}}"), json("{'x':5}")).lines(), contains("x {\"a\":1} -> 5"));
  }

  @Test
  public void managedFieldsAreNeverCompared() {
    FieldDiff.Result d = FieldDiff.between(
        json("{'metadata':{'managedFields':[{'manager':'kubectl'}]}}"),
        json("{'metadata':{'managedFields':[{'manager':'kube-controller-manager'},{'manager':'x'}]}}"));
    assertThat(d.isEmpty(), is(true));
  }

  @Test
  public void resourceVersionAndGenerationGoToVerboseLines() {
    FieldDiff.Result d = FieldDiff.between(
        json("{'metadata':{'resourceVersion':'10','generation':1},'spec':{'replicas':1}}"),
        json("{'metadata':{'resourceVersion':'11','generation':2},'spec':{'replicas':2}}"));
    assertThat(d.lines(), contains("spec.replicas 1 -> 2"));
    assertThat(d.verboseLines(), contains("metadata.generation 1 -> 2", "metadata.resourceVersion \"10\" -> \"11\""));
    assertThat(d.isEmpty(), is(false));
  }

  @Test
  public void onlyVerboseChangesAreNotEmpty() {
    FieldDiff.Result d = FieldDiff.between(json("{'metadata':{'resourceVersion':'1'}}"), json("{'metadata':{'resourceVersion':'2'}}"));
    assertThat(d.lines(), empty());
    assertThat(d.isEmpty(), is(false));
  }

  @Test
  public void equalStatesGiveAnEmptyDiff() {
    JsonNode a = json("{'metadata':{'name':'x'},'spec':{'list':[1,2,{'a':null}]}}");
    assertThat(FieldDiff.between(a, a.deepCopy()).isEmpty(), is(true));
  }

  @Test
  public void longDiffsAreCutWithACountOfWhatWasLeftOut() {
    ObjectNode before = JSON.createObjectNode();
    ObjectNode after = JSON.createObjectNode();
    int n = FieldDiff.MAX_LINES + 50;
    for (int i = 0; i < n; i++) {
      before.put(String.format("k%04d", i), i);
      after.put(String.format("k%04d", i), i + 1);
    }
    FieldDiff.Result d = FieldDiff.between(before, after);
    assertThat(d.lines(), hasSize(FieldDiff.MAX_LINES + 1));
    assertThat(d.lines().get(0), equalTo("k0000 0 -> 1"));
    assertThat(d.lines().get(FieldDiff.MAX_LINES), equalTo("... 50 more changed fields"));
  }

  @Test
  public void exactlyMaxLinesIsNotCut() {
    ObjectNode before = JSON.createObjectNode();
    ObjectNode after = JSON.createObjectNode();
    for (int i = 0; i < FieldDiff.MAX_LINES; i++) {
      before.put(String.format("k%04d", i), i);
      after.put(String.format("k%04d", i), i + 1);
    }
    assertThat(FieldDiff.between(before, after).lines(), hasSize(FieldDiff.MAX_LINES));
  }
}
