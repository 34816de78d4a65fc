package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.io.ReadAuditFiles;
import dev.kelemetry.beam.io.ReadBigQueryLogEntries;
import dev.kelemetry.beam.io.WriteLocalDirectory;
import dev.kelemetry.beam.io.bigquery.WriteBigQuery;
import dev.kelemetry.beam.io.otlp.WriteOtlp;
import dev.kelemetry.beam.io.otlp.WriteOtlpMetrics;
import dev.kelemetry.beam.plugins.SourceOutputs;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.BuildSpans;
import dev.kelemetry.beam.transforms.Deduplicate;
import dev.kelemetry.beam.transforms.KeepTimeRange;
import dev.kelemetry.beam.transforms.KeyByObject;
import dev.kelemetry.beam.transforms.LinkRows;
import dev.kelemetry.beam.transforms.ParseRecords;
import dev.kelemetry.beam.transforms.ResolveOwners;
import dev.kelemetry.beam.transforms.TrackObjects;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.metrics.AggregateMetrics;
import dev.kelemetry.beam.transforms.metrics.ComputeMetrics;
import dev.kelemetry.beam.transforms.metrics.MetricDefinitions;
import dev.kelemetry.beam.transforms.metrics.ReactionTimes;
import dev.kelemetry.beam.transforms.links.ObjectLinks;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Create;
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
  public record Outputs(PCollection<SpanRow> spans, PCollection<DeadLetterRow> deadLetters, PCollection<LinkRow> links,
      PCollection<MetricRow> metrics) {}

  /** The rows of the graph; its dead letters went to the run's error handler. */
  record Traced(PCollection<SpanRow> spans, PCollection<LinkRow> links, PCollection<MetricRow> metrics) {}

  /** The whole graph of a backfill of files, read top to bottom. */
  public static Outputs build(Pipeline pipeline, TracingConfig config) {
    return build(pipeline, config, null);
  }

  /**
   * The whole graph of a backfill of the files of {@code config}, the BigQuery log-sink tables of {@code tables}
   * (null: none) and the plugin sources it names: each source gives raw records and dead letters, and from there
   * the graph is one.
   */
  public static Outputs build(Pipeline pipeline, TracingConfig config, ReadBigQueryLogEntries tables) {
    return traceRecords(readSources(pipeline, config, tables), config);
  }

  /** Every source of a backfill, as one source. */
  static PCollectionTuple readSources(Pipeline pipeline, TracingConfig config, ReadBigQueryLogEntries tables) {
    List<PCollectionTuple> reads = new ArrayList<>();
    if (!config.inputs().isEmpty()) {
      reads.add(pipeline.apply("ReadAuditFiles", ReadAuditFiles.from(config.inputs())
          .withClusterFromPath(config.clusterFromPath())));
    }
    if (tables != null) {
      reads.add(pipeline.apply("ReadBigQueryLogEntries", tables));
    }
    reads.addAll(PluginSources.read(pipeline, config.plugins()));
    if (reads.isEmpty()) {
      throw new IllegalArgumentException("nothing to read: give --input, --bigquery-table or --source");
    }
    if (reads.size() == 1) {
      return reads.get(0);
    }
    PCollectionList<RawRecord> records = PCollectionList.empty(pipeline);
    PCollectionList<DeadLetterRow> deadLetters = PCollectionList.empty(pipeline);
    for (PCollectionTuple read : reads) {
      records = records.and(read.get(SourceOutputs.RECORDS));
      deadLetters = deadLetters.and(read.get(SourceOutputs.DEAD_LETTERS));
    }
    return SourceOutputs.of(records.apply("AllSources", Flatten.pCollections()),
        deadLetters.apply("AllSourceDeadLetters", Flatten.pCollections()));
  }

  /**
   * Everything after the source, the same for every source: {@code raw} holds the source's records under
   * {@link ReadAuditFiles#RECORDS} and its dead letters under {@link ReadAuditFiles#DEAD_LETTERS}.
   */
  public static Outputs traceRecords(PCollectionTuple raw, TracingConfig config) {
    DeadLetters deadLetters = DeadLetters.register(raw.getPipeline());
    Traced traced = trace(raw, config, deadLetters);
    return new Outputs(traced.spans(), deadLetters.close(), traced.links(), traced.metrics());
  }

  /** The graph itself, read top to bottom; every step's dead letters go to {@code deadLetters}. */
  static Traced trace(PCollectionTuple raw, TracingConfig config, DeadLetters deadLetters) {
    PCollectionTuple parsed = raw.get(ReadAuditFiles.RECORDS)
        .apply("ParseRecords", ParseRecords.withDefaultCluster(config.cluster()));
    PCollection<ControlPlaneRecord> records = inTimeRange(parsed.get(ParseRecords.RECORDS), "KeepTimeRange", config)
        .apply("Deduplicate", Deduplicate.byAuditIdWithin(config.window()));
    TrackObjects track = TrackObjects.inWindowsOf(config.window())
        .withStateTtl(config.stateTtl())
        .withRedactedPaths(config.redactPaths())
        .withLinks(ObjectLinks.discovered(config.plugins().disabledLinkers()));
    ResolveOwners resolve = ResolveOwners.inWindowsOf(config.window())
        .withMaxDepth(config.maxOwnerDepth())
        .withLinkTtl(config.stateTtl());
    PCollectionTuple tracked = records
        .apply("KeyByObject", KeyByObject.create())
        .apply("TrackObjects", config.sortingInState() ? track.sortingInState() : track);
    PCollectionTuple resolved = tracked.get(TrackObjects.SIGHTINGS)
        .apply("ResolveOwners", config.sortingInState() ? resolve.sortingInState() : resolve);
    PCollection<SpanRow> spans = BuildSpans.inputs(tracked, resolved)
        .apply("BuildSpans", BuildSpans.inWindowsOf(config.window()));
    PCollection<LinkRow> links = tracked.get(TrackObjects.SIGHTINGS).apply("LinkRows", LinkRows.inWindowsOf(config.window()));
    PCollection<MetricRow> metrics = computeMetrics(records,
        inTimeRange(parsed.get(ParseRecords.UNTRACED_REQUESTS), "KeepTimeRangeUntraced", config), spans, config);
    deadLetters.add(raw.get(ReadAuditFiles.DEAD_LETTERS), "SourceDeadLetters");
    deadLetters.add(parsed.get(ParseRecords.DEAD_LETTERS), "ParseDeadLetters");
    deadLetters.add(tracked.get(TrackObjects.DEAD_LETTERS), "TrackDeadLetters");
    return new Traced(spans, links, metrics);
  }

  /** The records in the config's time range; the step is there only when a range is set. */
  private static PCollection<ControlPlaneRecord> inTimeRange(PCollection<ControlPlaneRecord> records, String step,
      TracingConfig config) {
    if (config.since() == null && config.until() == null) {
      return records;
    }
    return records.apply(step, KeepTimeRange.between(config.since(), config.until()));
  }

  /**
   * Request metrics from every audit request once: the traced ones as deduplicated for tracing, the untraced ones
   * (lists, watches, Event writes, ...) deduplicated here; per metric window. Reaction times from the spans, per
   * trace window.
   */
  static PCollection<MetricRow> computeMetrics(PCollection<ControlPlaneRecord> traced,
      PCollection<ControlPlaneRecord> untraced, PCollection<SpanRow> spans, TracingConfig config) {
    MetricDefinitions metrics = config.metrics();
    PCollectionList<MetricRow> rows = PCollectionList.empty(traced.getPipeline());
    if (!metrics.requests().isEmpty()) {
      rows = rows.and(PCollectionList.of(traced)
          .and(untraced.apply("DeduplicateUntracedRequests", Deduplicate.byAuditIdWithin(config.window()).uncounted()))
          .apply("AllRequests", Flatten.pCollections())
          .apply("ComputeMetrics", ComputeMetrics.of(metrics.requests(), config.metricsWindow())));
    }
    if (metrics.reactions()) {
      rows = rows.and(spans.apply("ReactionTimes", ReactionTimes.inWindowsOf(config.window()))
          .apply("AggregateReactions", AggregateMetrics.perWindowOf(config.window())));
    }
    if (rows.size() == 0) {
      return traced.getPipeline().apply("NoMetrics", Create.empty(JsonCoder.of(MetricRow.class)));
    }
    return rows.apply("AllMetrics", Flatten.pCollections());
  }

  /** The graph plus its sinks: the local directory, and OTLP and BigQuery when set. */
  public static void buildWithLocalOutput(Pipeline pipeline, TracingConfig config) {
    buildWithLocalOutput(pipeline, config, null);
  }

  /** The same, reading BigQuery log-sink {@code tables} too (null: none). */
  public static void buildWithLocalOutput(Pipeline pipeline, TracingConfig config, ReadBigQueryLogEntries tables) {
    DeadLetters deadLetters = DeadLetters.register(pipeline);
    Traced traced = trace(readSources(pipeline, config, tables), config, deadLetters);
    exportOtlp(traced, config, deadLetters);
    writeBigQuery(traced, config, deadLetters);
    PCollection<DeadLetterRow> allDeadLetters = writeDeadLetters(deadLetters, config);
    WriteLocalDirectory.rows(traced.spans(), allDeadLetters, traced.links(), traced.metrics())
        .apply("WriteLocalDirectory", WriteLocalDirectory.to(config.output()));
  }

  /**
   * The graph of a Dataflow job (the Flex Template's): the sources of a backfill ({@code source} null) or a streaming
   * source applied as {@code sourceStep}, the same graph, and only the remote sinks, BigQuery and OTLP: a worker's disk
   * is no place for the output. Every dead letter goes to the BigQuery dead_letters table.
   */
  public static void buildWithRemoteSinks(Pipeline pipeline, String sourceStep,
      PTransform<PBegin, PCollectionTuple> source, TracingConfig config) {
    if (config.bigQuery() == null) {
      throw new IllegalArgumentException("a job without a local directory needs a BigQuery dataset for its rows");
    }
    DeadLetters deadLetters = DeadLetters.register(pipeline);
    PCollectionTuple raw = source == null ? readSources(pipeline, config, null) : pipeline.apply(sourceStep, source);
    Traced traced = trace(raw, config, deadLetters);
    exportOtlp(traced, config, deadLetters);
    writeBigQuery(traced, config, deadLetters);
    writeDeadLetters(deadLetters, config);
  }

  /**
   * Writes the spans, links and metrics tables, if a dataset is set: the same rows as the local directory. Rows
   * BigQuery refuses become dead letters.
   */
  static void writeBigQuery(Traced traced, TracingConfig config, DeadLetters deadLetters) {
    if (config.bigQuery() == null) {
      return;
    }
    deadLetters.add(traced.spans().apply("WriteBigQuerySpans", WriteBigQuery.spans(config.bigQuery())), "RefusedSpans");
    deadLetters.add(traced.links().apply("WriteBigQueryLinks", WriteBigQuery.links(config.bigQuery())), "RefusedLinks");
    deadLetters.add(traced.metrics().apply("WriteBigQueryMetrics", WriteBigQuery.metrics(config.bigQuery())),
        "RefusedMetrics");
  }

  /**
   * Closes the run's error handler, and writes what came out of it to the dead letters table if a dataset is set
   * (what BigQuery refuses of those is only counted: the handler is closed). Returns every dead letter of the run.
   */
  static PCollection<DeadLetterRow> writeDeadLetters(DeadLetters deadLetters, TracingConfig config) {
    PCollection<DeadLetterRow> all = deadLetters.close();
    if (config.bigQuery() != null) {
      all.apply("WriteBigQueryDeadLetters", WriteBigQuery.deadLetters(config.bigQuery()));
    }
    return all;
  }

  /**
   * Sends the spans, and the metric rows as OTLP metrics, to the OTLP endpoint, if one is set; what it gives up on
   * is dead letters. The rows written elsewhere are the same, so every sink shows the same traces and figures.
   */
  static void exportOtlp(Traced traced, TracingConfig config, DeadLetters deadLetters) {
    if (config.otlp() == null) {
      return;
    }
    deadLetters.add(traced.spans().apply("WriteOtlp", WriteOtlp.to(config.otlp())), "NotExported");
    deadLetters.add(traced.metrics().apply("WriteOtlpMetrics", WriteOtlpMetrics.to(config.otlp())),
        "MetricsNotExported");
  }

  /**
   * The graph of a live stream, read top to bottom: a streaming source ({@code ReadKafkaRecords},
   * {@code ReadPubsubRecords}) applied as {@code sourceStep}, the same graph, and the local directory out as one file
   * per trace window, written when the watermark passes the window's end.
   */
  public static void buildStreamWithLocalOutput(Pipeline pipeline, String sourceStep,
      PTransform<PBegin, PCollectionTuple> source, TracingConfig config) {
    DeadLetters deadLetters = DeadLetters.register(pipeline);
    Traced traced = trace(pipeline.apply(sourceStep, source), config, deadLetters);
    exportOtlp(traced, config, deadLetters);
    writeBigQuery(traced, config, deadLetters);
    PCollection<DeadLetterRow> allDeadLetters = writeDeadLetters(deadLetters, config);
    WriteLocalDirectory.rows(inOutputWindows(traced.spans(), config.window()),
            inOutputWindows(allDeadLetters, config.window()), inOutputWindows(traced.links(), config.window()),
            inOutputWindows(traced.metrics(), config.metricsWindow()))
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
