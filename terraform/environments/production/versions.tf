# Terraform and the state backend for the production environment. The provider version ranges live once, in the
# module (../../modules/trainingroom/versions.tf); a root that names no version takes the module's.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = { source = "hashicorp/google" }
    time   = { source = "hashicorp/time" }
  }

  # State lives in a versioned bucket you create once (docs/DEPLOY.md step 2):
  #   terraform init -backend-config="bucket=<project>-tfstate"
  backend "gcs" {
    prefix = "trainingroom/production"
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
