package dev.kelemetry.beam.pipelines;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a stream authenticates to its Kafka brokers. {@code google} is what Google Cloud's Managed Service for Apache
 * Kafka requires: SASL over TLS with OAUTHBEARER tokens from the job's own Google credentials (Application Default
 * Credentials: the worker's service account on Dataflow), made by Google's login callback handler
 * ({@code com.google.cloud.hosted.kafka:managed-kafka-auth-login-handler}, bundled). Any other secured Kafka takes
 * its settings as {@code --kafka-property}.
 */
public final class KafkaAuth {
  private KafkaAuth() {}

  public static final List<String> NAMES = List.of("none", "google");

  /** The login handler class Managed Kafka's documentation names; on the classpath through the bundled dependency. */
  static final String GOOGLE_LOGIN_HANDLER = "com.google.cloud.hosted.kafka.auth.GcpLoginCallbackHandler";

  /** The consumer settings of an authentication mode; refuses an unknown one, naming the known ones. */
  public static Map<String, String> properties(String mode) {
    Map<String, String> properties = new LinkedHashMap<>();
    switch (mode == null ? "none" : mode.toLowerCase(Locale.ROOT)) {
      case "none" -> { }
      case "google" -> {
        properties.put("security.protocol", "SASL_SSL");
        properties.put("sasl.mechanism", "OAUTHBEARER");
        properties.put("sasl.login.callback.handler.class", GOOGLE_LOGIN_HANDLER);
        properties.put("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
      }
      default -> throw new IllegalArgumentException("Kafka authentication is one of " + NAMES + ", not '" + mode + "'");
    }
    return properties;
  }
}
