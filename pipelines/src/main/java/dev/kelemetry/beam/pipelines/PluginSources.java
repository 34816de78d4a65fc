package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.plugins.Plugins;
import dev.kelemetry.beam.plugins.RecordSource;
import dev.kelemetry.beam.plugins.SourceOptions;
import dev.kelemetry.beam.plugins.SourceOutputs;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import dev.kelemetry.beam.transforms.Counters;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.coders.RecordCoders;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * Reads the custom sources a run names ({@code --source}), found on the classpath by the plugin API. Their records
 * and dead letters are counted like those of the built-in sources, so the run's counters still add up, and an
 * option that no source read is an error, not a silent typo.
 */
final class PluginSources {
  private PluginSources() {}

  static List<PCollectionTuple> read(Pipeline pipeline, PluginConfig plugins) {
    List<PCollectionTuple> reads = new ArrayList<>();
    Set<String> unread = new TreeSet<>(plugins.sourceOptions().keySet());
    for (String name : plugins.sources()) {
      RecordSource source = Plugins.source(name);
      SourceOptions options = new SourceOptions(name, plugins.sourceOptions());
      PCollectionTuple raw = pipeline.apply("Source " + name, source.read(options));
      unread.retainAll(options.unread());
      if (!raw.has(SourceOutputs.RECORDS)) {
        throw new IllegalStateException("source '" + name + "' (" + source.getClass().getName()
            + ") yields no records: its transform must return SourceOutputs.of(records, deadLetters)");
      }
      PCollection<DeadLetterRow> deadLetters = raw.has(SourceOutputs.DEAD_LETTERS) ? raw.get(SourceOutputs.DEAD_LETTERS)
          : pipeline.apply("NoDeadLetters " + name, Create.empty(JsonCoder.of(DeadLetterRow.class)));
      reads.add(SourceOutputs.of(
          raw.get(SourceOutputs.RECORDS).apply("Count " + name, ParDo.of(new CountRead<RawRecord>(Counters.INPUT_ITEMS)))
              .setCoder(RecordCoders.raw()),
          // Counted as the file source counts: an item is parsed into records (which the parser counts as read); an
          // item the source could not read is one record read and dead-lettered.
          deadLetters.apply("CountDeadLetters " + name, ParDo.of(new CountRead<DeadLetterRow>(
                  Counters.INPUT_ITEMS, Counters.RECORDS_READ, Counters.RECORDS_DEAD_LETTERED)))
              .setCoder(JsonCoder.of(DeadLetterRow.class))));
    }
    if (!unread.isEmpty()) {
      throw new IllegalArgumentException("no source read --source-option " + String.join(", ", unread)
          + (plugins.sources().isEmpty() ? " (no --source was given)" : " (sources: " + String.join(", ", plugins.sources()) + ")"));
    }
    return reads;
  }

  /** Passes elements through, counting each under the run's counters {@code names}. */
  static final class CountRead<T> extends DoFn<T, T> {
    private final List<String> names;
    private transient List<Counter> counters;

    CountRead(String... names) {
      this.names = List.of(names);
    }

    @Setup
    public void setup() {
      counters = names.stream().map(n -> Metrics.counter(Counters.NAMESPACE, n)).toList();
    }

    @ProcessElement
    public void process(@Element T element, OutputReceiver<T> out) {
      counters.forEach(Counter::inc);
      out.output(element);
    }
  }
}
