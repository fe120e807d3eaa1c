# Provider requirements of the module; the ranges match the schema snapshots test/deploy checks against.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.50.0, < 7.0.0"
    }
    # time_sleep: waits for IAM grants to propagate before the first function build (iam.tf).
    time = {
      source  = "hashicorp/time"
      version = ">= 0.12.0, < 1.0.0"
    }
  }
}
