package dev.kelemetry.beam.pipelines.serve;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A served directory that a running {@code stream} keeps writing to: new files are read without a restart, and a file
 * caught half-written keeps the rows read before until it is whole.
 */
public class LocalSpansTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void newFilesAreReadWithoutARestartAndAHalfWrittenOneIsWaitedFor() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    Path spans = Files.createDirectories(out.resolve("spans"));
    Files.writeString(spans.resolve("spans-a.json"), Rows.toJson(object("a", "10:00")) + "\n");
    LocalSpans source = LocalSpans.load(out);
    assertThat(source.current().spanCount(), equalTo(1));

    // the next window's file, caught while its writer is still at it
    Files.writeString(spans.resolve("spans-b.json"), Rows.toJson(object("b", "10:30")) + "\n{\"trace_id\": \"tr");
    waitOutTheRecheck();
    assertThat("the rows read before are kept", source.current().spanCount(), equalTo(1));

    Files.writeString(spans.resolve("spans-b.json"), Rows.toJson(object("b", "10:30")) + "\n");
    waitOutTheRecheck();
    assertThat(source.current().spanCount(), equalTo(2));
    assertThat(source.clusters(), equalTo(java.util.Set.of("c")));
  }

  @Test
  public void fixedRowsAreNeverReadAgain() {
    SpanStore store = new SpanStore(List.of(object("a", "10:00")));
    assertThat(LocalSpans.fixed(store).current() == store, equalTo(true));
  }

  private static void waitOutTheRecheck() throws InterruptedException {
    Thread.sleep(LocalSpans.RECHECK_MILLIS + 100);
  }

  private static SpanRow object(String name, String window) {
    String start = "2026-03-01T" + window + ":00.000000Z";
    return new SpanRow("trace-" + name, "span-" + name, "", SpanRow.KIND_OBJECT, "pods/" + name, start, start, "unset",
        "c", "", "pods", "default", name, "uid-" + name, start, Map.of(), List.of());
  }
}
