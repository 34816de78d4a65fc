variable "project_id" {
  description = "The project of the GKE clusters, where everything is created."
  type        = string
}

variable "region" {
  description = "Region of the job, bucket, dataset and template image, e.g. europe-west1."
  type        = string
}

variable "cluster_names" {
  description = "Only these GKE clusters' logs; empty for all of the project's."
  type        = list(string)
  default     = []
}

variable "include_data_access" {
  description = "Also the Data Access audit log (reads), if enabled for k8s.io in the project."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Days the exported logs stay in the bucket (how far back a backfill can go); null forever."
  type        = number
  default     = 400
}

variable "dataset_id" {
  description = "The BigQuery dataset of the four tables."
  type        = string
  default     = "kelemetry"
}

variable "partition_expiration_days" {
  description = "Days BigQuery keeps a day of rows; null forever."
  type        = number
  default     = null
}

variable "deploy_job" {
  description = "false on the first apply (the template is published into the bucket this creates), then true."
  type        = bool
  default     = true
}

variable "template_image_repository" {
  description = "The Artifact Registry repository holding the template image (build.sh --repository)."
  type        = string
  default     = "kelemetry"
}

variable "max_workers" {
  description = "Most Dataflow workers for the streaming job."
  type        = number
  default     = 3
}

variable "launcher_members" {
  description = "Principals that may launch jobs as the job's service account (you, and whoever runs backfills), e.g. [\"user:ana@example.com\"]."
  type        = list(string)
  default     = []
}

variable "otlp_endpoint" {
  description = "An OTLP endpoint (an OpenTelemetry Collector exporting to Cloud Trace, Jaeger, Tempo); null for BigQuery only."
  type        = string
  default     = null
}

variable "otlp_protocol" {
  description = "grpc or http/protobuf."
  type        = string
  default     = "grpc"
}

variable "otlp_headers_secret" {
  description = "A Secret Manager secret (name) with KEY=VALUE header lines for the OTLP endpoint; null for none."
  type        = string
  default     = null
}

variable "allow_destroy" {
  description = "true lets terraform destroy delete the bucket with its logs and the tables with their rows."
  type        = bool
  default     = false
}
