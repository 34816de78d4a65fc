# Who may do what, each grant on the one resource it is for. Three identities:
# - each sink's writer identity (Google-managed, one per sink): publish to the topic / create objects in the bucket;
# - the job's service account (workers and the Flex Template launcher VM run as it): read its subscription, write the
#   dataset's tables, use the bucket, read the OTLP headers secret and the template image;
# - whoever runs terraform and launches backfills (not created here): see docs/deploy.md, "Who runs this". They need
#   actAs on the job's service account, granted below to launcher_members only, not project-wide.

resource "google_service_account" "dataflow" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-dataflow"
  display_name = "kelemetry Dataflow workers (${var.name_prefix})"
}

# --- The sinks' writers ---------------------------------------------------------------------------------------------

resource "google_pubsub_topic_iam_member" "sink_publishes" {
  count   = var.stream_source == "pubsub" ? 1 : 0
  project = var.project_id
  topic   = google_pubsub_topic.audit[0].name
  role    = "roles/pubsub.publisher"
  member  = google_logging_project_sink.to_pubsub[0].writer_identity
}

resource "google_storage_bucket_iam_member" "sink_writes_history" {
  bucket = google_storage_bucket.kelemetry.name
  role   = "roles/storage.objectCreator"
  member = google_logging_project_sink.to_bucket.writer_identity
}

# --- The job --------------------------------------------------------------------------------------------------------

# Project level by necessity: it lets the VMs report work items and metrics to the Dataflow service for this project.
resource "google_project_iam_member" "dataflow_worker" {
  project = var.project_id
  role    = "roles/dataflow.worker"
  member  = google_service_account.dataflow.member
}

resource "google_pubsub_subscription_iam_member" "job_pulls" {
  count        = var.stream_source == "pubsub" ? 1 : 0
  project      = var.project_id
  subscription = google_pubsub_subscription.job[0].name
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.dataflow.member
}

# The Pub/Sub reader reads the subscription's own settings (its ack deadline) before it pulls: subscriptions.get,
# which subscriber does not include.
resource "google_pubsub_subscription_iam_member" "job_reads_subscription" {
  count        = var.stream_source == "pubsub" ? 1 : 0
  project      = var.project_id
  subscription = google_pubsub_subscription.job[0].name
  role         = "roles/pubsub.viewer"
  member       = google_service_account.dataflow.member
}

# Managed Kafka grants data access per project (or cluster), not per topic.
resource "google_project_iam_member" "job_reads_kafka" {
  count   = var.stream_source == "kafka" ? 1 : 0
  project = var.project_id
  role    = "roles/managedkafka.client"
  member  = google_service_account.dataflow.member
}

# Create the tables if absent and append rows through the Storage Write API, which runs no BigQuery jobs: so no
# bigquery.jobUser on the project (docs/deploy.md says what to do if a real run shows otherwise).
resource "google_bigquery_dataset_iam_member" "job_writes_tables" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.kelemetry.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.dataflow.member
}

# Staging and temp files, and a backfill's reads of the history.
resource "google_storage_bucket_iam_member" "job_uses_bucket" {
  bucket = google_storage_bucket.kelemetry.name
  role   = "roles/storage.objectAdmin"
  member = google_service_account.dataflow.member
}

resource "google_secret_manager_secret_iam_member" "job_reads_otlp_headers" {
  count     = var.otlp_headers_secret == null ? 0 : 1
  project   = var.project_id
  secret_id = var.otlp_headers_secret
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.dataflow.member
}

# The launcher VM pulls the template's image as the job's service account.
resource "google_artifact_registry_repository_iam_member" "job_pulls_image" {
  count      = var.template_image_repository == null ? 0 : 1
  project    = var.project_id
  location   = var.region
  repository = var.template_image_repository
  role       = "roles/artifactregistry.reader"
  member     = google_service_account.dataflow.member
}

# --- Who launches ---------------------------------------------------------------------------------------------------

resource "google_service_account_iam_member" "launchers_act_as_job" {
  for_each           = toset(var.launcher_members)
  service_account_id = google_service_account.dataflow.name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}
