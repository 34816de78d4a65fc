package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.io.ReadAuditFiles;
import dev.kelemetry.beam.io.WriteLocalDirectory;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.BuildSpans;
import dev.kelemetry.beam.transforms.Deduplicate;
import dev.kelemetry.beam.transforms.KeyByObject;
import dev.kelemetry.beam.transforms.ParseRecords;
import dev.kelemetry.beam.transforms.ResolveOwners;
import dev.kelemetry.beam.transforms.TrackObjects;
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

  /** The whole graph of a backfill, read top to bottom. */
  public static Outputs build(Pipeline pipeline, TracingConfig config) {
    return traceRecords(pipeline.apply("ReadAuditFiles", ReadAuditFiles.from(config.inputs())
        .withClusterFromPath(config.clusterFromPath())), config);
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

  /** The graph plus the local-directory sink. */
  public static void buildWithLocalOutput(Pipeline pipeline, TracingConfig config) {
    Outputs out = build(pipeline, config);
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
