output "bucket" {
  description = "The bucket of the exported logs (history) and the job's staging/temp files; build.sh --bucket takes it."
  value       = google_storage_bucket.kelemetry.name
}

output "template_gcs_path" {
  description = "Where the job expects the Flex Template spec."
  value       = local.template_gcs_path
}

output "history_inputs" {
  description = "The file patterns of the sink's history in the bucket, as a backfill's input takes them."
  value       = [for p in local.history_prefixes : "gs://${local.bucket_name}/${p}**"]
}

output "log_filter" {
  description = "The filter both sinks route by."
  value       = local.log_filter
}

output "pubsub_topic" {
  description = "The topic the live sink publishes to (null with Kafka)."
  value       = one(google_pubsub_topic.audit[*].id)
}

output "pubsub_subscription" {
  description = "The job's subscription, as the pubsubSubscription parameter takes it (null with Kafka)."
  value       = one(google_pubsub_subscription.job[*].id)
}

output "kafka_bootstrap" {
  description = "The Managed Kafka bootstrap address (null with Pub/Sub)."
  value       = one(google_managed_kafka_cluster.kelemetry[*].cluster_id) == null ? null : local.kafka_bootstrap
}

output "kafka_topic" {
  description = "The Managed Kafka topic to produce audit records into (null with Pub/Sub)."
  value       = one(google_managed_kafka_topic.audit[*].topic_id)
}

output "bigquery_dataset" {
  description = "PROJECT:DATASET, as the bigqueryDataset parameter and --bigquery-dataset take it."
  value       = local.bigquery_dataset
}

output "bigquery_tables" {
  description = "The tables' ids for bq and SQL (PROJECT.DATASET.TABLE)."
  value = {
    spans        = "${var.project_id}.${google_bigquery_dataset.kelemetry.dataset_id}.${google_bigquery_table.spans.table_id}"
    links        = "${var.project_id}.${google_bigquery_dataset.kelemetry.dataset_id}.${google_bigquery_table.links.table_id}"
    metrics      = "${var.project_id}.${google_bigquery_dataset.kelemetry.dataset_id}.${google_bigquery_table.metrics.table_id}"
    dead_letters = "${var.project_id}.${google_bigquery_dataset.kelemetry.dataset_id}.${google_bigquery_table.dead_letters.table_id}"
  }
}

output "job_id" {
  description = "The streaming job's id (null until deploy_job is true)."
  value       = one(google_dataflow_flex_template_job.stream[*].job_id)
}

output "job_name" {
  description = "The streaming job's name."
  value       = local.job_name
}

output "stream_parameters" {
  description = "The parameters the streaming job was launched with."
  value       = local.stream_parameters
}

output "dataflow_service_account" {
  description = "The job's service account; a backfill runs as it too (--service-account-email)."
  value       = google_service_account.dataflow.email
}

output "sink_writer_identities" {
  description = "The sinks' Google-managed writer identities, each allowed to write to its own destination only."
  value = {
    pubsub = one(google_logging_project_sink.to_pubsub[*].writer_identity)
    bucket = google_logging_project_sink.to_bucket.writer_identity
  }
}

output "backfill_command" {
  description = "A batch job over the whole history in the bucket, from the same template; add since=...;until=... (RFC 3339) to the parameters for a slice."
  value       = local.backfill_command
}
