# The live path on GKE: the sink publishes each LogEntry as one message; the job reads its own subscription.

resource "google_pubsub_topic" "audit" {
  count   = var.stream_source == "pubsub" ? 1 : 0
  project = var.project_id
  name    = "${var.name_prefix}-audit"
  labels  = var.labels
}

resource "google_pubsub_subscription" "job" {
  count                      = var.stream_source == "pubsub" ? 1 : 0
  project                    = var.project_id
  name                       = "${var.name_prefix}-job"
  topic                      = google_pubsub_topic.audit[0].id
  ack_deadline_seconds       = var.pubsub_ack_deadline_seconds
  message_retention_duration = var.pubsub_message_retention
  labels                     = var.labels

  # A subscription nobody pulls from for 31 days is deleted by default; a stopped job must find it again.
  expiration_policy {
    ttl = ""
  }
}
