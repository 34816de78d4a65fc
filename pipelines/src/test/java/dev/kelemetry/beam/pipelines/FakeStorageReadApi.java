package dev.kelemetry.beam.pipelines;

import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableReference;
import com.google.api.services.bigquery.model.TableRow;
import com.google.cloud.bigquery.storage.v1.AvroRows;
import com.google.cloud.bigquery.storage.v1.AvroSchema;
import com.google.cloud.bigquery.storage.v1.CreateReadSessionRequest;
import com.google.cloud.bigquery.storage.v1.DataFormat;
import com.google.cloud.bigquery.storage.v1.ReadRowsRequest;
import com.google.cloud.bigquery.storage.v1.ReadRowsResponse;
import com.google.cloud.bigquery.storage.v1.ReadSession;
import com.google.cloud.bigquery.storage.v1.ReadStream;
import com.google.cloud.bigquery.storage.v1.SplitReadStreamRequest;
import com.google.cloud.bigquery.storage.v1.SplitReadStreamResponse;
import com.google.cloud.bigquery.storage.v1.StreamStats;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeBigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;

/**
 * The BigQuery Storage Read API for Beam's {@link FakeBigQueryServices}, which has none of its own: a read session over
 * a table of Beam's {@link FakeDatasetService} is one stream of the table's rows, encoded as Avro the way the service
 * encodes them (nested records, repeated fields, TIMESTAMP as microseconds). It keeps the row restrictions it was asked
 * for, so a test can check what would have been filtered in BigQuery. By default it evaluates none of them and sends
 * every column; {@link #strict()} evaluates each restriction with DuckDB over the table's scalar columns and sends only
 * the selected columns, as BigQuery does, so a reader that asks for too little is caught.
 */
public final class FakeStorageReadApi implements BigQueryServices.StorageClient, Serializable {
  /** Row restrictions of the read sessions created, by table ({@code projects/P/datasets/D/tables/T}). */
  public static final Map<String, List<String>> RESTRICTIONS = new ConcurrentHashMap<>();

  /** Each stream's schema and, when strict, its restriction, by stream name. */
  private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();
  private static final Map<String, String> STREAM_RESTRICTIONS = new ConcurrentHashMap<>();
  private static final java.util.concurrent.atomic.AtomicLong SESSIONS = new java.util.concurrent.atomic.AtomicLong();

  private final boolean strict;

  public FakeStorageReadApi() {
    this(false);
  }

  private FakeStorageReadApi(boolean strict) {
    this.strict = strict;
  }

  /** A fake that applies row restrictions and selected fields. */
  public static FakeStorageReadApi strict() {
    return new FakeStorageReadApi(true);
  }

  public static void reset() {
    RESTRICTIONS.clear();
    SCHEMAS.clear();
    STREAM_RESTRICTIONS.clear();
  }

  @Override
  public ReadSession createReadSession(CreateReadSessionRequest request) {
    String table = request.getReadSession().getTable();
    RESTRICTIONS.computeIfAbsent(table, t -> new CopyOnWriteArrayList<>())
        .add(request.getReadSession().getReadOptions().getRowRestriction());
    List<String> selected = strict ? request.getReadSession().getReadOptions().getSelectedFieldsList() : List.of();
    Schema schema = avroSchema(reference(table), selected);
    String stream = table + "/streams/" + SESSIONS.incrementAndGet();
    SCHEMAS.put(stream, schema);
    if (strict) {
      STREAM_RESTRICTIONS.put(stream, request.getReadSession().getReadOptions().getRowRestriction());
    }
    return ReadSession.newBuilder()
        .setName("session-" + table)
        .setTable(table)
        .setDataFormat(DataFormat.AVRO)
        .setAvroSchema(AvroSchema.newBuilder().setSchema(schema.toString()))
        .addStreams(ReadStream.newBuilder().setName(stream))
        .build();
  }

