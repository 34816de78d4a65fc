package dev.kelemetry.beam.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auth.oauth2.GoogleCredentials;
import dev.kelemetry.beam.schemas.Rows;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * OTLP headers (an API key, a tenant id) kept in Secret Manager rather than in the job's parameters, where anyone who
 * can view the job would read them. The Flex Template's launcher reads the secret version once, when it builds the
 * job, with its Application Default Credentials (the launcher's service account needs
 * {@code roles/secretmanager.secretAccessor} on the secret).
 *
 * <p>Secret Manager's REST API ({@code GET v1/{name}:access}) over the JDK's HTTP client: no client library for it
 * comes with Beam's GCP modules, and one call at launch does not need one.
 */
final class SecretHeaders {
  static final Pattern SECRET_VERSION = Pattern.compile("projects/[^/]+/secrets/[^/]+/versions/[^/]+");
  private static final String API = "https://secretmanager.googleapis.com";

  private SecretHeaders() {}

  /** The headers in {@code secretVersion}, read with Application Default Credentials. */
  static Map<String, String> read(String secretVersion) {
    return read(secretVersion, API, SecretHeaders::applicationDefaultToken);
  }

  static Map<String, String> read(String secretVersion, String api, Supplier<String> accessToken) {
    if (!SECRET_VERSION.matcher(secretVersion).matches()) {
      throw new IllegalArgumentException("otlpHeaderSecret must be projects/P/secrets/S/versions/V, got '"
          + secretVersion + "'");
    }
    HttpRequest request = HttpRequest.newBuilder(URI.create(api + "/v1/" + secretVersion + ":access"))
        .header("Authorization", "Bearer " + accessToken.get())
        .timeout(Duration.ofSeconds(30))
        .GET().build();
    HttpResponse<String> response;
    try {
      response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach Secret Manager for " + secretVersion + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading " + secretVersion, e);
    }
    JsonNode body = Rows.fromJson(response.body().isEmpty() ? "{}" : response.body(), JsonNode.class);
    if (response.statusCode() != 200) {
      // Secret Manager's error says what is wrong (not found, permission denied) and holds no secret.
      throw new IllegalStateException("Secret Manager refused " + secretVersion + ": HTTP " + response.statusCode()
          + " " + body.path("error").path("message").asText(""));
    }
    String payload = new String(Base64.getDecoder().decode(body.path("payload").path("data").asText("")),
        StandardCharsets.UTF_8);
    return parse(payload, secretVersion);
  }

  /** {@code KEY=VALUE} lines; blank lines and lines starting with {@code #} are skipped. */
  static Map<String, String> parse(String payload, String secretVersion) {
    Map<String, String> headers = new LinkedHashMap<>();
    List<String> lines = payload.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        // The line itself may be the secret: say where it is, not what it holds.
        throw new IllegalArgumentException(secretVersion + ": line " + (i + 1) + " is not KEY=VALUE");
      }
      headers.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
    }
    if (headers.isEmpty()) {
      throw new IllegalArgumentException(secretVersion + " holds no KEY=VALUE line");
    }
    return headers;
  }

  private static String applicationDefaultToken() {
    try {
      GoogleCredentials credentials = GoogleCredentials.getApplicationDefault()
          .createScoped(List.of("https://www.googleapis.com/auth/cloud-platform"));
      credentials.refreshIfExpired();
      return credentials.getAccessToken().getTokenValue();
    } catch (IOException e) {
      throw new IllegalStateException("no Application Default Credentials to read the OTLP header secret: "
          + e.getMessage(), e);
    }
  }
}
