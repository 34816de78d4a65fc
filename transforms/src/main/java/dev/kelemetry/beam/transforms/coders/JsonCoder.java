package dev.kelemetry.beam.transforms.coders;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.dataformat.smile.databind.SmileMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CustomCoder;

/**
 * Encodes the project's record types with Jackson in Smile, its binary JSON. The records are plain Java records whose
 * fields are strings, numbers, lists and maps, so the JSON data model is exact for them and much faster than Java
 * serialization. Smile rather than JSON text because the records carry request and response bodies as JSON strings:
 * in text every quote of a body would be escaped on encode and unescaped on decode, which profiling showed to be
 * most of a backfill's CPU time; Smile writes strings length-prefixed, as they are. Not used for keys (keys are
 * strings).
 */
public final class JsonCoder<T> extends CustomCoder<T> {
  private static final ObjectMapper MAPPER = SmileMapper.builder().build();
  private static final ByteArrayCoder BYTES = ByteArrayCoder.of();

  private final Class<T> type;
  private transient ObjectReader reader;
  private transient ObjectWriter writer;

  private JsonCoder(Class<T> type) {
    this.type = type;
  }

  public static <T> JsonCoder<T> of(Class<T> type) {
    return new JsonCoder<>(type);
  }

  @Override
  public void encode(T value, OutputStream out) throws IOException {
    if (writer == null) {
      writer = MAPPER.writerFor(type);
    }
    BYTES.encode(writer.writeValueAsBytes(value), out);
  }

  @Override
  public T decode(InputStream in) throws IOException {
    if (reader == null) {
      reader = MAPPER.readerFor(type);
    }
    return reader.readValue(BYTES.decode(in));
  }

  @Override
  public List<? extends org.apache.beam.sdk.coders.Coder<?>> getCoderArguments() {
    return List.of();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JsonCoder<?> other && other.type.equals(type);
  }

  @Override
  public int hashCode() {
    return type.hashCode();
  }

  @Override
  public String toString() {
    return "JsonCoder(" + type.getSimpleName() + ")";
  }
}
