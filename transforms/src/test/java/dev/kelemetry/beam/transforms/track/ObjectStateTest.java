package dev.kelemetry.beam.transforms.track;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.kelemetry.beam.transforms.coders.JsonCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

public class ObjectStateTest {
  @Test
  public void aStateWithNoBodySurvivesTheCoderAsNoBody() throws Exception {
    // Streaming runners encode state between bundles; "no body seen" must not come back as a JSON null node, which
    // the tracker would diff against as if it were an earlier state.
    ObjectState noBody = ObjectState.empty();
    ObjectState decoded = CoderUtils.clone(JsonCoder.of(ObjectState.class), noBody);
    assertThat(decoded.state(), nullValue());
    assertThat(decoded, equalTo(noBody));
  }
}
