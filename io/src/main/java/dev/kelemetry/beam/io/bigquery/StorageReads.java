package dev.kelemetry.beam.io.bigquery;

import com.google.cloud.bigquery.storage.v1.CreateReadSessionRequest;
import com.google.cloud.bigquery.storage.v1.DataFormat;
import com.google.cloud.bigquery.storage.v1.ReadRowsRequest;
import com.google.cloud.bigquery.storage.v1.ReadRowsResponse;
import com.google.cloud.bigquery.storage.v1.ReadSession;
import com.google.cloud.bigquery.storage.v1.ReadStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryOptions;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServicesImpl;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Reads a few rows of a table through the BigQuery Storage Read API, outside a pipeline: the query service asks for an
 * object's spans or a trace's rows by row restriction and gets them in one round trip, without a query job. BigQuery
 * applies the restriction (and prunes partitions on the partitioning column); the caller is still given exactly what
 * came back, so it re-checks what it needs.
 */
public final class StorageReads implements AutoCloseable {
  private final BigQueryServices.StorageClient client;
  private final BigQueryTarget target;
  private final String billingProject;

  private StorageReads(BigQueryServices.StorageClient client, BigQueryTarget target, String billingProject) {
    this.client = client;
    this.target = target;
    this.billingProject = billingProject;
  }

  /**
   * A reader of the target's tables with Application Default Credentials (or the target's test services).
   *
   * @param billingProject the project the reads are billed to; the dataset's own when null
   */
  public static StorageReads open(BigQueryTarget target, String billingProject) throws IOException {
    BigQueryOptions options = PipelineOptionsFactory.create().as(BigQueryOptions.class);
    String billing = billingProject == null ? target.project() : billingProject;
    options.setProject(billing);
    BigQueryServices services = target.services() == null ? new BigQueryServicesImpl() : target.services();
    return new StorageReads(services.getStorageClient(options), target, billing);
  }

  public BigQueryTarget target() {
    return target;
  }

  /**
   * The rows of {@code table} that satisfy {@code restriction} (a Storage Read API row restriction: comparisons, IN,
   * AND/OR, CAST), with only {@code fields} (every column when empty), in one stream.
   */
  public List<GenericRecord> read(String table, List<String> fields, String restriction) {
    ReadSession.TableReadOptions.Builder options = ReadSession.TableReadOptions.newBuilder().addAllSelectedFields(fields);
    if (restriction != null && !restriction.isBlank()) {
      options.setRowRestriction(restriction);
    }
    String tablePath = "projects/" + target.project() + "/datasets/" + target.dataset() + "/tables/" + table;
    ReadSession session = client.createReadSession(CreateReadSessionRequest.newBuilder()
        .setParent("projects/" + billingProject)
        .setReadSession(ReadSession.newBuilder().setTable(tablePath).setDataFormat(DataFormat.AVRO)
            .setReadOptions(options))
        // one stream: these reads are small, and a single stream keeps the rows in the order BigQuery returns them
        .setMaxStreamCount(1)
        .build());
    List<GenericRecord> rows = new ArrayList<>();
    if (session.getStreamsCount() == 0) {
      return rows; // BigQuery gives no stream when nothing matches
    }
    Schema schema = new Schema.Parser().parse(session.getAvroSchema().getSchema());
    GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(schema);
    BinaryDecoder decoder = null;
    for (ReadStream stream : session.getStreamsList()) {
      for (ReadRowsResponse response : client.readRows(ReadRowsRequest.newBuilder().setReadStream(stream.getName()).build())) {
        decoder = DecoderFactory.get().binaryDecoder(response.getAvroRows().getSerializedBinaryRows().toByteArray(), decoder);
        try {
          while (!decoder.isEnd()) {
            rows.add(reader.read(null, decoder));
          }
        } catch (IOException e) {
          throw new UncheckedIOException("unreadable Avro rows from " + tablePath, e);
        }
      }
    }
    return rows;
  }

  @Override
  public void close() {
    client.close();
  }
}
