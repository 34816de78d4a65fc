# The dataset and the four tables the pipeline writes, made from the same JSON schemas the pipeline uses
# (schemas/src/main/resources/bigquery/), partitioned and clustered as WriteBigQuery creates them when absent, so a
# table made here and one made by the job are the same table. TerraformCheckTest (terraform/src/test) holds the two
# to each other.

resource "google_bigquery_dataset" "kelemetry" {
  project                    = var.project_id
  dataset_id                 = var.dataset_id
  location                   = coalesce(var.bigquery_location, var.region)
  description                = "Kubernetes control-plane traces: spans, links, metrics and dead letters."
  delete_contents_on_destroy = var.force_destroy
  labels                     = var.labels
}

locals {
  partition_expiration_ms = var.partition_expiration_days == null ? null : var.partition_expiration_days * 86400000
}

resource "google_bigquery_table" "spans" {
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.kelemetry.dataset_id
  table_id            = "spans"
  schema              = file("${path.module}/../../../schemas/src/main/resources/bigquery/spans.json")
  clustering          = ["cluster", "resource", "namespace", "object_name"]
  deletion_protection = var.table_deletion_protection
  labels              = var.labels

  time_partitioning {
    type          = "DAY"
    field         = "start_time"
    expiration_ms = local.partition_expiration_ms
  }
}

resource "google_bigquery_table" "links" {
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.kelemetry.dataset_id
  table_id            = "links"
  schema              = file("${path.module}/../../../schemas/src/main/resources/bigquery/links.json")
  clustering          = ["cluster", "resource", "namespace", "object_name"]
  deletion_protection = var.table_deletion_protection
  labels              = var.labels

  time_partitioning {
    type          = "DAY"
    field         = "window_start"
    expiration_ms = local.partition_expiration_ms
  }
}

resource "google_bigquery_table" "metrics" {
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.kelemetry.dataset_id
  table_id            = "metrics"
  schema              = file("${path.module}/../../../schemas/src/main/resources/bigquery/metrics.json")
  clustering          = ["metric"]
  deletion_protection = var.table_deletion_protection
  labels              = var.labels

  time_partitioning {
    type          = "DAY"
    field         = "window_start"
    expiration_ms = local.partition_expiration_ms
  }
}

# Partitioned by ingestion time: a dead letter may have no time of its own (an unparseable line).
resource "google_bigquery_table" "dead_letters" {
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.kelemetry.dataset_id
  table_id            = "dead_letters"
  schema              = file("${path.module}/../../../schemas/src/main/resources/bigquery/dead_letters.json")
  deletion_protection = var.table_deletion_protection
  labels              = var.labels

  time_partitioning {
    type          = "DAY"
    expiration_ms = local.partition_expiration_ms
  }
}
