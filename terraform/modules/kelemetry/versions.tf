terraform {
  # optional() attributes in variable types and validation blocks that may refer to other variables need 1.9.
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 6.x is the first major version with google_managed_kafka_cluster in the GA provider.
      version = ">= 6.20.0, < 8.0.0"
    }
    # google_dataflow_flex_template_job exists only in the beta provider.
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 6.20.0, < 8.0.0"
    }
  }
}
