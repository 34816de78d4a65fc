# The streaming job, from the Flex Template that deploy/flex-template/build.sh publishes. A backfill is launched from
# the same template with gcloud (the backfill_command output); Terraform manages only the long-running job.

resource "google_dataflow_flex_template_job" "stream" {
  provider                = google-beta
  count                   = var.deploy_job ? 1 : 0
  project                 = var.project_id
  region                  = var.region
  name                    = local.job_name
  container_spec_gcs_path = local.template_gcs_path
  parameters              = local.stream_parameters
  service_account_email   = google_service_account.dataflow.email
  temp_location           = local.temp_location
  staging_location        = local.staging_location
  # Window state and timers live in the Streaming Engine backend instead of the workers' disks: smaller workers, and
  # autoscaling that does not move state between VMs.
  enable_streaming_engine = true
  max_workers             = var.max_workers
  machine_type            = var.machine_type
  subnetwork              = var.subnetwork
  ip_configuration        = var.worker_public_ips ? "WORKER_IP_PUBLIC" : "WORKER_IP_PRIVATE"
  on_delete               = var.on_delete
  labels                  = var.labels

  # Started only once it may read what it reads: a job that starts first fails its first pulls and writes.
  depends_on = [
    google_project_iam_member.dataflow_worker,
    google_pubsub_subscription_iam_member.job_pulls,
    google_pubsub_subscription_iam_member.job_reads_subscription,
    google_project_iam_member.job_reads_kafka,
    google_bigquery_dataset_iam_member.job_writes_tables,
    google_storage_bucket_iam_member.job_uses_bucket,
    google_secret_manager_secret_iam_member.job_reads_otlp_headers,
    google_artifact_registry_repository_iam_member.job_pulls_image,
    google_bigquery_table.spans,
    google_bigquery_table.links,
    google_bigquery_table.metrics,
    google_bigquery_table.dead_letters,
  ]
}
