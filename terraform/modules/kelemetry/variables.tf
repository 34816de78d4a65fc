# --- Where --------------------------------------------------------------------------------------------------------

variable "project_id" {
  description = "The Google Cloud project that holds the GKE clusters' logs and everything this module creates."
  type        = string
  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id is a project ID (6-30 lowercase letters, digits and hyphens), not its name or number."
  }
}

variable "region" {
  description = "The region of the Dataflow job, the bucket, the dataset and (when chosen) the Managed Kafka cluster, e.g. europe-west1."
  type        = string
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region is a Google Cloud region such as europe-west1 or us-central1."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (topic, subscription, sinks, service accounts, job); one deployment per prefix and project."
  type        = string
  default     = "kelemetry"
  validation {
    # A service account id is at most 30 characters and this module adds "-dataflow" (9) to the prefix.
    condition     = can(regex("^[a-z][-a-z0-9]{2,19}$", var.name_prefix))
    error_message = "name_prefix is 3-20 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "labels" {
  description = "Labels put on the bucket, topic, subscription, dataset, tables and job."
  type        = map(string)
  default     = {}
}

# --- What is exported from Cloud Logging -----------------------------------------------------------------------------

variable "include_data_access" {
  description = "Also route the Data Access audit log (reads: get, list, watch). It must be enabled for the k8s.io service in the project's audit configuration, and it is several times the volume of Admin Activity."
  type        = bool
  default     = false
}

variable "include_events" {
  description = "Also route the clusters' Kubernetes Events (the events log), which become event spans."
  type        = bool
  default     = true
}

variable "cluster_names" {
  description = "Route only the logs of these GKE clusters (resource.labels.cluster_name); empty routes every cluster in the project."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for c in var.cluster_names : can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", c))])
    error_message = "cluster_names holds GKE cluster names: lowercase letters, digits and hyphens, at most 40 characters."
  }
}

# --- Cloud Storage --------------------------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Name of the bucket for the exported logs (history for backfills) and the Dataflow staging and temp files; null means PROJECT_ID-NAME_PREFIX."
  type        = string
  default     = null
  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][-_a-z0-9]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name is 3-63 lowercase letters, digits, hyphens and underscores."
  }
}

variable "log_retention_days" {
  description = "Days the exported audit logs and Events are kept in the bucket before Cloud Storage deletes them; null keeps them forever. This is how far back a backfill can go."
  type        = number
  default     = 400
  validation {
    condition     = var.log_retention_days == null || try(var.log_retention_days >= 1, false)
    error_message = "log_retention_days is a positive number of days, or null."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the bucket with the logs in it and the dataset with its tables. Keep false in production."
  type        = bool
  default     = false
}

# --- The live source: Pub/Sub or Managed Kafka -----------------------------------------------------------------------

variable "stream_source" {
  description = "Where the streaming job reads: \"pubsub\" (a log sink to a Pub/Sub topic, the GKE path) or \"kafka\" (a Managed Service for Apache Kafka topic that something else produces into; no log sink feeds it)."
  type        = string
  default     = "pubsub"
  validation {
    condition     = contains(["pubsub", "kafka"], var.stream_source)
    error_message = "stream_source is \"pubsub\" or \"kafka\"."
  }
}

variable "pubsub_ack_deadline_seconds" {
  description = "The subscription's ack deadline. The job extends it while a message waits for its checkpoint, so the default rarely matters."
  type        = number
  default     = 60
  validation {
    condition     = var.pubsub_ack_deadline_seconds >= 10 && var.pubsub_ack_deadline_seconds <= 600
    error_message = "pubsub_ack_deadline_seconds is between 10 and 600 (Pub/Sub's limits)."
  }
}

variable "pubsub_message_retention" {
  description = "How long the subscription keeps unacknowledged messages, as seconds with an s (\"604800s\" = 7 days, the most). A job stopped longer than this loses messages; backfill the gap from the bucket."
  type        = string
  default     = "604800s"
  validation {
    condition     = can(regex("^[0-9]+s$", var.pubsub_message_retention)) && try(tonumber(trimsuffix(var.pubsub_message_retention, "s")) >= 600 && tonumber(trimsuffix(var.pubsub_message_retention, "s")) <= 604800, false)
    error_message = "pubsub_message_retention is between \"600s\" and \"604800s\"."
  }
}

variable "kafka_subnetwork" {
  description = "stream_source = \"kafka\" only: the subnetwork (projects/P/regions/R/subnetworks/S) in which the Managed Kafka cluster gets its addresses; the Dataflow workers must reach it."
  type        = string
  default     = null
  validation {
    condition     = var.stream_source != "kafka" || var.kafka_subnetwork != null
    error_message = "kafka_subnetwork is required when stream_source is \"kafka\"."
  }
}

variable "kafka_vcpu_count" {
  description = "stream_source = \"kafka\" only: vCPUs of the Managed Kafka cluster (3 at least)."
  type        = number
  default     = 3
  validation {
    condition     = var.kafka_vcpu_count >= 3
    error_message = "kafka_vcpu_count is at least 3."
  }
}

variable "kafka_memory_gib" {
  description = "stream_source = \"kafka\" only: memory of the Managed Kafka cluster in GiB, between 1 and 8 per vCPU."
  type        = number
  default     = 3
  validation {
    condition     = var.kafka_memory_gib >= 3
    error_message = "kafka_memory_gib is at least 3 (1 GiB per vCPU, 3 vCPUs at least)."
  }
}

variable "kafka_partitions" {
  description = "stream_source = \"kafka\" only: partitions of the audit topic."
  type        = number
  default     = 3
  validation {
    condition     = var.kafka_partitions >= 1
    error_message = "kafka_partitions is at least 1."
  }
}

# --- BigQuery -------------------------------------------------------------------------------------------------------

variable "dataset_id" {
  description = "The BigQuery dataset for the spans, links, metrics and dead_letters tables."
  type        = string
  default     = "kelemetry"
  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,1024}$", var.dataset_id))
    error_message = "dataset_id is letters, digits and underscores (the pipeline's --bigquery-dataset takes no other)."
  }
}

