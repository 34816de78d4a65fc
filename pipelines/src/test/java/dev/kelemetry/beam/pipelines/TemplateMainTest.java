package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import com.sun.net.httpserver.HttpServer;
import dev.kelemetry.beam.io.InputSpec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;
import org.junit.Test;

/** Template parameters to the run's settings, and the clear error of each combination that cannot run. */
public class TemplateMainTest {

  private static TemplateMain.Plan plan(String... parameters) {
    List<String> args = new ArrayList<>(List.of(parameters));
    args.add("--project=proj"); // the launcher always passes Dataflow's own options
    if (args.stream().noneMatch(a -> a.startsWith("--bigqueryDataset="))) {
      args.add("--bigqueryDataset=proj:k8s_traces");
    }
    TemplateOptions options = PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).withValidation()
        .as(TemplateOptions.class);
    return TemplateMain.plan(options, secret -> Map.of("x-api-key", "from " + secret));
  }

  private static String error(String... parameters) {
    return assertThrows(IllegalArgumentException.class, () -> plan(parameters)).getMessage();
  }

  @Test
  public void aBackfillGetsTheCommandLinesSettings() {
    TemplateMain.Plan plan = plan("--mode=backfill", "--input=gs://logs/a/**, gs://logs/b/*.gz@prod",
        "--since=2026-03-01T00:00:00Z", "--until=2026-03-02T00:00:00Z", "--cluster=eu", "--window=1h",
        "--maxOwnerDepth=4", "--stateTtl=12h", "--metricsWindow=5m", "--noMetrics=true");
    TracingConfig c = plan.config();
    assertThat(plan.stream(), nullValue());
    assertThat(c.inputs(), equalTo(List.of(new InputSpec("gs://logs/a/**", ""), new InputSpec("gs://logs/b/*.gz", "prod"))));
    assertThat(c.since(), equalTo(Instant.parse("2026-03-01T00:00:00Z")));
    assertThat(c.until(), equalTo(Instant.parse("2026-03-02T00:00:00Z")));
    assertThat(c.cluster(), equalTo("eu"));
    assertThat(c.window(), equalTo(Duration.standardHours(1)));
    assertThat(c.maxOwnerDepth(), equalTo(4));
    assertThat(c.stateTtl(), equalTo(Duration.standardHours(12)));
    assertThat(c.metricsWindow(), equalTo(Duration.standardMinutes(5)));
    assertThat(c.metrics().requests().isEmpty() && !c.metrics().reactions(), equalTo(true));
    assertThat(c.bigQuery().project() + ":" + c.bigQuery().dataset(), equalTo("proj:k8s_traces"));
    assertThat(c.otlp(), nullValue());
    assertThat("a batch job keeps @RequiresTimeSortedInput", c.sortingInState(), equalTo(false));
  }

  @Test
  public void theDefaultsAreTheCommandLines() {
    TracingConfig c = plan("--mode=backfill", "--input=gs://logs/**").config();
    TracingConfig cli = TracingConfig.defaults(List.of(new InputSpec("gs://logs/**", "")), null);
    assertThat(c.cluster(), equalTo(cli.cluster()));
    assertThat(c.window(), equalTo(cli.window()));
    assertThat(c.maxOwnerDepth(), equalTo(cli.maxOwnerDepth()));
    assertThat(c.stateTtl(), equalTo(cli.stateTtl()));
    assertThat(c.metricsWindow(), equalTo(cli.metricsWindow()));
    assertThat(c.metrics().requests().size(), equalTo(cli.metrics().requests().size()));
    assertThat(c.since(), nullValue());
  }

  @Test
  public void aPubsubStreamSortsInStateAndKeepsTheWatermarkSettings() {
    TemplateMain.Plan plan = plan("--mode=stream", "--pubsubSubscription=projects/p/subscriptions/audit",
        "--watermarkDelay=2m", "--allowedLateness=30s", "--otlpEndpoint=https://otlp.example:4318",
        "--otlpProtocol=http/protobuf", "--otlpHeaderSecret=projects/p/secrets/otlp/versions/3");
    assertThat(plan.stream().pubsubSubscription(), equalTo("projects/p/subscriptions/audit"));
    assertThat(plan.stream().sourceStep(), equalTo("ReadPubsubRecords"));
    assertThat(plan.stream().sourceDelay(), equalTo(Duration.standardSeconds(150)));
    assertThat(plan.config().sortingInState(), equalTo(true));
    assertThat(plan.config().otlp().protocol(), equalTo("http/protobuf"));
    assertThat(plan.config().otlp().headers(), equalTo(Map.of("x-api-key", "from projects/p/secrets/otlp/versions/3")));
  }

  @Test
  public void aKafkaStreamReadsItsTopicsWithTheFixedCluster() {
    TemplateMain.Plan plan = plan("--mode=stream", "--kafkaBootstrap=b1:9092,b2:9092", "--topic=audit-a,audit-b",
        "--cluster=prod");
    assertThat(plan.stream().bootstrapServers(), equalTo("b1:9092,b2:9092"));
    assertThat(plan.stream().topics(), equalTo(List.of("audit-a", "audit-b")));
    assertThat(plan.stream().clusterRule().fixed(), equalTo("prod"));
    assertThat(plan.stream().sourceStep(), equalTo("ReadKafkaRecords"));
    assertThat(plan.stream().kafkaProperties(), equalTo(Map.of()));
    // Managed Kafka: Google's SASL login with the workers' credentials
    TemplateMain.Plan managed = plan("--mode=stream", "--kafkaBootstrap=b1:9092", "--topic=audit", "--kafkaAuth=google");
    assertThat(managed.stream().kafkaProperties(), equalTo(KafkaAuth.properties("google")));
  }

  @Test
  public void combinationsThatCannotRunAreRefusedInWords() {
    assertThat(error("--mode=stream"), containsString("mode=stream needs a source"));
    assertThat(error("--mode=backfill"), containsString("mode=backfill needs input"));
    assertThat(error("--mode=stream", "--pubsubSubscription=projects/p/subscriptions/s", "--kafkaBootstrap=b:9092",
        "--topic=t"), containsString("not both"));
    assertThat(error("--mode=stream", "--kafkaBootstrap=b:9092"), containsString("both kafkaBootstrap and topic"));
    assertThat(error("--mode=stream", "--pubsubSubscription=audit"), containsString("projects/P/subscriptions/S"));
    assertThat(error("--mode=stream", "--pubsubSubscription=projects/p/subscriptions/s", "--input=gs://x/*"),
        containsString("for mode=backfill"));
    assertThat(error("--mode=backfill", "--input=gs://x/*", "--pubsubSubscription=projects/p/subscriptions/s"),
        containsString("for mode=stream"));
    assertThat(error("--mode=replay", "--input=gs://x/*"), containsString("mode must be stream or backfill"));
    assertThat(error("--mode=backfill", "--input=gs://x/*", "--window=7m"), containsString("must divide a day"));
    assertThat(error("--mode=backfill", "--input=gs://x/*", "--stateTtl=soon"), containsString("stateTtl takes a duration"));
    assertThat(error("--mode=backfill", "--input=gs://x/*", "--since=yesterday"), containsString("since takes an RFC 3339"));
    assertThat(error("--mode=backfill", "--input=gs://x/*", "--since=2026-03-02T00:00:00Z",
        "--until=2026-03-01T00:00:00Z"), containsString("must be before until"));
    assertThat(error("--mode=backfill", "--input=gs://x/*", "--otlpHeaderSecret=projects/p/secrets/s/versions/1"),
        containsString("otlpEndpoint, which is not set"));
    assertThat(error("--mode=stream", "--pubsubSubscription=projects/p/subscriptions/s", "--kafkaAuth=google"),
        containsString("kafkaAuth is for a Kafka stream"));
    assertThat(error("--mode=stream", "--kafkaBootstrap=b:9092", "--topic=t", "--kafkaAuth=kerberos"),
        containsString("one of [none, google]"));
    // Beam's own validation of the required parameters
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> PipelineOptionsFactory.fromArgs("--mode=stream", "--project=p").withValidation().as(TemplateOptions.class));
    assertThat(missing.getMessage(), containsString("--bigqueryDataset"));
  }

  /** Secret Manager's REST API played by a server on loopback, as the launcher would call it. */
  @Test
  public void otlpHeadersComeFromTheSecretVersionsPayload() throws Exception {
    AtomicReference<String> asked = new AtomicReference<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      asked.set(exchange.getRequestURI().getPath() + " " + exchange.getRequestHeaders().getFirst("Authorization"));
      boolean known = exchange.getRequestURI().getPath().contains("/secrets/otlp/");
      String payload = Base64.getEncoder().encodeToString(
          "# headers for the collector\nx-api-key = s3cr3t\n\nx-tenant=kube\n".getBytes(StandardCharsets.UTF_8));
      byte[] body = (known ? "{\"name\":\"x\",\"payload\":{\"data\":\"" + payload + "\"}}"
          : "{\"error\":{\"code\":404,\"message\":\"Secret [projects/p/secrets/nope] not found or has no versions.\"}}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(known ? 200 : 404, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    String api = "http://127.0.0.1:" + server.getAddress().getPort();
    try {
      Map<String, String> headers = SecretHeaders.read("projects/p/secrets/otlp/versions/2", api, () -> "token-1");
      assertThat(headers, equalTo(Map.of("x-api-key", "s3cr3t", "x-tenant", "kube")));
      assertThat(asked.get(), equalTo("/v1/projects/p/secrets/otlp/versions/2:access Bearer token-1"));
      IllegalStateException refused = assertThrows(IllegalStateException.class,
          () -> SecretHeaders.read("projects/p/secrets/nope/versions/latest", api, () -> "token-1"));
      assertThat(refused.getMessage(), containsString("HTTP 404 Secret [projects/p/secrets/nope] not found"));
    } finally {
      server.stop(0);
    }
    assertThat(assertThrows(IllegalArgumentException.class,
        () -> SecretHeaders.read("otlp-headers", api, () -> "t")).getMessage(), containsString("projects/P/secrets/S/versions/V"));
    String badLine = assertThrows(IllegalArgumentException.class,
        () -> SecretHeaders.parse("x-api-key=a\njust-the-secret-value\n", "projects/p/secrets/s/versions/1")).getMessage();
    assertThat(badLine, containsString("line 2 is not KEY=VALUE"));
    assertThat("the message does not repeat the line", badLine, not(containsString("just-the-secret-value")));
  }
}
