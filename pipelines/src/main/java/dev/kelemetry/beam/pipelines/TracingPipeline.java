package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.io.ReadAuditFiles;
import dev.kelemetry.beam.io.ReadBigQueryLogEntries;
import dev.kelemetry.beam.io.WriteLocalDirectory;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.BuildSpans;
import dev.kelemetry.beam.transforms.Deduplicate;
import dev.kelemetry.beam.transforms.KeyByObject;
import dev.kelemetry.beam.transforms.ParseRecords;
import dev.kelemetry.beam.transforms.ResolveOwners;
import dev.kelemetry.beam.transforms.TrackObjects;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.joda.time.Duration;

/** The pipeline graph: the same for a backfill and (with another source) a live stream. */
public final class TracingPipeline {
  private TracingPipeline() {}

  /** What the graph produces, before any sink: so tests can assert on it. */
  public record Outputs(PCollection<SpanRow> spans, PCollection<DeadLetterRow> deadLetters) {}

  /** The whole graph of a backfill of files, read top to bottom. */
  public static Outputs build(Pipeline pipeline, TracingConfig config) {
    return build(pipeline, config, null);
  }

  /**
   * The whole graph of a backfill of the files of {@code config}, the BigQuery log-sink tables of {@code tables}
   * (null: none), or both: each source gives raw records and dead letters, and from there the graph is one.
   */
  public static Outputs build(Pipeline pipeline, TracingConfig config, ReadBigQueryLogEntries tables) {
    List<PCollectionTuple> sources = new ArrayList<>();
    if (!config.inputs().isEmpty()) {
      sources.add(pipeline.apply("ReadAuditFiles", ReadAuditFiles.from(config.inputs())
          .withClusterFromPath(config.clusterFromPath())));
    }
    if (tables != null) {
      sources.add(pipeline.apply("ReadBigQueryLogEntries", tables));
    }
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("a backfill needs input files or BigQuery tables");
    }
    return traceRecords(sources.size() == 1 ? sources.get(0) : allSources(sources), config);
  }

  /** The records and dead letters of several sources, each flattened into one collection. */
  private static PCollectionTuple allSources(List<PCollectionTuple> sources) {
    PCollectionList<RawRecord> records = PCollectionList.empty(sources.get(0).getPipeline());
    PCollectionList<DeadLetterRow> deadLetters = PCollectionList.empty(sources.get(0).getPipeline());
    for (PCollectionTuple source : sources) {
      records = records.and(source.get(ReadAuditFiles.RECORDS));
      deadLetters = deadLetters.and(source.get(ReadAuditFiles.DEAD_LETTERS));
    }
    return PCollectionTuple.of(ReadAuditFiles.RECORDS, records.apply("AllSources", Flatten.pCollections()))
        .and(ReadAuditFiles.DEAD_LETTERS, deadLetters.apply("AllSourcesDeadLetters", Flatten.pCollections()));
  }

  /**
   * Everything after the source, the same for every source: {@code raw} holds the source's records under
   * {@link ReadAuditFiles#RECORDS} and its dead letters under {@link ReadAuditFiles#DEAD_LETTERS}.
   */
  public static Outputs traceRecords(PCollectionTuple raw, TracingConfig config) {
    PCollectionTuple parsed = raw.get(ReadAuditFiles.RECORDS)
        .apply("ParseRecords", ParseRecords.withDefaultCluster(config.cluster()));
    PCollectionTuple tracked = parsed.get(ParseRecords.RECORDS)
        .apply("Deduplicate", Deduplicate.byAuditIdWithin(config.window()))
        .apply("KeyByObject", KeyByObject.create())
        .apply("TrackObjects", TrackObjects.inWindowsOf(config.window())
            .withStateTtl(config.stateTtl())
            .withRedactedPaths(config.redactPaths()));
    PCollectionTuple resolved = tracked.get(TrackObjects.SIGHTINGS)
        .apply("ResolveOwners", ResolveOwners.inWindowsOf(config.window())
            .withMaxDepth(config.maxOwnerDepth())
            .withLinkTtl(config.stateTtl()));
    PCollection<SpanRow> spans = BuildSpans.inputs(tracked, resolved)
        .apply("BuildSpans", BuildSpans.inWindowsOf(config.window()));
    PCollection<DeadLetterRow> deadLetters = PCollectionList
        .of(raw.get(ReadAuditFiles.DEAD_LETTERS))
        .and(parsed.get(ParseRecords.DEAD_LETTERS))
        .and(tracked.get(TrackObjects.DEAD_LETTERS))
        .apply("CollectDeadLetters", Flatten.pCollections());
    return new Outputs(spans, deadLetters);
  }

  /** The graph plus the local-directory sink ({@code tables}: BigQuery log-sink tables to read too, or null). */
  public static void buildWithLocalOutput(Pipeline pipeline, TracingConfig config, ReadBigQueryLogEntries tables) {
    Outputs out = build(pipeline, config, tables);
    WriteLocalDirectory.rows(out.spans(), out.deadLetters())
        .apply("WriteLocalDirectory", WriteLocalDirectory.to(config.output()));
  }

  /**
   * The graph of a live stream, read top to bottom: a streaming source ({@code ReadKafkaRecords},
   * {@code ReadPubsubRecords}) applied as {@code sourceStep}, the same graph, and the local directory out as one file
   * per trace window, written when the watermark passes the window's end.
   */
  public static void buildStreamWithLocalOutput(Pipeline pipeline, String sourceStep,
      PTransform<PBegin, PCollectionTuple> source, TracingConfig config) {
    Outputs out = traceRecords(pipeline.apply(sourceStep, source), config);
    WriteLocalDirectory.rows(inOutputWindows(out.spans(), config.window()), inOutputWindows(out.deadLetters(), config.window()))
        .apply("WriteLocalDirectory", WriteLocalDirectory.to(config.output()).withWindowedFiles());
  }

  /**
   * Rows grouped by trace window for a streaming sink. Nothing fires early or late: a window's rows come once, when
   * the watermark passes its end, which is when every trace in it is complete.
   */
  public static <T> PCollection<T> inOutputWindows(PCollection<T> rows, Duration window) {
    return rows.apply("ByTraceWindow", Window.<T>into(FixedWindows.of(window)));
  }
}
