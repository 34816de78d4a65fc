# Two project-level sinks with the same filter: one to Pub/Sub for the live job, one to the bucket for history.
# Each has its own Google-managed writer identity, which may write to its own destination and nothing else (iam.tf).

resource "google_logging_project_sink" "to_pubsub" {
  count                  = var.stream_source == "pubsub" ? 1 : 0
  project                = var.project_id
  name                   = "${var.name_prefix}-audit-pubsub"
  destination            = "pubsub.googleapis.com/${google_pubsub_topic.audit[0].id}"
  filter                 = local.log_filter
  unique_writer_identity = true
}

resource "google_logging_project_sink" "to_bucket" {
  project                = var.project_id
  name                   = "${var.name_prefix}-audit-history"
  destination            = "storage.googleapis.com/${google_storage_bucket.kelemetry.name}"
  filter                 = local.log_filter
  unique_writer_identity = true
}
