package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Secret values, and values under configured paths, never reach any output file; the diff still says they changed. */
public class RedactionTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static String write(String id, String verb, String resource, int second, String body) {
    return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"RequestResponse\",\"auditID\":\"" + id + "\","
        + "\"stage\":\"ResponseComplete\",\"verb\":\"" + verb + "\",\"user\":{\"username\":\"alice\"},"
        + "\"objectRef\":{\"resource\":\"" + resource + "\",\"namespace\":\"default\",\"apiVersion\":\"v1\"},"
        + "\"responseStatus\":{\"code\":" + (verb.equals("create") ? 201 : 200) + "},"
        + "\"requestReceivedTimestamp\":\"2026-01-01T00:00:0" + second + "Z\",\"stageTimestamp\":\"2026-01-01T00:00:0" + second + ".1Z\","
        + "\"responseObject\":" + body + "}";
  }

  private static String secret(String password, String rv) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\",\"namespace\":\"default\",\"uid\":\"s1\","
        + "\"resourceVersion\":\"" + rv + "\",\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
        + "\"{\\\"data\\\":{\\\"password\\\":\\\"" + password + "\\\"}}\"}},\"data\":{\"password\":\"" + password + "\"}}";
  }

  private static String configMap(String token, String rv) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\",\"namespace\":\"default\",\"uid\":\"c1\","
        + "\"resourceVersion\":\"" + rv + "\"},\"data\":{\"token\":\"" + token + "\",\"mode\":\"" + rv + "\"}}";
  }

  @Test
  public void noOutputFileHoldsARedactedValue() throws Exception {
    Path log = tmp.newFile("audit.log").toPath();
    Files.write(log, List.of(
        write("a1", "create", "secrets", 1, secret("hunter2-first", "1")),
        write("a2", "update", "secrets", 2, secret("hunter2-second", "2")),
        write("a3", "create", "configmaps", 3, configMap("tok-first", "3")),
        write("a4", "update", "configmaps", 4, configMap("tok-second", "4")),
        // a broken Secret write: its raw text must not reach the dead letters either
        write("a5", "update", "secrets", 5, secret("hunter2-broken", "5")).replace("\"auditID\":\"a5\",", "")));
    Path out = tmp.newFolder("out").toPath();
    Kelemetry.Backfills.run(TracingConfig.defaults(List.of(new InputSpec(log.toString(), "")), out.toString())
        .withRedactPaths(List.of("configmaps:data.token")), "direct", false);

    StringBuilder everything = new StringBuilder();
    try (Stream<Path> files = Files.walk(out)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        everything.append(Files.readString(f));
      }
    }
    assertThat(everything.toString().contains("withheld"), is(true));
    for (String value : List.of("hunter2-first", "hunter2-second", "hunter2-broken", "tok-first", "tok-second")) {
      assertThat(value + " leaked", everything.toString().contains(value), is(false));
    }
    List<String> diffs = new ArrayList<>();
    for (SpanRow span : SpanFiles.read(out)) {
      for (SpanEvent e : span.events()) {
        if (e.name().equals(SpanEvent.DIFF)) {
          @SuppressWarnings("unchecked")
          List<String> lines = (List<String>) e.attributes().get("diff");
          diffs.addAll(lines);
        }
      }
    }
    assertThat(diffs, hasItem("data.password changed"));
    assertThat(diffs, hasItem("data.token changed"));
    assertThat(diffs, hasItem("data.mode \"3\" -> \"4\"")); // not configured: shown as usual
  }
}
