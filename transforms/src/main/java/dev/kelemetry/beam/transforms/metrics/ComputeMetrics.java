package dev.kelemetry.beam.transforms.metrics;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.MetricRow;
import dev.kelemetry.beam.transforms.Counters;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Request metrics from deduplicated records (one per auditID, element time = when the request was received): the
 * samples of every definition that accepts a request, aggregated per metric window.
 */
public final class ComputeMetrics extends PTransform<PCollection<ControlPlaneRecord>, PCollection<MetricRow>> {
  private final List<MetricDefinition> definitions;
  private final Duration window;

  private ComputeMetrics(List<MetricDefinition> definitions, Duration window) {
    this.definitions = definitions;
    this.window = window;
  }

  public static ComputeMetrics of(List<MetricDefinition> definitions, Duration window) {
    return new ComputeMetrics(definitions, window);
  }

  @Override
  public PCollection<MetricRow> expand(PCollection<ControlPlaneRecord> records) {
    return records
        .apply("RequestSamples", ParDo.of(new ToSamples(definitions)))
        .setCoder(MetricSampleCoder.INSTANCE)
        .apply("AggregateMetrics", AggregateMetrics.perWindowOf(window));
  }

  static final class ToSamples extends DoFn<ControlPlaneRecord, MetricSample> {
    private final List<MetricDefinition> definitions;
    private final Counter requests = Metrics.counter(Counters.NAMESPACE, Counters.METRIC_REQUESTS);
    private final Counter samples = Metrics.counter(Counters.NAMESPACE, Counters.METRIC_SAMPLES);

    ToSamples(List<MetricDefinition> definitions) {
      this.definitions = definitions;
    }

    @ProcessElement
    public void process(@Element ControlPlaneRecord r, OutputReceiver<MetricSample> out) {
      if (!r.isAudit()) {
        return;
      }
      requests.inc();
      for (MetricSample s : RequestSamples.of(r, definitions)) {
        samples.inc();
        out.output(s);
      }
    }
  }
}
