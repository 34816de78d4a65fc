package dev.kelemetry.beam.plugins;

import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * A custom input for {@code backfill --source NAME [--source-option KEY=VALUE ...]}: any Beam IO or format that
 * yields pieces of text the parser knows (a native audit event, a GKE/AKS/EKS envelope, a Kubernetes Event, a watch
 * line or an object dump), each as a {@link dev.kelemetry.beam.schemas.RawRecord}. The parser, the tracker and the
 * sinks are the project's; a source only reads. A plugin lists its class in
 * {@code META-INF/services/dev.kelemetry.beam.plugins.RecordSource} of its jar.
 *
 * <p>Records that cannot be read go to dead letters, never nowhere: the output is a {@link SourceOutputs} tuple.
 */
public interface RecordSource {
  /** The name after {@code --source}; lower case and dashes. */
  String name();

  /** One line for {@code --help} and for the list of known sources. */
  String description();

  /** The transform that reads; called once, while the pipeline is built, so it may validate its options here. */
  PTransform<PBegin, PCollectionTuple> read(SourceOptions options);
}
