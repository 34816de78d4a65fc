package dev.kelemetry.beam.transforms.spans;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic ids: a replay or a backfill of the same logs gives the same ids, with no shared cache between workers
 * (Kelemetry needs an etcd round trip per object and window for this). Each id is the first bytes of SHA-256 over
 * a kind tag and the fields, each length-prefixed so that no two field lists hash alike.
 */
public final class SpanIds {
  private SpanIds() {}

  /** 32 hex digits: H(cluster, root object id, window start). */
  public static String traceId(String cluster, String rootObjectId, long windowStartMicros) {
    return hash(16, "trace", cluster, rootObjectId, Long.toString(windowStartMicros));
  }

  /** 16 hex digits: H(cluster, object id, window start). */
  public static String objectSpanId(String cluster, String objectId, long windowStartMicros) {
    return hash(8, "object", cluster, objectId, Long.toString(windowStartMicros));
  }

  /** 16 hex digits: H(cluster, auditID). The cluster keeps two clusters' logs apart even if replayed under both names. */
  public static String auditSpanId(String cluster, String auditId) {
    return hash(8, "audit", cluster, auditId);
  }

  /**
   * 16 hex digits: H(cluster, Event namespace/name, count). Not the Event's uid and resourceVersion: an audited create
   * at Request level carries neither, and one occurrence must get one id from every source that reports it.
   */
  public static String eventSpanId(String cluster, String eventName, String count) {
    return hash(8, "event", cluster, eventName, count);
  }

  /** 16 hex digits: H(cluster, object id, version, how it was seen): one span per observed version of an object. */
  public static String stateSpanId(String cluster, String objectId, String version, String seenAs) {
    return hash(8, "state", cluster, objectId, version, seenAs);
  }

  /** Epoch-aligned window start for a time, all in microseconds. */
  public static long windowStart(long epochMicros, long windowMicros) {
    return Math.floorDiv(epochMicros, windowMicros) * windowMicros;
  }

  /** The first {@code bytes} bytes of the length-prefixed SHA-256, as hex; the query service derives its own ids with it. */
  public static String hash(int bytes, String... fields) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String f : fields) {
        byte[] b = f.getBytes(StandardCharsets.UTF_8);
        sha.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
        sha.update(b);
      }
      byte[] digest = sha.digest();
      if (allZero(digest, bytes)) {
        digest[bytes - 1] = 1; // an all-zero id is invalid in OpenTelemetry
      }
      return HexFormat.of().formatHex(digest, 0, bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  private static boolean allZero(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
