package dev.kelemetry.beam.transforms.metrics;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Samples -> one row per metric, event-time window and combination of dimension values. The samples' element times
 * place them in windows; the combine is associative (exact sums, mergeable sketches), so the rows do not depend on
 * how the runner splits or orders the work, and a stream gives the rows of a backfill.
 */
public final class AggregateMetrics extends PTransform<PCollection<MetricSample>, PCollection<MetricRow>> {
  private final Duration window;

  private AggregateMetrics(Duration window) {
    this.window = window;
  }

  public static AggregateMetrics perWindowOf(Duration window) {
    return new AggregateMetrics(window);
  }

  @Override
  public PCollection<MetricRow> expand(PCollection<MetricSample> samples) {
    return samples
        .apply("InMetricWindows", Window.into(FixedWindows.of(window)))
        .apply("KeyByMetricAndDimensions", ParDo.of(new KeyBySeries()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), JsonCoder.of(MetricSample.class)))
        .apply("Aggregate", Combine.perKey(new Aggregate()))
        .apply("ToRows", ParDo.of(new ToRow()))
        .setCoder(JsonCoder.of(MetricRow.class))
        // Rows of any window size flatten with each other; each keeps its window's end as its time.
        .apply("BackToGlobalWindow", Window.into(new GlobalWindows()));
  }

  /** A series is a metric and its dimension values: the metric name, a newline, the values as sorted JSON. */
  static final class KeyBySeries extends DoFn<MetricSample, KV<String, MetricSample>> {
    @ProcessElement
    public void process(@Element MetricSample s, OutputReceiver<KV<String, MetricSample>> out) {
      out.output(KV.of(s.metric() + "\n" + Rows.toJson(s.dimensions()), s));
    }
  }

  /** What one series adds up to within a window. */
  static final class Totals {
    long count;
    long errors;
    /** Latencies are whole microseconds (audit times have that precision), so their sum is exact. */
    static final double MICROS_PER_MS = 1e3;
    /** Ratios to a timeout, summed in units of 1e-9. */
    static final double NANO_UNITS = 1e9;
    Distribution latency = new Distribution(MICROS_PER_MS);
    Distribution timeoutRatio = new Distribution(NANO_UNITS);
    long bytes;
    boolean hasBytes;
  }

  static final class Aggregate extends Combine.CombineFn<MetricSample, Totals, Totals> {
    @Override
    public Totals createAccumulator() {
      return new Totals();
    }

    @Override
    public Totals addInput(Totals t, MetricSample s) {
      t.count++;
      t.errors += s.error() ? 1 : 0;
      if (s.latencyMs() != null) {
        t.latency.add(s.latencyMs());
      }
      if (s.timeoutRatio() != null) {
        t.timeoutRatio.add(s.timeoutRatio());
      }
      if (s.bytes() != null) {
        t.bytes += s.bytes();
        t.hasBytes = true;
      }
      return t;
    }

    @Override
    public Totals mergeAccumulators(Iterable<Totals> all) {
      Totals merged = new Totals();
      for (Totals t : all) {
        merged.count += t.count;
        merged.errors += t.errors;
        merged.latency.merge(t.latency);
        merged.timeoutRatio.merge(t.timeoutRatio);
        merged.bytes += t.bytes;
        merged.hasBytes |= t.hasBytes;
      }
      return merged;
    }

    @Override
    public Totals extractOutput(Totals t) {
      return t;
    }

    @Override
    public Coder<Totals> getAccumulatorCoder(CoderRegistry registry, Coder<MetricSample> input) {
      return TotalsCoder.INSTANCE;
    }

    @Override
    public Coder<Totals> getDefaultOutputCoder(CoderRegistry registry, Coder<MetricSample> input) {
      return TotalsCoder.INSTANCE;
    }
  }

  static final class ToRow extends DoFn<KV<String, Totals>, MetricRow> {
    private final Counter rows = Metrics.counter(Counters.NAMESPACE, Counters.METRIC_ROWS);

    @ProcessElement
    public void process(@Element KV<String, Totals> series, BoundedWindow window, OutputReceiver<MetricRow> out) {
      int split = series.getKey().indexOf('\n');
      TreeMap<String, String> dimensions = Rows.JSON.convertValue(
          Rows.fromJson(series.getKey().substring(split + 1), java.util.Map.class),
          new TypeReference<TreeMap<String, String>>() {});
      IntervalWindow w = (IntervalWindow) window;
      Totals t = series.getValue();
      rows.inc();
      out.output(new MetricRow(series.getKey().substring(0, split), Rows.timestamp(w.start().getMillis() * 1000),
          Rows.timestamp(w.end().getMillis() * 1000), dimensions, t.count, t.errors, t.latency.toRow(),
          t.timeoutRatio.toRow(), t.hasBytes ? t.bytes : null));
    }
  }

  /** Sketches travel in DDSketch's own compact encoding. */
  static final class TotalsCoder extends AtomicCoder<Totals> {
    static final TotalsCoder INSTANCE = new TotalsCoder();

    @Override
    public void encode(Totals t, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      out.writeLong(t.count);
      out.writeLong(t.errors);
      t.latency.write(out);
      t.timeoutRatio.write(out);
      out.writeBoolean(t.hasBytes);
      out.writeLong(t.bytes);
      out.flush();
    }

    @Override
    public Totals decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      Totals t = new Totals();
      t.count = in.readLong();
      t.errors = in.readLong();
      t.latency = Distribution.read(in, Totals.MICROS_PER_MS);
      t.timeoutRatio = Distribution.read(in, Totals.NANO_UNITS);
      t.hasBytes = in.readBoolean();
      t.bytes = in.readLong();
      return t;
    }
  }
}
