package dev.kelemetry.beam.io.otlp;

import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Where and how spans and metrics are exported over OTLP.
 *
 * @param endpoint {@code http://host:4317} for gRPC, {@code http://host:4318} for HTTP (the path {@code /v1/traces}
 *     is added when missing; metrics go to {@link #metricsEndpoint()}); {@code https://} for TLS
 * @param protocol {@code grpc} or {@code http/protobuf}, OpenTelemetry's own names
 * @param headers sent with every request (an API key, a tenant id)
 * @param timeout for one request
 * @param maxAttempts tries per batch before its rows become dead letters (at least 1)
 * @param initialBackoff wait before the second try; doubled after each failure up to {@code maxBackoff}
 * @param trustedCertificatesPem PEM text of the CAs to trust for {@code https://}, or empty for the JVM's
 * @param clientCertificatePem PEM text of a client certificate (mutual TLS), or empty
 * @param clientKeyPem PEM text of its private key, or empty
 * @param batchSize rows per request: spans, or metric rows (each several OTLP metrics)
 */
public record OtlpOptions(String endpoint, String protocol, Map<String, String> headers, Duration timeout,
    int maxAttempts, Duration initialBackoff, Duration maxBackoff, String trustedCertificatesPem,
    String clientCertificatePem, String clientKeyPem, int batchSize) implements Serializable {

  public static final String GRPC = "grpc";
  public static final String HTTP_PROTOBUF = "http/protobuf";
  private static final String TRACES_PATH = "/v1/traces";
  private static final String METRICS_PATH = "/v1/metrics";

  public OtlpOptions {
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--otlp-endpoint is not a URL: " + endpoint);
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("--otlp-endpoint must be http://host:port or https://host:port, got " + endpoint);
    }
    if (!GRPC.equals(protocol) && !HTTP_PROTOBUF.equals(protocol)) {
      throw new IllegalArgumentException("--otlp-protocol must be grpc or http/protobuf, got " + protocol);
    }
    if (maxAttempts < 1 || batchSize < 1) {
      throw new IllegalArgumentException("OTLP attempts and batch size must be at least 1");
    }
    if (HTTP_PROTOBUF.equals(protocol) && (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))) {
      endpoint = endpoint.replaceAll("/$", "") + TRACES_PATH;
    }
    headers = new TreeMap<>(headers);
    trustedCertificatesPem = trustedCertificatesPem == null ? "" : trustedCertificatesPem;
    clientCertificatePem = clientCertificatePem == null ? "" : clientCertificatePem;
    clientKeyPem = clientKeyPem == null ? "" : clientKeyPem;
    if (clientCertificatePem.isEmpty() != clientKeyPem.isEmpty()) {
      throw new IllegalArgumentException("mutual TLS needs both --otlp-tls-client-cert and --otlp-tls-client-key");
    }
  }

  /** Defaults a user can rely on: 5 tries over about 15 s, 10 s per request, 512 spans per request. */
  public static OtlpOptions of(String endpoint, String protocol) {
    return new OtlpOptions(endpoint, protocol, Map.of(), Duration.ofSeconds(10), 5, Duration.ofSeconds(1),
        Duration.ofSeconds(30), "", "", "", 512);
  }

  /**
   * Where metrics go: the same endpoint over gRPC (the service, not the URL, tells the signals apart); over HTTP the
   * endpoint with {@code /v1/traces} at its end (added above, or written by the user) replaced by {@code /v1/metrics},
   * which keeps a gateway's prefix ({@code https://gateway/otlp/v1/traces}). Any other path is used as it is: a user
   * who named a path of their own named the one place they want data sent.
   */
  public String metricsEndpoint() {
    return HTTP_PROTOBUF.equals(protocol) && endpoint.endsWith(TRACES_PATH)
        ? endpoint.substring(0, endpoint.length() - TRACES_PATH.length()) + METRICS_PATH : endpoint;
  }

  /** The SDK's exporter builders (spans and metrics, gRPC and HTTP) share these settings but no interface. */
  void applyHeadersAndTls(BiConsumer<String, String> header, Consumer<byte[]> trust,
      BiConsumer<byte[], byte[]> clientKeyAndCert) {
    headers.forEach(header);
    if (!trustedCertificatesPem.isEmpty()) {
      trust.accept(trustedCertificatesPem.getBytes(StandardCharsets.UTF_8));
    }
    if (!clientCertificatePem.isEmpty()) {
      clientKeyAndCert.accept(clientKeyPem.getBytes(StandardCharsets.UTF_8),
          clientCertificatePem.getBytes(StandardCharsets.UTF_8));
    }
  }

  public OtlpOptions withHeaders(Map<String, String> h) {
    return new OtlpOptions(endpoint, protocol, h, timeout, maxAttempts, initialBackoff, maxBackoff,
        trustedCertificatesPem, clientCertificatePem, clientKeyPem, batchSize);
  }

  public OtlpOptions withRetries(int attempts, Duration initial, Duration max) {
    return new OtlpOptions(endpoint, protocol, headers, timeout, attempts, initial, max, trustedCertificatesPem,
        clientCertificatePem, clientKeyPem, batchSize);
  }

  public OtlpOptions withTimeout(Duration t) {
    return new OtlpOptions(endpoint, protocol, headers, t, maxAttempts, initialBackoff, maxBackoff,
        trustedCertificatesPem, clientCertificatePem, clientKeyPem, batchSize);
  }

  public OtlpOptions withTls(String trustedPem, String clientCertPem, String clientKeyPem) {
    return new OtlpOptions(endpoint, protocol, headers, timeout, maxAttempts, initialBackoff, maxBackoff, trustedPem,
        clientCertPem, clientKeyPem, batchSize);
  }

  public OtlpOptions withBatchSize(int size) {
    return new OtlpOptions(endpoint, protocol, headers, timeout, maxAttempts, initialBackoff, maxBackoff,
        trustedCertificatesPem, clientCertificatePem, clientKeyPem, size);
  }
}
