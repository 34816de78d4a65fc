package com.example.kelemetry;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.plugins.RecordSource;
import dev.kelemetry.beam.plugins.SourceOptions;
import dev.kelemetry.beam.plugins.SourceOutputs;
import dev.kelemetry.beam.schemas.DeadLetterRow;
import dev.kelemetry.beam.schemas.RawRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * {@code --source csv-audit --source-option path=GLOB}: request logs some teams keep as CSV (an API gateway's, a
 * proxy's), with the header {@code time,user,verb,group,version,resource,namespace,name,code}. Each row becomes a
 * Metadata-level audit event, so it is traced like any audited request; a row that is not such a request is a dead
 * letter with its file and line.
 */
public final class CsvAuditSource implements RecordSource {
  static final String HEADER = "time,user,verb,group,version,resource,namespace,name,code";

  @Override
  public String name() {
    return "csv-audit";
  }

  @Override
  public String description() {
    return "CSV request logs (" + HEADER + "); option path=GLOB";
  }

  @Override
  public PTransform<PBegin, PCollectionTuple> read(SourceOptions options) {
    String path = options.required("path");
    String cluster = options.get("cluster", "");
    return new PTransform<>() {
      @Override
      public PCollectionTuple expand(PBegin begin) {
        return begin.apply("Match", FileIO.match().filepattern(path))
            .apply("Open", FileIO.readMatches())
            .apply("Rows", ParDo.of(new RowsFn(cluster))
                .withOutputTags(SourceOutputs.RECORDS, TupleTagList.of(SourceOutputs.DEAD_LETTERS)));
      }
    };
  }

  static final class RowsFn extends DoFn<FileIO.ReadableFile, RawRecord> {
    private final String cluster;

    RowsFn(String cluster) {
      this.cluster = cluster;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out) throws IOException {
      String source = file.getMetadata().resourceId().toString();
      try (BufferedReader in = new BufferedReader(Channels.newReader(file.open(), StandardCharsets.UTF_8))) {
        long line = 0;
        for (String text; (text = in.readLine()) != null; ) {
          line++;
          if (text.isBlank() || text.strip().equals(HEADER)) {
            continue;
          }
          try {
            out.get(SourceOutputs.RECORDS).output(new RawRecord(source, line, toAuditEvent(source, line, text), cluster));
          } catch (IllegalArgumentException e) {
            out.get(SourceOutputs.DEAD_LETTERS).output(DeadLetterRow.of(source, line, "csv-audit", e.getMessage(), text));
          }
        }
      }
    }
  }

  /** One row as a native audit event (JSON text); the auditID is derived from where the row is, so reruns agree. */
  static String toAuditEvent(String source, long line, String row) {
    String[] f = row.split(",", -1);
    if (f.length != 9) {
      throw new IllegalArgumentException("a row needs 9 fields (" + HEADER + "), got " + f.length);
    }
    Instant time;
    int code;
    try {
      time = Instant.parse(f[0].strip());
      code = Integer.parseInt(f[8].strip());
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException("bad time or code: " + e.getMessage());
    }
    ObjectNode event = JsonMapper.builder().build().createObjectNode();
    event.put("kind", "Event").put("apiVersion", "audit.k8s.io/v1").put("level", "Metadata")
        .put("auditID", UUID.nameUUIDFromBytes((source + ":" + line).getBytes(StandardCharsets.UTF_8)).toString())
        .put("stage", "ResponseComplete").put("verb", f[2].strip());
    event.putObject("user").put("username", f[1].strip());
    ObjectNode ref = event.putObject("objectRef");
    ref.put("apiGroup", f[3].strip()).put("apiVersion", f[4].strip()).put("resource", f[5].strip())
        .put("namespace", f[6].strip()).put("name", f[7].strip());
    event.putObject("responseStatus").put("code", code);
    event.put("requestReceivedTimestamp", time.toString()).put("stageTimestamp", time.toString());
    return event.toString();
  }
}
