package dev.kelemetry.beam.transforms;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Keys each request by the object it touched: cluster, API group, resource, namespace and name, with subresources
 * ({@code status}, {@code scale}, {@code binding}) folded onto their parent. The uid is not in the key because most
 * records do not carry it; the tracker tells incarnations of one name apart by uid. A request whose object was never
 * named (a create seen only at its RequestReceived stage) has no object to hang under: it is counted as
 * {@code requests_without_object}.
 */
public final class KeyByObject extends PTransform<PCollection<ControlPlaneRecord>, PCollection<KV<String, ControlPlaneRecord>>> {
  public static KeyByObject create() {
    return new KeyByObject();
  }

  public static String objectKey(String cluster, ObjectRef ref) {
    return String.join("\u0001", cluster, ref.apiGroup(), ref.resource(), ref.namespace(), ref.name());
  }

  @Override
  public PCollection<KV<String, ControlPlaneRecord>> expand(PCollection<ControlPlaneRecord> records) {
    return records.apply("KeyByObjectName", ParDo.of(new DoFn<ControlPlaneRecord, KV<String, ControlPlaneRecord>>() {
      private final Counter withoutObject = Metrics.counter(Counters.NAMESPACE, Counters.REQUESTS_WITHOUT_OBJECT);

      @ProcessElement
      public void process(@Element ControlPlaneRecord r, OutputReceiver<KV<String, ControlPlaneRecord>> out) {
        if (r.objectRef().name().isEmpty()) {
          // a create whose only stage in the log is RequestReceived: the name was never recorded
          withoutObject.inc();
          return;
        }
        out.output(KV.of(objectKey(r.cluster(), r.objectRef()), r));
      }
    })).setCoder(KvCoder.of(StringUtf8Coder.of(), records.getCoder()));
  }
}
