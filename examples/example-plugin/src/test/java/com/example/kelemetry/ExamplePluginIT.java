package com.example.kelemetry;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The plugin as a user adds it: the product's command line, started in its own JVM from the product's classpath
 * (what {@code ./kelemetry} runs), with this module's jar appended and nothing else changed. Without the jar the
 * source is unknown; with it, a backfill reads the CSV source beside a file input and the Pod span carries the
 * plugin linker's attribute.
 */
public class ExamplePluginIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static Path root;
  private static Path pluginJar;

  @BeforeClass
  public static void findTheProductAndTheJar() throws IOException {
    root = Path.of(System.getProperty("kelemetry.projectRoot"));
    try (Stream<Path> jars = Files.list(root.resolve("examples/example-plugin/target"))) {
      pluginJar = jars.filter(p -> p.getFileName().toString().matches("example-plugin-.*\\.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("the example plugin jar is not built (mvn package)"));
    }
  }

  /** Runs the product's CLI in a child JVM, with or without the plugin jar; returns exit code and output. */
  private static Result kelemetry(boolean withPlugin, String... args) throws Exception {
    String classpath = root.resolve("pipelines/target/classes") + File.pathSeparator
        + Files.readString(root.resolve("pipelines/target/classpath.txt")).strip()
        + (withPlugin ? File.pathSeparator + pluginJar : "");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx2g", "-cp", classpath, "dev.kelemetry.beam.pipelines.Kelemetry"));
    command.addAll(List.of(args));
    Path log = TMP.newFile().toPath();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the command did not finish: " + Files.readString(log));
    }
    return new Result(p.exitValue(), Files.readString(log));
  }

  record Result(int code, String output) {}

  private static List<JsonNode> rows(Path dir) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            rows.add(JSON.readTree(line));
          }
        }
      }
    }
    return rows;
  }

  @Test
  public void withoutTheJarTheSourceIsUnknownAndTheLinkerAbsent() throws Exception {
    Result plugins = kelemetry(false, "plugins");
    assertThat(plugins.output(), plugins.code(), equalTo(0));
    assertThat(plugins.output(), not(containsString("pod-configmaps")));
    Result backfill = kelemetry(false, "backfill", "--source", "csv-audit", "--source-option", "path=/nowhere",
        "--output", TMP.newFolder().toString(), "--runner", "direct");
    assertThat(backfill.code(), equalTo(1));
    assertThat(backfill.output(), containsString("no source named 'csv-audit'"));
  }

  @Test
  public void withTheJarABackfillUsesItsSourceAndItsLinker() throws Exception {
    Result plugins = kelemetry(true, "plugins");
    assertThat(plugins.output(), containsString("pod-configmaps"));
    assertThat(plugins.output(), containsString("csv-audit"));
    assertThat(plugins.output(), containsString(pluginJar.getFileName().toString()));

    Path csv = TMP.newFile("gateway.csv").toPath();
    Files.write(csv, List.of(CsvAuditSource.HEADER,
        "2026-01-01T00:00:05Z,alice,update,,v1,configmaps,default,app-config,200",
        "2026-01-01T00:00:06Z,bob,delete,,v1,configmaps,default,app-config,403",
        "not a request"));
    Path pods = TMP.newFile("pods.jsonl").toPath();
    String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\","
        + "\"uid\":\"pod-uid-1\",\"resourceVersion\":\"10\"},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"web\","
        + "\"envFrom\":[{\"configMapRef\":{\"name\":\"app-env\"}}]}],\"volumes\":[{\"name\":\"cfg\",\"configMap\":{\"name\":\"app-config\"}}]}}";
    Files.writeString(pods, "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"RequestResponse\","
        + "\"auditID\":\"pod-create-1\",\"stage\":\"ResponseComplete\",\"verb\":\"create\",\"user\":{\"username\":\"carol\"},"
        + "\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"default\",\"name\":\"web-1\",\"apiVersion\":\"v1\"},"
        + "\"responseStatus\":{\"code\":201},\"requestObject\":" + pod + ",\"responseObject\":" + pod + ","
        + "\"requestReceivedTimestamp\":\"2026-01-01T00:00:01.000000Z\",\"stageTimestamp\":\"2026-01-01T00:00:01.100000Z\"}\n");
    Path out = TMP.newFolder("out").toPath();

    Result backfill = kelemetry(true, "backfill", "--input", pods.toString(), "--source", "csv-audit",
        "--source-option", "path=" + csv, "--cluster", "plugged", "--output", out.toString(), "--runner", "direct");
    assertThat(backfill.output(), backfill.code(), equalTo(0));
    assertThat(backfill.output(), containsString("source csv-audit"));

    List<JsonNode> spans = rows(out.resolve("spans"));
    List<String> names = spans.stream().map(s -> s.path("name").asText()).toList();
    assertThat(names, hasItem("alice update"));
    assertThat(names, hasItem("bob delete (Forbidden)"));
    JsonNode podSpan = spans.stream().filter(s -> s.path("kind").asText().equals("object") && s.path("uid").asText().equals("pod-uid-1"))
        .findFirst().orElseThrow();
    assertThat(podSpan.path("attributes").path("kelemetry.link.pod-configmaps").asText(),
        equalTo("configmaps/default/app-config, configmaps/default/app-env"));

    List<JsonNode> dead = rows(out.resolve("dead_letters"));
    assertThat(dead, hasSize(1));
    assertThat(dead.get(0).path("reason").asText(), containsString("a row needs 9 fields"));
    JsonNode records = JSON.readTree(out.resolve("summary.json").toFile()).path("records");
    assertThat(records.toString(), records.path("read").asLong(), equalTo(4L)); // the Pod line and 3 CSV rows
    assertThat(records.toString(), records.path("dead_lettered").asLong(), equalTo(1L));
    assertThat(records.toString(), records.path("accounted_for").asBoolean(), equalTo(true));
  }
}
