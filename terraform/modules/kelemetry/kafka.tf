# Optional: a Managed Service for Apache Kafka topic as the live source instead of Pub/Sub. A log sink cannot write to
# Kafka, so something else produces into it (a log shipper on self-managed clusters, a Pub/Sub-to-Kafka connector);
# the bucket sink still keeps the GKE history.

resource "google_managed_kafka_cluster" "kelemetry" {
  count      = var.stream_source == "kafka" ? 1 : 0
  project    = var.project_id
  cluster_id = var.name_prefix
  location   = var.region
  labels     = var.labels

  capacity_config {
    vcpu_count   = var.kafka_vcpu_count
    memory_bytes = var.kafka_memory_gib * 1073741824
  }

  gcp_config {
    access_config {
      network_configs {
        subnet = var.kafka_subnetwork
      }
    }
  }
}

resource "google_managed_kafka_topic" "audit" {
  count              = var.stream_source == "kafka" ? 1 : 0
  project            = var.project_id
  topic_id           = "${var.name_prefix}-audit"
  cluster            = google_managed_kafka_cluster.kelemetry[0].cluster_id
  location           = var.region
  partition_count    = var.kafka_partitions
  replication_factor = 3
}

locals {
  # The bootstrap address Managed Kafka documents for every cluster, built from its id rather than read from the
  # resource so that it does not depend on which provider version exports it.
  kafka_bootstrap = "bootstrap.${var.name_prefix}.${var.region}.managedkafka.${var.project_id}.cloud.goog:9092"
}
