# Terraform, provider and state backend for the production environment.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.50.0, < 7.0.0"
    }
    time = {
      source  = "hashicorp/time"
      version = ">= 0.12.0, < 1.0.0"
    }
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
