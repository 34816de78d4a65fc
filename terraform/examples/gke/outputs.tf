output "bucket" {
  description = "The bucket: build.sh --bucket takes it; the logs' history is in it."
  value       = module.kelemetry.bucket
}

output "pubsub_subscription" {
  description = "The streaming job's subscription."
  value       = module.kelemetry.pubsub_subscription
}

output "bigquery_dataset" {
  description = "PROJECT:DATASET of the four tables."
  value       = module.kelemetry.bigquery_dataset
}

output "bigquery_tables" {
  description = "PROJECT.DATASET.TABLE of each table, for bq and SQL."
  value       = module.kelemetry.bigquery_tables
}

output "job_id" {
  description = "The streaming job's id."
  value       = module.kelemetry.job_id
}

output "dataflow_service_account" {
  description = "The job's service account."
  value       = module.kelemetry.dataflow_service_account
}

output "backfill_command" {
  description = "The command that backfills the whole history in the bucket."
  value       = module.kelemetry.backfill_command
}