  @Override
  public BigQueryServices.BigQueryServerStream<ReadRowsResponse> readRows(ReadRowsRequest request) {
    String table = request.getReadStream().substring(0, request.getReadStream().indexOf("/streams/"));
    List<TableRow> rows = rows(reference(table));
    String restriction = STREAM_RESTRICTIONS.getOrDefault(request.getReadStream(), "");
    if (!restriction.isBlank()) {
      rows = DuckDbRestriction.filter(rows, fields(reference(table)), restriction);
    }
    Schema schema = SCHEMAS.get(request.getReadStream());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
    GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(schema);
    try {
      for (TableRow row : rows) {
        writer.write((GenericRecord) avro(row, schema), encoder);
      }
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ReadRowsResponse response = ReadRowsResponse.newBuilder()
        .setAvroRows(AvroRows.newBuilder().setSerializedBinaryRows(ByteString.copyFrom(bytes.toByteArray())))
        .setRowCount(rows.size())
        .setStats(StreamStats.newBuilder().setProgress(
            StreamStats.Progress.newBuilder().setAtResponseStart(0).setAtResponseEnd(1)))
        .build();
    return new FakeBigQueryServices.FakeBigQueryServerStream<>(List.of(response));
  }

  @Override
  public BigQueryServices.BigQueryServerStream<ReadRowsResponse> readRows(ReadRowsRequest request, String fullTableId) {
    return readRows(request);
  }

  @Override
  public SplitReadStreamResponse splitReadStream(SplitReadStreamRequest request) {
    return SplitReadStreamResponse.getDefaultInstance(); // one stream is not split
  }

  @Override
  public SplitReadStreamResponse splitReadStream(SplitReadStreamRequest request, String fullTableId) {
    return splitReadStream(request);
  }

  @Override
  public void close() {}

  private static TableReference reference(String table) {
    String[] p = table.split("/");
    return new TableReference().setProjectId(p[1]).setDatasetId(p[3]).setTableId(p[5]);
  }

  private static List<TableRow> rows(TableReference ref) {
    try {
      return new FakeDatasetService().getAllRows(ref.getProjectId(), ref.getDatasetId(), ref.getTableId());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Schema avroSchema(TableReference ref, List<String> selected) {
    return record("root", fields(ref).stream().filter(f -> selected.isEmpty() || selected.contains(f.getName())).toList());
  }

  private static List<TableFieldSchema> fields(TableReference ref) {
    try {
      return new FakeDatasetService().getTable(ref).getSchema().getFields();
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int records;

  private static synchronized Schema record(String name, List<TableFieldSchema> fields) {
    SchemaBuilder.FieldAssembler<Schema> out = SchemaBuilder.record(name + "_" + records++).fields();
    for (TableFieldSchema f : fields) {
      Schema type = switch (f.getType()) {
        case "RECORD" -> record(f.getName(), f.getFields());
        case "TIMESTAMP" -> org.apache.avro.LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
        case "INTEGER" -> Schema.create(Schema.Type.LONG);
        case "FLOAT" -> Schema.create(Schema.Type.DOUBLE);
        case "BOOLEAN" -> Schema.create(Schema.Type.BOOLEAN);
        default -> Schema.create(Schema.Type.STRING);
      };
      if ("REPEATED".equals(f.getMode())) {
        out = out.name(f.getName()).type(Schema.createArray(type)).withDefault(new ArrayList<>());
      } else {
        out = out.name(f.getName()).type(Schema.createUnion(Schema.create(Schema.Type.NULL), type)).withDefault(null);
      }
    }
    return out.endRecord();
  }

  /** A row value in the Avro form of {@code schema}. */
  private static Object avro(Object value, Schema schema) {
    if (value == null) {
      return null;
    }
    switch (schema.getType()) {
      case UNION:
        return avro(value, schema.getTypes().get(1));
      case RECORD: {
        GenericData.Record record = new GenericData.Record(schema);
        Map<?, ?> map = (Map<?, ?>) value;
        for (Schema.Field f : schema.getFields()) {
          record.put(f.name(), map.containsKey(f.name()) ? avro(map.get(f.name()), f.schema())
              : f.schema().getType() == Schema.Type.ARRAY ? List.of() : null);
        }
        return record;
      }
      case ARRAY: {
        List<Object> out = new ArrayList<>();
        for (Object v : (List<?>) value) {
          out.add(avro(v, schema.getElementType()));
        }
        return out;
      }
      case LONG:
        if (schema.getLogicalType() != null) { // TIMESTAMP: microseconds since the epoch
          Instant at = Instant.parse(value.toString().replace(" UTC", "Z").replace(' ', 'T'));
          return at.getEpochSecond() * 1_000_000L + at.getNano() / 1000;
        }
        return Long.parseLong(value.toString()); // Beam's fake dataset may hold numbers as text, as the JSON API does
      case DOUBLE:
        return Double.parseDouble(value.toString());
      case BOOLEAN:
        return Boolean.parseBoolean(value.toString());
      default:
        return value.toString();
    }
  }
}
