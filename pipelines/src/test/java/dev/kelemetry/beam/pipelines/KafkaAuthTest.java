package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasEntry;
import static org.junit.Assert.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.Test;

/**
 * {@code --kafka-auth google} / {@code kafkaAuth=google}: the consumer settings Managed Service for Apache Kafka asks
 * for, and Google's login handler really on the classpath and really called by a Kafka consumer built with them.
 */
public class KafkaAuthTest {
  @Test
  public void googleIsSaslOverTlsWithOauthBearerTokensFromGooglesHandler() {
    Map<String, String> google = KafkaAuth.properties("google");
    assertThat(google, hasEntry("security.protocol", "SASL_SSL"));
    assertThat(google, hasEntry("sasl.mechanism", "OAUTHBEARER"));
    assertThat(google, hasEntry("sasl.login.callback.handler.class", KafkaAuth.GOOGLE_LOGIN_HANDLER));
    assertThat(KafkaAuth.properties("none").isEmpty(), equalTo(true));
    assertThat(assertThrows(IllegalArgumentException.class, () -> KafkaAuth.properties("kerberos")).getMessage(),
        containsString("one of [none, google]"));
  }

  @Test
  public void theHandlerIsOnTheClasspathAsAKafkaLoginCallbackHandler() throws Exception {
    Class<?> handler = Class.forName(KafkaAuth.GOOGLE_LOGIN_HANDLER);
    assertThat(AuthenticateCallbackHandler.class.isAssignableFrom(handler), equalTo(true));
  }

  /**
   * A consumer logs in when it is built: with these settings Kafka hands the login to Google's handler, which asks
   * Google's auth library for credentials. None exist here, so the build fails, inside that handler.
   */
  @Test
  public void aConsumerBuiltWithThemLogsInThroughGooglesHandler() {
    Map<String, Object> config = new HashMap<>(KafkaAuth.properties("google"));
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
    RuntimeException failed = assertThrows(RuntimeException.class,
        () -> new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer()).close());
    List<String> frames = new ArrayList<>();
    for (Throwable t = failed; t != null; t = t.getCause()) {
      for (StackTraceElement frame : t.getStackTrace()) {
        frames.add(frame.getClassName());
      }
    }
    assertThat(String.join("\n", frames), containsString(KafkaAuth.GOOGLE_LOGIN_HANDLER));
  }
}
