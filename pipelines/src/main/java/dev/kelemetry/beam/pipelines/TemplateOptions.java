package dev.kelemetry.beam.pipelines;

import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * The parameters of the Dataflow Flex Template ({@code deploy/flex-template/metadata.json} declares the same, checked
 * by {@code TemplateMetadataTest}): the camelCase of the command line's flags for the same things, plus Dataflow's own
 * options (project, region, tempLocation, ...), which the launcher passes. Parsed once in {@link TemplateMain}, which
 * turns them into the {@link TracingConfig} the command line builds; no transform reads them.
 */
public interface TemplateOptions extends DataflowPipelineOptions {
  @Description("stream (a live job from Pub/Sub or Kafka) or backfill (a batch job over files)")
  @Validation.Required
  String getMode();

  void setMode(String mode);

  @Description("Backfill: audit-log file patterns, comma-separated, e.g. gs://BUCKET/cloudaudit.googleapis.com/activity/**")
  String getInput();

  void setInput(String input);

  @Description("Backfill: only records at or after this time (RFC 3339, e.g. 2026-03-01T00:00:00Z)")
  String getSince();

  void setSince(String since);

  @Description("Backfill: only records before this time (RFC 3339)")
  String getUntil();

  void setUntil(String until);

  @Description("Stream from this Pub/Sub subscription of a GKE log sink: projects/PROJECT/subscriptions/SUBSCRIPTION")
  String getPubsubSubscription();

  void setPubsubSubscription(String subscription);

  @Description("Stream from Kafka instead: bootstrap servers host:port[,host:port] (with topic)")
  String getKafkaBootstrap();

  void setKafkaBootstrap(String bootstrap);

  @Description("Kafka topics to read, comma-separated (with kafkaBootstrap)")
  String getTopic();

  void setTopic(String topic);

  @Description("Kafka authentication: none, or google for Managed Service for Apache Kafka (SASL/OAUTHBEARER with the"
      + " workers' service account)")
  @Default.String("none")
  String getKafkaAuth();

  void setKafkaAuth(String auth);

  @Description("Cluster name of records whose input names none")
  @Default.String("default")
  String getCluster();

  void setCluster(String cluster);

  @Description("Trace window, epoch-aligned: one trace per root object per window (a divisor of a day: 5m, 30m, 1h)")
  @Default.String("30m")
  String getWindow();

  void setWindow(String window);

  @Description("Owner hops followed above an object")
  @Default.Integer(10)
  Integer getMaxOwnerDepth();

  void setMaxOwnerDepth(Integer depth);

  @Description("How long an object's state and owner link are kept after its last request, in event time")
  @Default.String("24h")
  String getStateTtl();

  void setStateTtl(String ttl);

  @Description("BigQuery dataset PROJECT:DATASET for the spans, links, metrics and dead_letters tables")
  @Validation.Required
  String getBigqueryDataset();

  void setBigqueryDataset(String dataset);

  @Description("Event-time window of request metrics")
  @Default.String("1m")
  String getMetricsWindow();

  void setMetricsWindow(String window);

  @Description("Compute no metrics")
  @Default.Boolean(false)
  Boolean getNoMetrics();

  void setNoMetrics(Boolean noMetrics);

  @Description("Also send the spans and metrics to this OTLP receiver: https://HOST:4317 (grpc) or https://HOST:4318 (http/protobuf)")
  String getOtlpEndpoint();

  void setOtlpEndpoint(String endpoint);

  @Description("OTLP protocol: grpc or http/protobuf")
  @Default.String("grpc")
  String getOtlpProtocol();

  void setOtlpProtocol(String protocol);

  @Description("Secret Manager secret version projects/P/secrets/S/versions/V whose payload is KEY=VALUE lines, sent as OTLP headers")
  String getOtlpHeaderSecret();

  void setOtlpHeaderSecret(String secretVersion);

  @Description("Stream: how far the watermark trails the newest record's event time")
  @Default.String("1m")
  String getWatermarkDelay();

  void setWatermarkDelay(String delay);

  @Description("Stream: extra wait for late records before a window's single firing, added to watermarkDelay")
  @Default.String("0s")
  String getAllowedLateness();

  void setAllowedLateness(String lateness);
}
