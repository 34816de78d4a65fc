package dev.kelemetry.beam.transforms.metrics;

import dev.kelemetry.beam.schemas.SpanRow;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * Controller reaction times from finished span rows (the output of {@code BuildSpans}): the spans of each trace are
 * gathered and {@link TraceReactions} finds the pairs in them, one {@link MetricSample} per reaction, with
 * {@code time_micros} the trigger's start.
 *
 * <p>A trace id names one root object in one trace window, so a trace is complete within its window: the spans are
 * grouped in fixed windows of the trace window's length, which in a stream fire once the watermark passes the window's
 * end, as the spans' own windows do. A sample's element time is the end of its trace window (as the span rows'), so a
 * later {@code Window.into(FixedWindows.of(traceWindow))} puts it in the window of its trace and never late. The output
 * is in the global window, like {@code BuildSpans}'s. A trigger and a reaction in two windows are in two traces and
 * are not paired.
 */
public final class ReactionTimes extends PTransform<PCollection<SpanRow>, PCollection<MetricSample>> {
  private final Duration window;

  private ReactionTimes(Duration window) {
    this.window = window;
  }

  /** Reaction times of traces built in windows of {@code window} (the pipeline's trace window). */
  public static ReactionTimes inWindowsOf(Duration window) {
    if (window == null || window.getMillis() <= 0) {
      throw new IllegalArgumentException("the trace window must be positive, got " + window);
    }
    return new ReactionTimes(window);
  }

  @Override
  public PCollection<MetricSample> expand(PCollection<SpanRow> spans) {
    return spans
        .apply("KeepWorkloadSpans", Filter.by(TraceReactions::mayMatter))
        .apply("WindowByTrace", Window.into(FixedWindows.of(window)))
        .apply("KeyByTrace", WithKeys.of(SpanRow::traceId).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), JsonCoder.of(SpanRow.class)))
        .apply("GatherTrace", GroupByKey.create())
        .apply("FindReactions", ParDo.of(new FindReactions()))
        .setCoder(MetricSampleCoder.INSTANCE)
        .apply("SamplesAcrossWindows", Window.into(new GlobalWindows()));
  }

  static final class FindReactions extends DoFn<KV<String, Iterable<SpanRow>>, MetricSample> {
    @ProcessElement
    public void process(@Element KV<String, Iterable<SpanRow>> trace, OutputReceiver<MetricSample> out) {
      TraceReactions.find(trace.getValue()).forEach(out::output);
    }
  }
}
