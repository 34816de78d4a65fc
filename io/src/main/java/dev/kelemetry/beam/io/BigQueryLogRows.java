package dev.kelemetry.beam.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A row of the BigQuery table a Cloud Logging sink writes, turned back into the {@code LogEntry} JSON the parser
 * reads. Plain Java on the row as a map (a {@code TableRow} is one), so it is tested without Beam.
 *
 * <p>How the sink changed the entry (Cloud Logging's "BigQuery schema for logs"), undone here:
 * <ul>
 *   <li>An audit log's {@code protoPayload} (which has a {@code @type}) is the column {@code protopayload_auditlog};
 *       its fields keep their names, but its JSON objects are strings: {@code requestJson}, {@code responseJson},
 *       {@code metadataJson}. They are parsed back into {@code request}, {@code response}, {@code metadata}.
 *   <li>The names of fields in a {@code jsonPayload} (the Kubernetes Event of the {@code events} log) are lower-cased
 *       ({@code jsonPayload.involvedobject.name}); the names the parser reads are restored to Kubernetes' camelCase.
 *       Label and annotation keys are data, not field names, and stay as they are.
 *   <li>Timestamps are BigQuery TIMESTAMPs, which Beam hands on as text like {@code 2024-01-01 01:00:01.5 UTC} (or,
 *       through the JSON API, seconds since the epoch); they become RFC 3339 again. Integers may come as text.
 * </ul>
 * Field names are matched without regard to case, since BigQuery's are case-insensitive.
 */
final class BigQueryLogRows {
  private BigQueryLogRows() {}

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String AUDIT_LOG_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog";

  /** A row that is not a LogEntry this reader can restore, with the reason. */
  static final class UnreadableRow extends Exception {
    UnreadableRow(String reason) {
      super(reason);
    }
  }

  /** LogEntry fields that are timestamps. */
  private static final Set<String> ENTRY_TIMESTAMPS = Set.of("timestamp", "receiveTimestamp");

  /**
   * camelCase field names the parser reads from an AuditLog or a Kubernetes Event (and object metadata), by their
   * lower-case form: what a sink's lower-casing took away.
   */
  private static final Map<String, String> CAMEL = camel(
      // LogEntry
      "logName", "insertId", "receiveTimestamp", "textPayload", "jsonPayload", "spanId", "traceSampled",
      // AuditLog
      "serviceName", "methodName", "resourceName", "resourceLocation", "numResponseItems", "authenticationInfo",
      "principalEmail", "principalSubject", "authorizationInfo", "requestMetadata", "callerIp",
      "callerSuppliedUserAgent", "callerNetwork", "requestAttributes", "destinationAttributes",
      // Kubernetes Event (core/v1 and events.k8s.io/v1) and object metadata
      "apiVersion", "involvedObject", "resourceVersion", "fieldPath", "firstTimestamp", "lastTimestamp", "eventTime",
      "reportingComponent", "reportingInstance", "reportingController", "lastObservedTime", "deprecatedSource",
      "deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount", "creationTimestamp",
      "deletionTimestamp", "deletionGracePeriodSeconds", "generateName", "ownerReferences", "blockOwnerDeletion",
      "managedFields", "fieldsType", "fieldsV1");

  /** Objects whose keys are data (label and annotation keys), not field names. */
  private static final Set<String> KEYS_ARE_DATA = Set.of("labels", "annotations");

  /** BigQuery's TIMESTAMP as text: {@code 2024-01-01 01:00:01[.ffffff] UTC} (also with a T or without the zone). */
  private static final Pattern BIGQUERY_TIMESTAMP =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?( UTC|Z|\\+00(:?00)?)?");
  private static final DateTimeFormatter BIGQUERY_TEXT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSSSSS][.SSSSSS][.SSS][.S]", Locale.ROOT);

  /** The LogEntry JSON for a row of a log sink's table. */
  static ObjectNode toLogEntry(Map<String, ?> row) throws UnreadableRow {
    ObjectNode entry = NODES.objectNode();
    boolean payload = false;
    for (Map.Entry<String, ?> field : row.entrySet()) {
      String name = field.getKey();
      Object value = field.getValue();
      if (value == null) {
        continue;
      }
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.equals("protopayload_auditlog")) {
        entry.set("protoPayload", auditLog(asMap(value, name)));
        payload = true;
      } else if (lower.equals("jsonpayload")) {
        entry.set("jsonPayload", restore(value, false));
        payload = true;
      } else if (lower.equals("textpayload")) {
        entry.put("textPayload", value.toString());
        payload = true;
      } else if (ENTRY_TIMESTAMPS.contains(fieldName(name))) {
        entry.put(fieldName(name), rfc3339(value, name));
      } else {
        entry.set(fieldName(name), restore(value, KEYS_ARE_DATA.contains(lower)));
      }
    }
    if (!entry.hasNonNull("timestamp")) {
      throw new UnreadableRow("the row has no timestamp");
    }
    if (!payload) {
      throw new UnreadableRow("the row has no protopayload_auditlog, jsonPayload or textPayload");
    }
    return entry;
  }

  /** {@code protopayload_auditlog} as the AuditLog {@code protoPayload}, its JSON strings parsed. */
  private static ObjectNode auditLog(Map<String, ?> audit) throws UnreadableRow {
    ObjectNode proto = NODES.objectNode();
    proto.put("@type", AUDIT_LOG_TYPE);
    for (Map.Entry<String, ?> field : audit.entrySet()) {
      Object value = field.getValue();
      if (value == null) {
        continue;
      }
      String lower = field.getKey().toLowerCase(Locale.ROOT);
      if (lower.endsWith("json") && lower.length() > "json".length()) {
        String target = fieldName(field.getKey().substring(0, field.getKey().length() - "json".length()));
        proto.set(target, parseJson(value.toString(), "protopayload_auditlog." + field.getKey()));
      } else if (lower.equals("status")) {
        proto.set("status", status(asMap(value, "protopayload_auditlog.status")));
      } else {
        proto.set(fieldName(field.getKey()), restore(value, false));
      }
    }
    return proto;
  }

  /** google.rpc.Status: the code is an integer, which BigQuery rows may carry as text. */
  private static ObjectNode status(Map<String, ?> status) throws UnreadableRow {
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<String, ?> field : status.entrySet()) {
      if (field.getValue() == null) {
        continue;
      }
      if (field.getKey().equalsIgnoreCase("code")) {
        try {
          out.put("code", Integer.parseInt(field.getValue().toString().strip()));
        } catch (NumberFormatException e) {
          throw new UnreadableRow("protopayload_auditlog.status.code is not an integer: " + field.getValue());
        }
      } else {
        out.set(fieldName(field.getKey()), restore(field.getValue(), false));
      }
    }
    return out;
  }

  /** A row value as JSON: nested records and lists kept, names restored, BigQuery timestamps as RFC 3339. */
  private static JsonNode restore(Object value, boolean keysAreData) {
    if (value instanceof Map<?, ?> map) {
      ObjectNode out = NODES.objectNode();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (e.getValue() == null) {
          continue;
        }
        String key = String.valueOf(e.getKey());
        out.set(keysAreData ? key : fieldName(key),
            restore(e.getValue(), !keysAreData && KEYS_ARE_DATA.contains(key.toLowerCase(Locale.ROOT))));
      }
      return out;
    }
    if (value instanceof List<?> list) {
      ArrayNode out = NODES.arrayNode();
      list.forEach(v -> out.add(v == null ? NODES.nullNode() : restore(v, false)));
      return out;
    }
    if (value instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    if (value instanceof Long || value instanceof Integer) {
      long n = ((Number) value).longValue();
      // as JSON text would have read: an int where it fits (JsonNode equality tells IntNode from LongNode)
      return n == (int) n ? NODES.numberNode((int) n) : NODES.numberNode(n);
    }
    if (value instanceof Number n) {
      return NODES.numberNode(new BigDecimal(n.toString()));
    }
    String text = value.toString();
    if (BIGQUERY_TIMESTAMP.matcher(text).matches()) {
      try {
        return NODES.textNode(rfc3339(text, "value"));
      } catch (UnreadableRow e) {
        return NODES.textNode(text);
      }
    }
    return NODES.textNode(text);
  }

  /** RFC 3339 text for a BigQuery TIMESTAMP as Beam hands it on (text, seconds since the epoch, or an Instant). */
  static String rfc3339(Object value, String field) throws UnreadableRow {
    if (value instanceof Number n) {
      return fromEpochSeconds(new BigDecimal(n.toString()));
    }
    String text = value.toString().strip();
    try {
      if (text.matches("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?")) {
        return fromEpochSeconds(new BigDecimal(text));
      }
      if (text.endsWith(" UTC")) {
        text = text.substring(0, text.length() - " UTC".length());
      }
      if (!text.contains("T")) {
        return LocalDateTime.parse(text, BIGQUERY_TEXT).toInstant(ZoneOffset.UTC).toString();
      }
      return Instant.parse(text.endsWith("Z") || text.matches(".*[+-]\\d{2}:\\d{2}$") ? text : text + "Z").toString();
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new UnreadableRow(field + " is not a timestamp: " + value);
    }
  }

  private static String fromEpochSeconds(BigDecimal seconds) {
    BigDecimal micros = seconds.movePointRight(6);
    long total = micros.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
    return Instant.ofEpochSecond(Math.floorDiv(total, 1_000_000L), Math.floorMod(total, 1_000_000L) * 1000L).toString();
  }

  private static JsonNode parseJson(String text, String field) throws UnreadableRow {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new UnreadableRow(field + " is not JSON: " + e.getOriginalMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> asMap(Object value, String field) throws UnreadableRow {
    if (value instanceof Map<?, ?> map) {
      return (Map<String, ?>) map;
    }
    throw new UnreadableRow(field + " is not a record: " + value);
  }

  /** The name the parser expects: camelCase restored where the sink lower-cased it. */
  private static String fieldName(String name) {
    return CAMEL.getOrDefault(name.toLowerCase(Locale.ROOT), name);
  }

  private static Map<String, String> camel(String... names) {
    Map<String, String> map = new HashMap<>();
    for (String n : names) {
      map.put(n.toLowerCase(Locale.ROOT), n);
    }
    map.put("timestamp", "timestamp");
    return Map.copyOf(map);
  }
}
