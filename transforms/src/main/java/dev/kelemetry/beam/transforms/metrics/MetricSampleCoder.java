package dev.kelemetry.beam.transforms.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * Samples field by field: there are several per request (one per metric that takes it), and the generic JSON coder
 * spent more time on them than the metrics' arithmetic did.
 */
final class MetricSampleCoder extends AtomicCoder<MetricSample> {
  static final MetricSampleCoder INSTANCE = new MetricSampleCoder();

  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final VarIntCoder INT = VarIntCoder.of();
  private static final VarLongCoder LONG = VarLongCoder.of();
  private static final NullableCoder<Double> NULLABLE_DOUBLE = NullableCoder.of(DoubleCoder.of());
  private static final NullableCoder<Long> NULLABLE_LONG = NullableCoder.of(VarLongCoder.of());

  @Override
  public void encode(MetricSample s, OutputStream out) throws IOException {
    STRING.encode(s.metric(), out);
    INT.encode(s.dimensions().size(), out);
    for (Map.Entry<String, String> d : s.dimensions().entrySet()) {
      STRING.encode(d.getKey(), out);
      STRING.encode(d.getValue(), out);
    }
    LONG.encode(s.timeMicros(), out);
    BooleanCoder.of().encode(s.error(), out);
    NULLABLE_DOUBLE.encode(s.latencyMs(), out);
    NULLABLE_DOUBLE.encode(s.timeoutRatio(), out);
    NULLABLE_LONG.encode(s.bytes(), out);
  }

  @Override
  public MetricSample decode(InputStream in) throws IOException {
    String metric = STRING.decode(in);
    int n = INT.decode(in);
    TreeMap<String, String> dimensions = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      dimensions.put(STRING.decode(in), STRING.decode(in));
    }
    return new MetricSample(metric, dimensions, LONG.decode(in), BooleanCoder.of().decode(in),
        NULLABLE_DOUBLE.decode(in), NULLABLE_DOUBLE.decode(in), NULLABLE_LONG.decode(in));
  }
}