variable "bigquery_location" {
  description = "Location of the dataset: a region or a multi-region (EU, US); null means the region. It cannot change once the dataset exists."
  type        = string
  default     = null
}

variable "partition_expiration_days" {
  description = "Days a day partition of the four tables is kept; null keeps rows forever. The spans of a day older than this are gone from BigQuery (not from the bucket's logs)."
  type        = number
  default     = null
  validation {
    condition     = var.partition_expiration_days == null || try(var.partition_expiration_days >= 1, false)
    error_message = "partition_expiration_days is a positive number of days, or null."
  }
}

variable "table_deletion_protection" {
  description = "Refuse to destroy the tables (Terraform's own guard); set false before a terraform destroy that should remove them."
  type        = bool
  default     = true
}

# --- The streaming Dataflow job -------------------------------------------------------------------------------------

variable "deploy_job" {
  description = "Create the streaming job. Apply with false first: the template is published into this module's bucket (deploy/flex-template/build.sh), which must exist before the job can start."
  type        = bool
  default     = true
}

variable "template_gcs_path" {
  description = "The Flex Template spec; null means gs://BUCKET/templates/kelemetry.json, where build.sh --bucket BUCKET writes it."
  type        = string
  default     = null
  validation {
    condition     = var.template_gcs_path == null || can(regex("^gs://[^/]+/.+\\.json$", var.template_gcs_path))
    error_message = "template_gcs_path is a gs:// path to the template's JSON spec."
  }
}

variable "template_image_repository" {
  description = "The Artifact Registry repository (in the region) that holds the template's image; the job's service account may read it and nothing else there. null grants nothing (an image readable otherwise)."
  type        = string
  default     = "kelemetry"
}

