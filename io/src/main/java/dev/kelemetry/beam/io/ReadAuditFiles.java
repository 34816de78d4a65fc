package dev.kelemetry.beam.io;

import dev.kelemetry.beam.plugins.SourceOutputs;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.channels.Channels;
import java.io.UncheckedIOException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads audit-log files (local, {@code s3://} or {@code gs://} paths or globs; compression by extension, and gzip also
 * without one) into raw records with their file and line. A file whose first line is a whole JSON value is read as JSON lines, one record per line; any
 * other file (pretty-printed JSON, an {@code EventList} document, YAML with {@code ---} separators) is one document
 * for the parser. A file that cannot be read becomes a dead letter naming the file and the line where reading stopped.
 *
 * <p>Each file is read and parsed by one worker; many files spread over all workers. Redistributing the lines of
 * one large file before parsing ({@link #withRedistribution}) measured no faster on two cores (the lines then cost an
 * encode and a decode), so it is off by default.
 */
public final class ReadAuditFiles extends PTransform<PBegin, PCollectionTuple> {
  /** The tags every source uses, so the graph after the source is the same for all (see the plugin API). */
  public static final TupleTag<RawRecord> RECORDS = SourceOutputs.RECORDS;
  public static final TupleTag<DeadLetterRow> DEAD_LETTERS = SourceOutputs.DEAD_LETTERS;

  private final List<InputSpec> inputs;
  private final boolean redistribute;
  private final Pattern clusterFromPath;

  private ReadAuditFiles(List<InputSpec> inputs, boolean redistribute, Pattern clusterFromPath) {
    this.inputs = List.copyOf(inputs);
    this.redistribute = redistribute;
    this.clusterFromPath = clusterFromPath;
  }

  public static ReadAuditFiles from(List<InputSpec> inputs) {
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("at least one input is required");
    }
    return new ReadAuditFiles(inputs, false, null);
  }

  /** Whether to spread the lines of each file over all workers before parsing (off by default). */
  public ReadAuditFiles withRedistribution(boolean on) {
    return new ReadAuditFiles(inputs, on, clusterFromPath);
  }

  /**
   * The cluster of a file whose input names none is the first group of {@code pattern} found in the file's path (or
   * the whole match), e.g. {@code /clusters/([^/]+)/}. A file it does not match is a dead letter: guessing would put
   * its records in the wrong cluster.
   */
  public ReadAuditFiles withClusterFromPath(Pattern pattern) {
    return new ReadAuditFiles(inputs, redistribute, pattern);
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    // One branch per input, so each file's records carry the cluster of the input that matched it.
    List<PCollection<RawRecord>> records = new ArrayList<>();
    List<PCollection<DeadLetterRow>> deadLetters = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      InputSpec input = inputs.get(i);
      PCollectionTuple split = begin
          .apply("Match" + i, FileIO.match().filepattern(input.glob()).withEmptyMatchTreatment(EmptyMatchTreatment.DISALLOW))
          .apply("Open" + i, FileIO.readMatches().withCompression(Compression.AUTO))
          .apply("SplitIntoRecords" + i, ParDo.of(new SplitFn(input.cluster(), input.cluster().isEmpty() ? clusterFromPath : null))
              .withOutputTags(RECORDS, TupleTagList.of(DEAD_LETTERS)));
      records.add(split.get(RECORDS).setCoder(RecordCoders.raw()));
      deadLetters.add(split.get(DEAD_LETTERS).setCoder(JsonCoder.of(DeadLetterRow.class)));
    }
    PCollection<RawRecord> all = PCollectionList.of(records).apply("AllRecords", Flatten.pCollections());
    if (redistribute) {
      all = all.apply("SpreadOverWorkers", Reshuffle.viaRandomKey());
    }
    return PCollectionTuple.of(RECORDS, all)
        .and(DEAD_LETTERS, PCollectionList.of(deadLetters).apply("AllDeadLetters", Flatten.pCollections()));
  }

  static final class SplitFn extends DoFn<FileIO.ReadableFile, RawRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(ReadAuditFiles.class);
    private static final long PROGRESS_EVERY_MILLIS = 10_000;

    private final String cluster;
    private final Pattern clusterFromPath;
    private final Counter items = Metrics.counter(Counters.NAMESPACE, Counters.INPUT_ITEMS);
    private final Counter read = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_READ);
    private final Counter deadLettered = Metrics.counter(Counters.NAMESPACE, Counters.RECORDS_DEAD_LETTERED);

    SplitFn(String cluster, Pattern clusterFromPath) {
      this.cluster = cluster;
      this.clusterFromPath = clusterFromPath;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out) {
      String source = file.getMetadata().resourceId().toString();
      String cluster = this.cluster;
      if (clusterFromPath != null) {
        Matcher m = clusterFromPath.matcher(source);
        if (!m.find()) {
          items.inc();
          read.inc();
          deadLettered.inc();
          out.get(DEAD_LETTERS).output(DeadLetterRow.of(source, 0, "ReadAuditFiles",
              "the path does not match --cluster-from-path " + clusterFromPath.pattern() + ": no cluster to put it in", ""));
          return;
        }
        cluster = m.groupCount() > 0 && m.group(1) != null ? m.group(1) : m.group();
      }
      long line = 0;
      long lastReport = System.currentTimeMillis();
      long bytes = file.getMetadata().sizeBytes();
      long chars = 0; // characters read, a good measure of progress through an uncompressed ASCII-heavy file
      boolean compressed = file.getCompression() != Compression.UNCOMPRESSED;
      // Bytes that are not UTF-8 become U+FFFD rather than ending the file: the line holding them still gets parsed
      // (or dead-lettered) on its own.
      CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
      // A name without a compression extension may still hold gzip: Firehose writes its objects without one, and so
      // do tools that rotate logs by number. Beam's gzip reader looks at the first two bytes and passes anything that
      // is not gzip through unchanged, so such files are read either way.
      try (Reader reader = Channels.newReader(
              compressed ? file.open() : Compression.GZIP.readDecompressed(file.open()), utf8, -1);
          BufferedReader lines = new BufferedReader(reader, 1 << 16)) {
        String first = null;
        long firstLine = 0;
        while ((first = lines.readLine()) != null) {
          line++;
          if (line == 1 && first.startsWith("\uFEFF")) {
            first = first.substring(1); // a byte-order mark, as some Windows tools write
          }
          if (!first.isBlank()) {
            firstLine = line;
            break;
          }
        }
        if (first == null) {
          return; // an empty file holds no records
        }
        if (isWholeJsonLine(first)) {
          out.get(RECORDS).output(new RawRecord(source, firstLine, first, cluster));
          items.inc();
          for (String text; (text = lines.readLine()) != null; ) {
            line++;
            chars += text.length() + 1;
            if (!text.isBlank()) {
              out.get(RECORDS).output(new RawRecord(source, line, text, cluster));
              items.inc();
            }
            if ((line & 0xFFF) == 0 && System.currentTimeMillis() - lastReport > PROGRESS_EVERY_MILLIS) {
              lastReport = System.currentTimeMillis();
              LOG.info("read {} lines of {}{}", String.format("%,d", line), source,
                  compressed ? "" : String.format(" (%d%%)", Math.min(100, 100 * chars / Math.max(1, bytes))));
            }
          }
        } else {
          StringBuilder doc = new StringBuilder(first).append('\n');
          for (String text; (text = lines.readLine()) != null; ) {
            line++;
            doc.append(text).append('\n');
          }
          out.get(RECORDS).output(new RawRecord(source, firstLine, doc.toString(), cluster));
          items.inc();
        }
      } catch (IOException | UncheckedIOException e) {
        // Only read failures (a truncated or corrupt .gz, a vanished file) end here; a failure downstream is not a
        // property of the file and must surface as itself.
        read.inc();
        deadLettered.inc();
        out.get(DEAD_LETTERS).output(DeadLetterRow.of(source, line, "ReadAuditFiles",
            "file unreadable after line " + line + ": " + e, ""));
      }
    }

    /** JSON lines start every line with a whole value; pretty-printed JSON starts with a lone brace. */
    static boolean isWholeJsonLine(String line) {
      String t = line.strip();
      return (t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]") && t.length() > 1);
    }
  }
}
