# Names and values derived once from the variables; the resources are split by service in the other files.

locals {
  bucket_name       = coalesce(var.bucket_name, "${var.project_id}-${var.name_prefix}")
  job_name          = coalesce(var.job_name, "${var.name_prefix}-stream")
  template_gcs_path = coalesce(var.template_gcs_path, "gs://${local.bucket_name}/templates/kelemetry.json")
  temp_location     = "gs://${local.bucket_name}/tmp"
  staging_location  = "gs://${local.bucket_name}/staging"
  bigquery_dataset  = "${var.project_id}:${google_bigquery_dataset.kelemetry.dataset_id}"

  # The logs a sink routes, by log id as it appears in logName (the slash of the audit log ids is URL-encoded there).
  log_ids = concat(
    ["cloudaudit.googleapis.com%2Factivity"],
    var.include_data_access ? ["cloudaudit.googleapis.com%2Fdata_access"] : [],
    var.include_events ? ["events"] : [],
  )
  # Exact logName matches rather than logName:"cloudaudit.googleapis.com", so a project's other audit logs (e.g.
  # system_event, policy) never reach the job, and Data Access only when asked for.
  log_filter = join(" AND ", concat(
    ["resource.type=\"k8s_cluster\""],
    ["logName=(${join(" OR ", [for id in local.log_ids : "\"projects/${var.project_id}/logs/${id}\""])})"],
    length(var.cluster_names) == 0 ? [] : ["resource.labels.cluster_name=(${join(" OR ", [for c in var.cluster_names : "\"${c}\""])})"],
  ))
  # Where the bucket sink writes each log: a folder per log id, with the slash this time.
  history_prefixes = concat(
    ["cloudaudit.googleapis.com/activity/"],
    var.include_data_access ? ["cloudaudit.googleapis.com/data_access/"] : [],
    var.include_events ? ["events/"] : [],
  )

  otlp_header_secret_version = var.otlp_headers_secret == null ? null : "projects/${var.project_id}/secrets/${var.otlp_headers_secret}/versions/${var.otlp_headers_secret_version}"

  # The template's parameters (the names of the shared contract, deploy/flex-template/metadata.json). Unset options
  # are left out rather than passed empty, so the pipeline's own defaults apply.
  stream_parameters = { for name, value in merge({
    mode               = "stream"
    bigqueryDataset    = local.bigquery_dataset
    pubsubSubscription = one(google_pubsub_subscription.job[*].id)
    kafkaBootstrap     = one(google_managed_kafka_cluster.kelemetry[*].cluster_id) == null ? null : local.kafka_bootstrap
    topic              = one(google_managed_kafka_topic.audit[*].topic_id)
    kafkaAuth          = one(google_managed_kafka_topic.audit[*].topic_id) == null ? null : "google"
    cluster            = var.default_cluster
    window             = var.window
    watermarkDelay     = var.watermark_delay
    allowedLateness    = var.allowed_lateness
    metricsWindow      = var.metrics_window
    noMetrics          = var.no_metrics ? "true" : null
    otlpEndpoint       = var.otlp_endpoint
    otlpProtocol       = var.otlp_endpoint == null ? null : var.otlp_protocol
    otlpHeaderSecret   = local.otlp_header_secret_version
  }, var.extra_parameters) : name => value if value != null }

  # A backfill is a batch job from the same template over the bucket's history. gcloud splits --parameters on commas,
  # and input is itself a comma-separated list, so the command switches gcloud's delimiter to ";" (^;^).
  backfill_parameters = join(";", [
    "mode=backfill",
    "input=${join(",", [for p in local.history_prefixes : "gs://${local.bucket_name}/${p}**"])}",
    "bigqueryDataset=${local.bigquery_dataset}",
  ])
  backfill_command = join(" ", [
    "gcloud dataflow flex-template run ${var.name_prefix}-backfill-$(date -u +%Y%m%d-%H%M%S)",
    "--project=${var.project_id}",
    "--region=${var.region}",
    "--template-file-gcs-location=${local.template_gcs_path}",
    "--service-account-email=${google_service_account.dataflow.email}",
    "--temp-location=${local.temp_location}",
    "--staging-location=${local.staging_location}",
    "--max-workers=${var.max_workers}",
    "--parameters='^;^${local.backfill_parameters}'",
  ])
}
