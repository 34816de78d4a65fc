package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import dev.kelemetry.beam.io.InputSpec;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A log with broken and foreign lines among good ones: the good ones become spans, every other line is accounted for. */
public class BadInputTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final String GOOD = "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\","
      + "\"auditID\":\"%s\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/default/configmaps/cm\","
      + "\"verb\":\"update\",\"user\":{\"username\":\"alice\"},\"objectRef\":{\"resource\":\"configmaps\","
      + "\"namespace\":\"default\",\"name\":\"cm\",\"apiVersion\":\"v1\"},\"responseStatus\":{\"code\":200},"
      + "\"requestReceivedTimestamp\":\"2026-01-01T00:00:0%d.000000Z\",\"stageTimestamp\":\"2026-01-01T00:00:0%d.001000Z\"}";

  @Test
  public void brokenAndForeignLinesAreDeadLetteredWithFileLineAndReason() throws Exception {
    Path log = tmp.newFile("mixed.log").toPath();
    String huge = "{" + "x".repeat(10_000);
    Files.writeString(log, String.join("\n",
        String.format(GOOD, "a1", 1, 1),
        "{not json",
        "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\"}}",
        String.format(GOOD, "a2", 2, 2),
        "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"verb\":\"get\",\"stage\":\"ResponseComplete\"}",
        huge,
        "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"h\",\"verb\":\"get\",\"requestURI\":\"/healthz\","
            + "\"requestReceivedTimestamp\":\"2026-01-01T00:00:03Z\"}") + "\n");
    Path out = tmp.newFolder("out").toPath();
    RunSummary summary = Kelemetry.Backfills.run(
        TracingConfig.defaults(List.of(new InputSpec(log.toString(), "")), out.toString()), "direct", false);

    assertThat(summary.get(Counters.RECORDS_READ), equalTo(7L));
    assertThat(summary.get(Counters.RECORDS_PARSED), equalTo(2L));
    assertThat(summary.get(Counters.RECORDS_DEAD_LETTERED), equalTo(4L));
    assertThat(summary.get(Counters.RECORDS_FILTERED), equalTo(1L));
    assertThat(summary.accountsForEveryRecord(), is(true));

    List<DeadLetterRow> dead = SpanFiles.readRows(out.resolve("dead_letters"), DeadLetterRow.class);
    assertThat(dead.stream().map(DeadLetterRow::line).toList(), containsInAnyOrder(2L, 3L, 5L, 6L));
    DeadLetterRow broken = dead.stream().filter(d -> d.line() == 2).findFirst().orElseThrow();
    assertThat(broken.source(), equalTo(log.toString()));
    assertThat(broken.reason(), containsString("invalid JSON"));
    assertThat(dead.stream().filter(d -> d.line() == 3).findFirst().orElseThrow().reason(), containsString("no timestamp"));
    assertThat(dead.stream().filter(d -> d.line() == 5).findFirst().orElseThrow().reason(), containsString("auditID"));
    DeadLetterRow cut = dead.stream().filter(d -> d.line() == 6).findFirst().orElseThrow();
    assertThat(cut.raw().length(), lessThanOrEqualTo(DeadLetterRow.MAX_RAW_CHARS));
    assertThat(cut.rawLength(), equalTo((long) huge.length()));

    List<SpanRow> audit = SpanFiles.read(out).stream().filter(s -> s.kind().equals(SpanRow.KIND_AUDIT)).toList();
    assertThat(audit.stream().map(SpanRow::name).toList(), containsInAnyOrder("alice update", "alice update"));
  }
}
