package dev.kelemetry.beam.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ReadAuditFilesTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static final String LINE_1 = "{\"kind\":\"Event\",\"auditID\":\"a\"}";
  private static final String LINE_3 = "{\"kind\":\"Event\",\"auditID\":\"b\"}";

  @Test
  public void jsonLinesBecomeOneRecordPerLineWithItsLineNumberAndCluster() throws Exception {
    Path f = tmp.newFile("audit.log").toPath();
    Files.writeString(f, LINE_1 + "\n\n" + LINE_3 + "\n");
    PCollectionTuple out = pipeline.apply(ReadAuditFiles.from(List.of(new InputSpec(f.toString(), "prod"))).withRedistribution(false));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(
        new RawRecord(f.toString(), 1, LINE_1, "prod"), new RawRecord(f.toString(), 3, LINE_3, "prod"));
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)).empty();
    pipeline.run();
  }

  @Test
  public void eachInputsRecordsCarryThatInputsCluster() throws Exception {
    java.io.File eu = tmp.newFolder("eu");
    java.io.File us = tmp.newFolder("us");
    Path a = eu.toPath().resolve("a.log");
    Path b = us.toPath().resolve("b.log");
    Files.writeString(a, LINE_1 + "\n");
    Files.writeString(b, LINE_3 + "\n");
    PCollectionTuple out = pipeline.apply(ReadAuditFiles.from(List.of(
        new InputSpec(eu + "/*.log", "prod-eu"), new InputSpec(us + "/*.log", "prod-us"))));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(
        new RawRecord(a.toString(), 1, LINE_1, "prod-eu"), new RawRecord(b.toString(), 1, LINE_3, "prod-us"));
    pipeline.run();
  }

  @Test
  public void bytesThatAreNotUtf8SpoilOnlyTheirOwnLine() throws Exception {
    Path f = tmp.newFile("latin1.log").toPath();
    byte[] bad = "{\"kind\":\"Event\",\"user\":\"Ren\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
    try (OutputStream o = Files.newOutputStream(f)) {
      o.write((LINE_1 + "\n").getBytes(StandardCharsets.UTF_8));
      o.write(bad);
      o.write(("\n" + LINE_3 + "\n").getBytes(StandardCharsets.UTF_8));
    }
    PCollectionTuple out = pipeline.apply(ReadAuditFiles.from(List.of(new InputSpec(f.toString(), ""))));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(
        new RawRecord(f.toString(), 1, LINE_1, ""),
        new RawRecord(f.toString(), 2, "{\"kind\":\"Event\",\"user\":\"Ren\ufffd\"}", ""),
        new RawRecord(f.toString(), 3, LINE_3, ""));
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)).empty();
    pipeline.run();
  }

  @Test
  public void aByteOrderMarkAndWindowsLineEndsAreNotPartOfTheRecords() throws Exception {
    Path f = tmp.newFile("windows.log").toPath();
    Files.writeString(f, "\uFEFF" + LINE_1 + "\r\n" + LINE_3 + "\r\n");
    PCollectionTuple out = pipeline.apply(ReadAuditFiles.from(List.of(new InputSpec(f.toString(), ""))));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(
        new RawRecord(f.toString(), 1, LINE_1, ""), new RawRecord(f.toString(), 2, LINE_3, ""));
    pipeline.run();
  }

  @Test
  public void gzipFilesAreReadTransparently() throws Exception {
    Path f = tmp.getRoot().toPath().resolve("audit.log.gz");
    try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(f))) {
      gz.write((LINE_1 + "\n" + LINE_3 + "\n").getBytes(StandardCharsets.UTF_8));
    }
    PCollectionTuple out = pipeline.apply(ReadAuditFiles.from(List.of(new InputSpec(f.toString(), ""))));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(
        new RawRecord(f.toString(), 1, LINE_1, ""), new RawRecord(f.toString(), 2, LINE_3, ""));
    pipeline.run();
  }

  /**
   * Firehose names its S3 objects without an extension and writes each delivered batch as its own gzip member, one
   * after another in the object: every member is read.
   */
  @Test
  public void gzipWithoutAnExtensionIsReadToo() throws Exception {
    Path f = tmp.getRoot().toPath().resolve("eks-audit-1-2026-01-01-00-00-00-4f1c");
    try (OutputStream out = Files.newOutputStream(f)) {
      for (String line : List.of(LINE_1, LINE_3)) {
        try (OutputStream member = new GZIPOutputStream(new NonClosing(out))) {
          member.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    PCollectionTuple out = pipeline.apply(ReadAuditFiles.from(List.of(new InputSpec(f.toString(), ""))));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(
        new RawRecord(f.toString(), 1, LINE_1, ""), new RawRecord(f.toString(), 2, LINE_3, ""));
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)).empty();
    pipeline.run();
  }

  /** Lets a gzip member finish without closing the file it is written into. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void close() throws java.io.IOException {
      flush();
    }
  }

  @Test
  public void prettyPrintedAndYamlDocumentsStayWholeForTheParser() throws Exception {
    Path json = tmp.newFile("eventlist.json").toPath();
    String pretty = "{\n  \"kind\": \"EventList\",\n  \"items\": []\n}\n";
    Files.writeString(json, "\n" + pretty);
    Path yaml = tmp.newFile("event.yaml").toPath();
    String doc = "# comment\nkind: Event\n---\nkind: Event\n";
    Files.writeString(yaml, doc);
    PCollectionTuple out = pipeline.apply(ReadAuditFiles.from(
        List.of(new InputSpec(json.toString(), ""), new InputSpec(yaml.toString(), ""))).withRedistribution(false));
    PAssert.that(out.get(ReadAuditFiles.RECORDS)).containsInAnyOrder(
        new RawRecord(json.toString(), 2, pretty, ""), new RawRecord(yaml.toString(), 1, doc, ""));
    pipeline.run();
  }

  @Test
  public void aCorruptGzipFileIsADeadLetterNamingTheFile() throws Exception {
    Path f = tmp.getRoot().toPath().resolve("broken.log.gz");
    Files.write(f, new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3});
    PCollectionTuple out = pipeline.apply(ReadAuditFiles.from(List.of(new InputSpec(f.toString(), ""))));
    String file = f.toString();
    PAssert.that(out.get(ReadAuditFiles.DEAD_LETTERS)).satisfies(rows -> {
      List<DeadLetterRow> list = StreamSupport.stream(rows.spliterator(), false).toList();
      assertThat(list.size(), equalTo(1));
      assertThat(list.get(0).source(), equalTo(file));
      assertThat(list.get(0).reason(), containsString("file unreadable"));
      return null;
    });
    pipeline.run();
  }

  @Test
  public void aGlobThatMatchesNothingFailsTheRun() {
    pipeline.apply(ReadAuditFiles.from(List.of(new InputSpec(tmp.getRoot() + "/nothing-*.log", ""))));
    try {
      pipeline.run();
      throw new AssertionError("expected the run to fail");
    } catch (RuntimeException e) {
      assertThat(String.valueOf(e.getMessage()) + e.getCause(), containsString("nothing-*.log"));
    }
  }
}
