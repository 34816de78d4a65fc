# One bucket: the log sink's history (what a backfill reads) and the Dataflow job's staging and temp files.

resource "google_storage_bucket" "kelemetry" {
  project                     = var.project_id
  name                        = local.bucket_name
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = var.labels

  # Only the exported logs expire: the staging folder holds the files a running job's new workers still download.
  dynamic "lifecycle_rule" {
    for_each = var.log_retention_days == null ? [] : [var.log_retention_days]
    content {
      condition {
        age            = lifecycle_rule.value
        matches_prefix = local.history_prefixes
      }
      action {
        type = "Delete"
      }
    }
  }
}
