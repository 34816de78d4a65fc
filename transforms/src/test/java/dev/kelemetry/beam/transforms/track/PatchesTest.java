package dev.kelemetry.beam.transforms.track;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Optional;
import org.junit.Test;

public class PatchesTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private static JsonNode apply(String state, String patch) {
    Optional<JsonNode> out = Patches.apply(json(state), json(patch));
    assertThat("patch should apply: " + patch, out.isPresent(), is(true));
    return out.get();
  }

  private static void assertJson(JsonNode actual, String expected) {
    assertThat(actual, equalTo(json(expected)));
  }

  // ---- merge patch ----

  @Test
  public void mergePatchSetsNestedFieldsAndKeepsTheRest() {
    assertJson(apply("{'spec':{'replicas':1,'paused':false},'metadata':{'name':'d'}}", "{'spec':{'replicas':3}}"),
        "{'spec':{'replicas':3,'paused':false},'metadata':{'name':'d'}}");
  }

  @Test
  public void mergePatchNullRemovesAField() {
    assertJson(apply("{'metadata':{'labels':{'a':'1','b':'2'}}}", "{'metadata':{'labels':{'a':null}}}"),
        "{'metadata':{'labels':{'b':'2'}}}");
  }

  @Test
  public void mergePatchCreatesMissingMaps() {
    assertJson(apply("{'metadata':{'name':'x'}}", "{'metadata':{'annotations':{'k':'v'}}}"),
        "{'metadata':{'name':'x','annotations':{'k':'v'}}}");
  }

  @Test
  public void listWithoutMergeKeyIsReplacedWhole() {
    assertJson(apply("{'spec':{'args':['a','b','c']}}", "{'spec':{'args':['z']}}"), "{'spec':{'args':['z']}}");
  }

  @Test
  public void applyDoesNotChangeTheGivenState() {
    JsonNode state = json("{'spec':{'replicas':1}}");
    Patches.apply(state, json("{'spec':{'replicas':2}}"));
    assertJson(state, "{'spec':{'replicas':1}}");
  }

  // ---- strategic merge ----

  @Test
  public void conditionsAreMergedByType() {
    JsonNode out = apply(
        "{'status':{'conditions':[{'type':'Ready','status':'False'},{'type':'PodScheduled','status':'True'}]}}",
        "{'status':{'conditions':[{'type':'Ready','status':'True','reason':'Ok'}]}}");
    assertJson(out,
        "{'status':{'conditions':[{'type':'Ready','status':'True','reason':'Ok'},{'type':'PodScheduled','status':'True'}]}}");
  }

  @Test
  public void newConditionTypeIsAppended() {
    JsonNode out = apply("{'status':{'conditions':[{'type':'Ready','status':'True'}]}}",
        "{'status':{'conditions':[{'type':'Initialized','status':'True'}]}}");
    assertJson(out, "{'status':{'conditions':[{'type':'Ready','status':'True'},{'type':'Initialized','status':'True'}]}}");
  }

  @Test
  public void containersAreMergedByNameDownToTheirEnv() {
    JsonNode out = apply(
        "{'spec':{'containers':[{'name':'app','image':'app:1','env':[{'name':'A','value':'1'}]},{'name':'side','image':'s:1'}]}}",
        "{'spec':{'containers':[{'name':'app','image':'app:2','env':[{'name':'B','value':'2'}]}]}}");
    assertJson(out,
        "{'spec':{'containers':[{'name':'app','image':'app:2','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]},"
            + "{'name':'side','image':'s:1'}]}}");
  }

  @Test
  public void patchDeleteDirectiveRemovesTheElementWithThatKey() {
    JsonNode out = apply("{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}]}}",
        "{'spec':{'containers':[{'name':'b','$patch':'delete'}]}}");
    assertJson(out, "{'spec':{'containers':[{'name':'a'},{'name':'c'}]}}");
  }

  @Test
  public void patchDeleteOfAnAbsentElementChangesNothing() {
    JsonNode out = apply("{'spec':{'containers':[{'name':'a'}]}}", "{'spec':{'containers':[{'name':'zz','$patch':'delete'}]}}");
    assertJson(out, "{'spec':{'containers':[{'name':'a'}]}}");
  }

  @Test
  public void setElementOrderDirectiveIsIgnored() {
    JsonNode out = apply("{'status':{'conditions':[{'type':'A','status':'False'},{'type':'B','status':'False'}]}}",
        "{'status':{'$setElementOrder/conditions':[{'type':'B'},{'type':'A'}],'conditions':[{'type':'A','status':'True'}]}}");
    assertJson(out, "{'status':{'conditions':[{'type':'A','status':'True'},{'type':'B','status':'False'}]}}");
  }

  @Test
  public void deleteFromPrimitiveListRemovesThoseValues() {
    JsonNode out = apply("{'metadata':{'finalizers':['a','b','c']}}", "{'metadata':{'$deleteFromPrimitiveList/finalizers':['b']}}");
    assertJson(out, "{'metadata':{'finalizers':['a','c']}}");
  }

  @Test
  public void patchReplaceDirectiveReplacesTheMap() {
    JsonNode out = apply("{'spec':{'selector':{'a':'1','b':'2'}}}", "{'spec':{'selector':{'$patch':'replace','c':'3'}}}");
    assertJson(out, "{'spec':{'selector':{'c':'3'}}}");
  }

  @Test
  public void listOfObjectsWithoutTheirMergeKeyIsReplacedWhole() {
    JsonNode out = apply("{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}", "{'spec':{'containers':[{'image':'x'}]}}");
    assertJson(out, "{'spec':{'containers':[{'image':'x'}]}}");
  }

  // ---- JSON patch ----

  @Test
  public void jsonPatchAddReplaceRemove() {
    JsonNode out = apply("{'metadata':{'labels':{'a':'1','b':'2'}},'spec':{'replicas':1}}",
        "[{'op':'add','path':'/metadata/labels/c','value':'3'},"
            + "{'op':'replace','path':'/spec/replicas','value':5},"
            + "{'op':'remove','path':'/metadata/labels/a'}]");
    assertJson(out, "{'metadata':{'labels':{'b':'2','c':'3'}},'spec':{'replicas':5}}");
  }

  @Test
  public void jsonPatchUnescapesPointerTokens() {
    JsonNode out = apply("{'metadata':{'annotations':{}}}",
        "[{'op':'add','path':'/metadata/annotations/example.com~1a~0b','value':'v'}]");
    assertJson(out, "{'metadata':{'annotations':{'example.com/a~b':'v'}}}");
  }

  @Test
  public void jsonPatchArrayOperations() {
    JsonNode out = apply("{'l':['a','b','c']}",
        "[{'op':'add','path':'/l/1','value':'x'},"
            + "{'op':'add','path':'/l/-','value':'end'},"
            + "{'op':'replace','path':'/l/0','value':'A'},"
            + "{'op':'remove','path':'/l/3'}]");
    assertJson(out, "{'l':['A','x','b','end']}");
  }

  @Test
  public void jsonPatchAddAtIndexEqualToLengthAppends() {
    assertJson(apply("{'l':['a']}", "[{'op':'add','path':'/l/1','value':'b'}]"), "{'l':['a','b']}");
  }

  @Test
  public void jsonPatchTestOpChangesNothing() {
    assertJson(apply("{'a':1}", "[{'op':'test','path':'/a','value':1}]"), "{'a':1}");
  }

  @Test
  public void jsonPatchReplaceOfTheRoot() {
    assertJson(apply("{'a':1}", "[{'op':'replace','path':'','value':{'b':2}}]"), "{'b':2}");
  }

  @Test
  public void jsonPatchThatCannotBeAppliedClaimsNoResult() {
    assertThat(Patches.apply(json("{'a':1}"), json("[{'op':'move','from':'/a','path':'/b'}]")).isPresent(), is(false));
    assertThat(Patches.apply(json("{'a':1}"), json("[{'op':'copy','from':'/a','path':'/b'}]")).isPresent(), is(false));
    assertThat(Patches.apply(json("{'l':[1]}"), json("[{'op':'replace','path':'/l/5','value':2}]")).isPresent(), is(false));
    assertThat(Patches.apply(json("{'a':1}"), json("[{'op':'add','path':'/missing/x','value':2}]")).isPresent(), is(false));
    assertThat(Patches.apply(json("{'a':1}"), json("[{'op':'remove','path':''}]")).isPresent(), is(false));
    assertThat(Patches.apply(json("{'a':1}"), json("[{'op':'add','path':'no-slash','value':2}]")).isPresent(), is(false));
  }

  @Test
  public void jsonPatchDoesNotChangeTheGivenState() {
    JsonNode state = json("{'l':['a']}");
    Patches.apply(state, json("[{'op':'add','path':'/l/-','value':'b'}]"));
    assertJson(state, "{'l':['a']}");
  }

  @Test
  public void nothingToApplyGivesEmpty() {
    assertThat(Patches.apply(null, json("{'a':1}")).isPresent(), is(false));
    assertThat(Patches.apply(json("{'a':1}"), null).isPresent(), is(false));
    assertThat(Patches.apply(json("{'a':1}"), json("\"text\"")).isPresent(), is(false));
  }
}
