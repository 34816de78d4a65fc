package dev.kelemetry.beam.transforms.metrics;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.store.Bin;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import dev.kelemetry.beam.schemas.MetricRow;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples of one measure: exact count, sum, min and max, and a DDSketch for the quantiles. DDSketch's guarantee: a
 * quantile it returns is within {@link #RELATIVE_ACCURACY} (1%) of the sample at that rank, and two sketches merge
 * into the sketch of all their samples, so windows and workers combine without averaging percentiles.
 *
 * <p>The sum is kept as a whole number of {@code 1/unitsPerValue}: integer addition does not depend on the order the
 * runner merges partial sums in, so a stream and a backfill write the same digits (a double sum would not).
 */
final class Distribution {
  static final double RELATIVE_ACCURACY = 0.01;

  private final double unitsPerValue;
  private long count;
  private long sumUnits;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private final DDSketch sketch;

  /** @param unitsPerValue the resolution of the exact sum, e.g. 1000 for milliseconds summed in microseconds */
  Distribution(double unitsPerValue) {
    this(unitsPerValue, newSketch());
  }

  private Distribution(double unitsPerValue, DDSketch sketch) {
    this.unitsPerValue = unitsPerValue;
    this.sketch = sketch;
  }

  /** The canonical logarithmic mapping: bins of the same index have the same value in every row, so SQL can merge. */
  private static DDSketch newSketch() {
    return DDSketches.logarithmicUnboundedDense(RELATIVE_ACCURACY);
  }

  /** Adds a sample; negative values (clock skew between stages) count as 0. */
  void add(double value) {
    double v = Math.max(0, value);
    count++;
    sumUnits += Math.round(v * unitsPerValue);
    min = Math.min(min, v);
    max = Math.max(max, v);
    sketch.accept(v);
  }

  void merge(Distribution other) {
    if (other.count == 0) {
      return;
    }
    count += other.count;
    sumUnits += other.sumUnits;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    sketch.mergeWith(other.sketch);
  }

  boolean isEmpty() {
    return count == 0;
  }

  /** The row form, or null when there was no sample. Zeros (instant requests) are a bin of value 0. */
  MetricRow.Distribution toRow() {
    if (count == 0) {
      return null;
    }
    List<MetricRow.Bucket> buckets = new ArrayList<>();
    long inBins = 0;
    for (Bin bin : (Iterable<Bin>) sketch.getPositiveValueStore().getAscendingStream()::iterator) {
      long n = Math.round(bin.getCount());
      inBins += n;
      buckets.add(new MetricRow.Bucket(sketch.getIndexMapping().value(bin.getIndex()), n));
    }
    if (inBins < count) {
      buckets.add(0, new MetricRow.Bucket(0, count - inBins));
    }
    double[] q = sketch.getValuesAtQuantiles(new double[] {0.5, 0.9, 0.99});
    // The sketch's bin values may stray just outside the exact extremes; the exact ones are known, so clamp.
    return new MetricRow.Distribution(count, sumUnits / unitsPerValue, min, max, clamp(q[0]), clamp(q[1]), clamp(q[2]), RELATIVE_ACCURACY,
        buckets);
  }

  private double clamp(double v) {
    return Math.min(max, Math.max(min, v));
  }

  void write(DataOutputStream out) throws IOException {
    out.writeLong(count);
    if (count == 0) {
      return;
    }
    out.writeLong(sumUnits);
    out.writeDouble(min);
    out.writeDouble(max);
    GrowingByteArrayOutput encoded = GrowingByteArrayOutput.withDefaultInitialCapacity();
    sketch.encode(encoded, false);
    out.writeInt(encoded.numWrittenBytes());
    out.write(encoded.backingArray(), 0, encoded.numWrittenBytes());
  }

  static Distribution read(DataInputStream in, double unitsPerValue) throws IOException {
    long count = in.readLong();
    if (count == 0) {
      return new Distribution(unitsPerValue);
    }
    long sumUnits = in.readLong();
    double min = in.readDouble();
    double max = in.readDouble();
    byte[] bytes = new byte[in.readInt()];
    in.readFully(bytes);
    Distribution d = new Distribution(unitsPerValue,
        DDSketch.decode(ByteArrayInput.wrap(bytes), UnboundedSizeDenseStore::new));
    d.count = count;
    d.sumUnits = sumUnits;
    d.min = min;
    d.max = max;
    return d;
  }
}