variable "job_name" {
  description = "Name of the streaming job; null means NAME_PREFIX-stream."
  type        = string
  default     = null
  validation {
    condition     = var.job_name == null || can(regex("^[a-z]([-a-z0-9]{0,62}[a-z0-9])?$", var.job_name))
    error_message = "job_name is lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "max_workers" {
  description = "Most workers autoscaling may start. Measured here: about 2,500 events/s streamed per 2 cores; see docs/deploy.md for sizing."
  type        = number
  default     = 3
  validation {
    condition     = var.max_workers >= 1 && var.max_workers <= 1000
    error_message = "max_workers is between 1 and 1000."
  }
}

variable "machine_type" {
  description = "Worker machine type. The job keeps every tracked object's state for --state-ttl, so memory grows with the clusters' object count."
  type        = string
  default     = "n2-standard-2"
}

variable "subnetwork" {
  description = "Subnetwork for the workers (https://www.googleapis.com/compute/v1/projects/P/regions/R/subnetworks/S or regions/R/subnetworks/S); null uses the default network."
  type        = string
  default     = null
}

variable "worker_public_ips" {
  description = "Give workers public IPs. false needs Private Google Access on the subnetwork, and Cloud NAT for an OTLP endpoint outside Google."
  type        = bool
  default     = true
}

variable "on_delete" {
  description = "What terraform destroy (or a replacement) does to the running job: drain (finish what was read) or cancel (stop now)."
  type        = string
  default     = "drain"
  validation {
    condition     = contains(["drain", "cancel"], var.on_delete)
    error_message = "on_delete is \"drain\" or \"cancel\"."
  }
}

# The pipeline's own options (the template's parameters); defaults are the pipeline's, so unset ones are not passed.

variable "window" {
  description = "Trace window (the template's window parameter), e.g. 30m."
  type        = string
  default     = null
  validation {
    condition     = var.window == null || can(regex("^[0-9]+(ms|s|m|h|d)$", var.window))
    error_message = "window is a duration such as 30m or 1h."
  }
}

variable "watermark_delay" {
  description = "How far a record may trail the newest one and still count (watermarkDelay), e.g. 1m; docs/streaming.md."
  type        = string
  default     = null
  validation {
    condition     = var.watermark_delay == null || can(regex("^[0-9]+(ms|s|m|h|d)$", var.watermark_delay))
    error_message = "watermark_delay is a duration such as 1m."
  }
}

variable "allowed_lateness" {
  description = "Extra wait before a window is written (allowedLateness), e.g. 30s; docs/streaming.md."
  type        = string
  default     = null
  validation {
    condition     = var.allowed_lateness == null || can(regex("^[0-9]+(ms|s|m|h|d)$", var.allowed_lateness))
    error_message = "allowed_lateness is a duration such as 0s or 30s."
  }
}

variable "metrics_window" {
  description = "Window of the metric rows (metricsWindow), e.g. 1m."
  type        = string
  default     = null
  validation {
    condition     = var.metrics_window == null || can(regex("^[0-9]+(ms|s|m|h|d)$", var.metrics_window))
    error_message = "metrics_window is a duration such as 1m."
  }
}

variable "no_metrics" {
  description = "Skip the metrics (noMetrics): no metric rows, about 10% less CPU."
  type        = bool
  default     = false
}

variable "default_cluster" {
  description = "Cluster name for entries that carry none (cluster); GKE entries always name theirs. null is the pipeline's default."
  type        = string
  default     = null
}

variable "otlp_endpoint" {
  description = "Also export spans and metrics over OTLP to this endpoint (otlpEndpoint), e.g. http://otel-collector.internal:4317; null exports none."
  type        = string
  default     = null
  validation {
    condition     = var.otlp_endpoint == null || can(regex("^https?://", var.otlp_endpoint))
    error_message = "otlp_endpoint is an http:// or https:// URL."
  }
}

variable "otlp_protocol" {
  description = "OTLP transport (otlpProtocol): grpc or http/protobuf."
  type        = string
  default     = "grpc"
  validation {
    condition     = contains(["grpc", "http/protobuf"], var.otlp_protocol)
    error_message = "otlp_protocol is \"grpc\" or \"http/protobuf\"."
  }
}

variable "otlp_headers_secret" {
  description = "Name of an existing Secret Manager secret in the project whose payload is KEY=VALUE lines sent as OTLP headers (API keys, tenant ids). Only the job's service account may read it. null sends no headers."
  type        = string
  default     = null
  validation {
    condition     = var.otlp_headers_secret == null || can(regex("^[A-Za-z0-9_-]{1,255}$", var.otlp_headers_secret))
    error_message = "otlp_headers_secret is a secret's name (not its full resource path)."
  }
}

variable "otlp_headers_secret_version" {
  description = "Version of otlp_headers_secret the job reads: a number, or latest."
  type        = string
  default     = "latest"
  validation {
    condition     = can(regex("^(latest|[1-9][0-9]*)$", var.otlp_headers_secret_version))
    error_message = "otlp_headers_secret_version is a version number or \"latest\"."
  }
}

variable "extra_parameters" {
  description = "Further template parameters by name (maxOwnerDepth, stateTtl, ...), passed as given; they win over the ones this module sets."
  type        = map(string)
  default     = {}
}

variable "launcher_members" {
  description = "Principals (user:..., group:..., serviceAccount:...) that may launch jobs as the job's service account (terraform itself, and whoever runs backfills): roles/iam.serviceAccountUser on that account only."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for m in var.launcher_members : can(regex("^(user|group|serviceAccount|principal|principalSet):.+", m))])
    error_message = "launcher_members are IAM principals such as user:ana@example.com or group:platform@example.com."
  }
}
