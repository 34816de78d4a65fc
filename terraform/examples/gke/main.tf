# kelemetry for the GKE clusters of one project: their audit logs through a log sink and Pub/Sub into a Dataflow
# streaming job, traces into BigQuery (and an OTLP backend when one is given), history into a bucket for backfills.
# docs/deploy.md walks through it.

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

module "kelemetry" {
  source = "../../modules/kelemetry"

  project_id          = var.project_id
  region              = var.region
  cluster_names       = var.cluster_names
  include_data_access = var.include_data_access
  log_retention_days  = var.log_retention_days

  dataset_id                = var.dataset_id
  partition_expiration_days = var.partition_expiration_days

  deploy_job                = var.deploy_job
  template_image_repository = var.template_image_repository
  max_workers               = var.max_workers
  launcher_members          = var.launcher_members

  otlp_endpoint       = var.otlp_endpoint
  otlp_protocol       = var.otlp_protocol
  otlp_headers_secret = var.otlp_headers_secret

  # Both guards off only when everything is to go, logs and tables included (docs/deploy.md, "Tear down").
  force_destroy             = var.allow_destroy
  table_deletion_protection = !var.allow_destroy

  labels = { app = "kelemetry" }
}
