package dev.kelemetry.beam.transforms.coders;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;
import dev.kelemetry.beam.schemas.ObjectRef;
import dev.kelemetry.beam.schemas.RawRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * Field-by-field coders for the two record types that carry the bulk of the data (raw lines and parsed audit
 * records, with their bodies) through every shuffle. Strings go through {@link StringUtf8Coder}, whose UTF-8
 * encoding is the JDK's vectorised one: profiling a backfill showed the generic {@link JsonCoder} spending most of
 * its time encoding these long strings character by character.
 */
public final class RecordCoders {
  private RecordCoders() {}

  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final NullableCoder<String> NULLABLE_STRING = NullableCoder.of(StringUtf8Coder.of());
  private static final VarLongCoder LONG = VarLongCoder.of();
  private static final VarIntCoder INT = VarIntCoder.of();

  public static RawRecordCoder raw() {
    return RawRecordCoder.INSTANCE;
  }

  public static ControlPlaneRecordCoder audit() {
    return ControlPlaneRecordCoder.INSTANCE;
  }

  public static final class RawRecordCoder extends AtomicCoder<RawRecord> {
    private static final RawRecordCoder INSTANCE = new RawRecordCoder();

    @Override
    public void encode(RawRecord r, OutputStream out) throws IOException {
      STRING.encode(r.source(), out);
      LONG.encode(r.line(), out);
      STRING.encode(r.text(), out);
      STRING.encode(r.cluster(), out);
    }

    @Override
    public RawRecord decode(InputStream in) throws IOException {
      return new RawRecord(STRING.decode(in), LONG.decode(in), STRING.decode(in), STRING.decode(in));
    }
  }

  public static final class ControlPlaneRecordCoder extends AtomicCoder<ControlPlaneRecord> {
    private static final ControlPlaneRecordCoder INSTANCE = new ControlPlaneRecordCoder();

    @Override
    public void encode(ControlPlaneRecord r, OutputStream out) throws IOException {
      for (String s : List.of(r.origin(), r.cluster(), r.source(), r.id(), r.stage(), r.level(), r.verb(), r.requestUri(),
          r.user(), r.impersonatedUser(), r.userAgent())) {
        NULLABLE_STRING.encode(s, out);
      }
      INT.encode(r.sourceIps().size(), out);
      for (String ip : r.sourceIps()) { // lists of IPs are never null (the parser gives an empty list)
        NULLABLE_STRING.encode(ip, out);
      }
      ObjectRef o = r.objectRef();
      for (String s : List.of(o.apiGroup(), o.apiVersion(), o.resource(), o.subresource(), o.namespace(), o.name(),
          o.uid(), o.resourceVersion())) {
        NULLABLE_STRING.encode(s, out);
      }
      INT.encode(r.responseCode(), out);
      NULLABLE_STRING.encode(r.responseStatus(), out);
      LONG.encode(r.requestReceivedMicros(), out);
      LONG.encode(r.stageMicros(), out);
      NULLABLE_STRING.encode(r.requestObject(), out);
      NULLABLE_STRING.encode(r.responseObject(), out);
    }

    @Override
    public ControlPlaneRecord decode(InputStream in) throws IOException {
      String origin = NULLABLE_STRING.decode(in);
      String cluster = NULLABLE_STRING.decode(in);
      String source = NULLABLE_STRING.decode(in);
      String id = NULLABLE_STRING.decode(in);
      String stage = NULLABLE_STRING.decode(in);
      String level = NULLABLE_STRING.decode(in);
      String verb = NULLABLE_STRING.decode(in);
      String requestUri = NULLABLE_STRING.decode(in);
      String user = NULLABLE_STRING.decode(in);
      String impersonated = NULLABLE_STRING.decode(in);
      String userAgent = NULLABLE_STRING.decode(in);
      int ips = INT.decode(in);
      List<String> sourceIps = new ArrayList<>(ips);
      for (int i = 0; i < ips; i++) {
        sourceIps.add(NULLABLE_STRING.decode(in));
      }
      ObjectRef ref = new ObjectRef(NULLABLE_STRING.decode(in), NULLABLE_STRING.decode(in), NULLABLE_STRING.decode(in), NULLABLE_STRING.decode(in),
          NULLABLE_STRING.decode(in), NULLABLE_STRING.decode(in), NULLABLE_STRING.decode(in), NULLABLE_STRING.decode(in));
      return new ControlPlaneRecord(origin, cluster, source, id, stage, level, verb, requestUri, user, impersonated, userAgent,
          sourceIps, ref, INT.decode(in), NULLABLE_STRING.decode(in), LONG.decode(in), LONG.decode(in),
          NULLABLE_STRING.decode(in), NULLABLE_STRING.decode(in));
    }
  }
}
