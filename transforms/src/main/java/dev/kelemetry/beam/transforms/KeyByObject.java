package dev.kelemetry.beam.transforms;

import dev.kelemetry.beam.schemas.AuditRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Keys each request by the object it touched: cluster, API group, resource, namespace and name, with subresources
 * ({@code status}, {@code scale}, {@code binding}) folded onto their parent. The uid is not in the key because most
 * records do not carry it; the tracker tells incarnations of one name apart by uid.
 */
public final class KeyByObject extends PTransform<PCollection<AuditRecord>, PCollection<KV<String, AuditRecord>>> {
  public static KeyByObject create() {
    return new KeyByObject();
  }

  public static String objectKey(String cluster, ObjectRef ref) {
    return String.join("\u0001", cluster, ref.apiGroup(), ref.resource(), ref.namespace(), ref.name());
  }

  @Override
  public PCollection<KV<String, AuditRecord>> expand(PCollection<AuditRecord> records) {
    return records.apply("KeyByObjectName", ParDo.of(new DoFn<AuditRecord, KV<String, AuditRecord>>() {
      @ProcessElement
      public void process(@Element AuditRecord r, OutputReceiver<KV<String, AuditRecord>> out) {
        out.output(KV.of(objectKey(r.cluster(), r.objectRef()), r));
      }
    })).setCoder(KvCoder.of(StringUtf8Coder.of(), records.getCoder()));
  }
}
