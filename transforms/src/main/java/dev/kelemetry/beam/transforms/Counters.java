package dev.kelemetry.beam.transforms;

/**
 * Names of the pipeline's counters (Beam metrics). The run's summary.json reports them; together they account for
 * every record read: {@code records_read = records_parsed + records_dead_lettered + records_filtered}.
 */
public final class Counters {
  private Counters() {}

  public static final String NAMESPACE = "kelemetry";
  public static final String INPUT_ITEMS = "input_items";
  public static final String RECORDS_READ = "records_read";
  public static final String RECORDS_PARSED = "records_parsed";
  public static final String RECORDS_DEAD_LETTERED = "records_dead_lettered";
  public static final String RECORDS_FILTERED = "records_filtered";
  /** Of the dead-lettered: records a stream read after the watermark had passed their event time. */
  public static final String RECORDS_LATE = "records_late";
  /**
   * Records that reached object tracking sorted in state (Dataflow streaming) older than what their object had
   * already processed: dead letters of step TrackObjects. Zero while every step upstream holds the watermark.
   */
  public static final String RECORDS_LATE_AT_TRACKING = "records_late_at_tracking";
  public static final String FILTERED_PREFIX = "filtered_";
  /** Parsed records a backfill with a time range (the Flex Template's since and until) left out. */
  public static final String RECORDS_OUTSIDE_TIME_RANGE = "records_outside_time_range";
  /** Records after deduplication, by origin: audited requests, object versions seen, Event occurrences. */
  public static final String REQUESTS = "requests";
  public static final String STATES = "states";
  public static final String EVENTS = "events";
  public static final String REQUESTS_WITHOUT_OBJECT = "requests_without_object";
  public static final String REQUESTS_DEAD_LETTERED = "requests_dead_lettered";
  public static final String OBJECTS = "objects";
  public static final String TRACES = "traces";
  /** Windows of sightings owner resolution sorted in state got after a later window: logged, not resolved. */
  public static final String OWNER_WINDOWS_LATE = "owner_windows_late";
  public static final String PLACEHOLDER_OWNERS = "owners_known_only_from_references";
  public static final String SPANS_PREFIX = "spans_";
  public static final String SPANS_WITHOUT_PLACEMENT = "spans_without_placement";
  /** OTLP: spans a backend accepted, requests tried again after a failure, spans given up on (dead letters). */
  public static final String OTLP_EXPORTED = "otlp_spans_exported";
  public static final String OTLP_RETRIES = "otlp_export_retries";
  public static final String OTLP_FAILED = "otlp_spans_failed";
  /** BigQuery: rows of the spans table it refused (dead letters), dead letters it refused (only counted). */
  public static final String BIGQUERY_ROWS_REFUSED = "bigquery_rows_refused";
  public static final String BIGQUERY_DEAD_LETTERS_REFUSED = "bigquery_dead_letters_refused";
  /** Metrics: audit requests seen (once each), the samples they gave (one per metric accepting them), rows made. */
  public static final String METRIC_REQUESTS = "metric_requests";
  public static final String METRIC_SAMPLES = "metric_samples";
  public static final String METRIC_ROWS = "metric_rows";
  /** Untraced requests (lists, watches, ...) a stream read behind the watermark: not in any metric. */
  public static final String METRIC_REQUESTS_LATE = "metric_requests_late";
}
