package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.schemas.Rows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.junit.Test;

/**
 * deploy/flex-template/metadata.json against {@link TemplateOptions}, and the check itself shown to fail on copies
 * of the file with one thing wrong each.
 */
public class TemplateMetadataTest {
  private static final Path METADATA = Path.of("..", "deploy", "flex-template", "metadata.json");

  private static String metadata() throws Exception {
    return Files.readString(METADATA);
  }

  /** The metadata with {@code change} applied to its parameters array, as text. */
  private static String changed(java.util.function.Consumer<ArrayNode> change) throws Exception {
    ObjectNode doc = (ObjectNode) Rows.fromJson(metadata(), JsonNode.class);
    change.accept((ArrayNode) doc.get("parameters"));
    return Rows.toJson(doc);
  }

  private static ObjectNode parameter(ArrayNode parameters, String name) {
    for (JsonNode p : parameters) {
      if (p.path("name").asText().equals(name)) {
        return (ObjectNode) p;
      }
    }
    throw new AssertionError("no parameter " + name);
  }

  @Test
  public void theMetadataDeclaresExactlyTheTemplatesOptions() throws Exception {
    assertThat(TemplateMetadataCheck.problems(metadata(), TemplateOptions.class), equalTo(List.of()));
  }

  @Test
  public void theContractsParameterNamesAreTheOnesDeclared() throws Exception {
    List<String> names = Rows.fromJson(metadata(), JsonNode.class).path("parameters").findValuesAsText("name");
    assertThat(names, contains("mode", "input", "since", "until", "pubsubSubscription", "kafkaBootstrap", "topic",
        "kafkaAuth", "cluster", "window", "maxOwnerDepth", "stateTtl", "bigqueryDataset", "metricsWindow", "noMetrics",
        "otlpEndpoint", "otlpProtocol", "otlpHeaderSecret", "watermarkDelay", "allowedLateness"));
  }

  @Test
  public void aParameterTheOptionsDoNotHaveFailsTheCheck() throws Exception {
    String json = changed(ps -> ps.addObject().put("name", "kafkaConsumerGroup").put("label", "Group")
        .put("helpText", "a group").put("isOptional", true));
    assertThat(TemplateMetadataCheck.problems(json, TemplateOptions.class),
        contains(containsString("kafkaConsumerGroup: in the metadata but not an option")));
  }

  @Test
  public void anOptionTheMetadataDoesNotDeclareFailsTheCheck() throws Exception {
    String json = changed(ps -> ps.remove(List.of(ps.findValuesAsText("name").toArray()).indexOf("stateTtl")));
    assertThat(TemplateMetadataCheck.problems(json, TemplateOptions.class),
        contains(containsString("stateTtl: an option of TemplateOptions the metadata does not declare")));
  }

  /** An option added to the interface and not to the metadata: the direction a code change usually breaks. */
  interface WithAnUndeclaredOption extends TemplateOptions {
    @Description("a new option")
    @Default.String("x")
    String getNewOption();

    void setNewOption(String value);
  }

  @Test
  public void anOptionAddedToTheInterfaceAloneFailsTheCheck() throws Exception {
    assertThat(TemplateMetadataCheck.problems(metadata(), WithAnUndeclaredOption.class),
        contains(containsString("newOption: an option of WithAnUndeclaredOption the metadata does not declare")));
  }

  @Test
  public void requiredNessThatDiffersFailsTheCheck() throws Exception {
    String json = changed(ps -> {
      parameter(ps, "mode").put("isOptional", true);
      parameter(ps, "window").put("isOptional", false);
    });
    List<String> problems = TemplateMetadataCheck.problems(json, TemplateOptions.class);
    assertThat(problems, hasItem(containsString("mode: isOptional is true but the option is @Validation.Required")));
    assertThat(problems, hasItem(containsString("window: isOptional is false but the option is optional")));
    assertThat(problems.size(), equalTo(2));
  }

  @Test
  public void aRegexTheDefaultDoesNotMatchFailsTheCheck() throws Exception {
    String json = changed(ps -> parameter(ps, "window").putArray("regexes").add("^[0-9]+m$").add("^[0-9]+h$"));
    assertThat(TemplateMetadataCheck.problems(json, TemplateOptions.class),
        contains(containsString("window: its default '30m' does not match ^[0-9]+h$")));
  }

  @Test
  public void aStandardDataflowOptionMayBeDeclared() throws Exception {
    String json = changed(ps -> ps.addObject().put("name", "maxNumWorkers").put("label", "Max workers")
        .put("helpText", "Dataflow's own").put("isOptional", true));
    assertThat(TemplateMetadataCheck.problems(json, TemplateOptions.class), equalTo(List.of()));
  }
}
