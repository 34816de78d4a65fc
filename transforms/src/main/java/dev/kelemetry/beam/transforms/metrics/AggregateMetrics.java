package dev.kelemetry.beam.transforms.metrics;

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
        .setCoder(KvCoder.of(StringUtf8Coder.of(), MetricSampleCoder.INSTANCE))
        .apply("Aggregate", Combine.perKey(new Aggregate()))
        .apply("ToRows", ParDo.of(new ToRow()))
        .setCoder(JsonCoder.of(MetricRow.class))
        // Rows of any window size flatten with each other; each keeps its window's end as its time.
        .apply("BackToGlobalWindow", Window.into(new GlobalWindows()));
  }

  /**
   * A series is a metric and its dimension values. The key only has to tell series apart: each part is written with
   * its length, so no value can be mistaken for a separator. The row takes its names and values from the samples.
   */
  static final class KeyBySeries extends DoFn<MetricSample, KV<String, MetricSample>> {
    @ProcessElement
    public void process(@Element MetricSample s, OutputReceiver<KV<String, MetricSample>> out) {
      out.output(KV.of(seriesKey(s), s));
    }
  }

  static String seriesKey(MetricSample s) {
    StringBuilder key = new StringBuilder(64).append(s.metric().length()).append(':').append(s.metric());
    s.dimensions().forEach((name, value) -> key.append(name.length()).append(':').append(name)
        .append(value.length()).append(':').append(value));
    return key.toString();
  }

  /** What one series adds up to within a window. */
  static final class Totals {
    /** The series, from its first sample (null until one is added). */
    String metric;
    TreeMap<String, String> dimensions;
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
      if (t.metric == null) {
        t.metric = s.metric();
        t.dimensions = new TreeMap<>(s.dimensions());
      }
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
        if (merged.metric == null) {
          merged.metric = t.metric;
          merged.dimensions = t.dimensions;
        }
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
      IntervalWindow w = (IntervalWindow) window;
      Totals t = series.getValue();
      rows.inc();
      out.output(new MetricRow(t.metric, Rows.timestamp(w.start().getMillis() * 1000),
          Rows.timestamp(w.end().getMillis() * 1000), t.dimensions, t.count, t.errors, t.latency.toRow(),
          t.timeoutRatio.toRow(), t.hasBytes ? t.bytes : null));
    }
  }

  /** Sketches travel in DDSketch's own compact encoding. */
  static final class TotalsCoder extends AtomicCoder<Totals> {
    static final TotalsCoder INSTANCE = new TotalsCoder();

    @Override
    public void encode(Totals t, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      out.writeBoolean(t.metric != null);
      if (t.metric != null) {
        writeString(out, t.metric);
        out.writeInt(t.dimensions.size());
        for (java.util.Map.Entry<String, String> d : t.dimensions.entrySet()) {
          writeString(out, d.getKey());
          writeString(out, d.getValue());
        }
      }
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
      if (in.readBoolean()) {
        t.metric = readString(in);
        int n = in.readInt();
        t.dimensions = new TreeMap<>();
        for (int i = 0; i < n; i++) {
          t.dimensions.put(readString(in), readString(in));
        }
      }
      t.count = in.readLong();
      t.errors = in.readLong();
      t.latency = Distribution.read(in, Totals.MICROS_PER_MS);
      t.timeoutRatio = Distribution.read(in, Totals.NANO_UNITS);
      t.hasBytes = in.readBoolean();
      t.bytes = in.readLong();
      return t;
    }

    /** A length and UTF-8 bytes: values (user agents, names) may be longer than writeUTF's 64 KB. */
    private static void writeString(DataOutputStream out, String s) throws IOException {
      byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.writeInt(bytes.length);
      out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
      byte[] bytes = new byte[in.readInt()];
      in.readFully(bytes);
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
