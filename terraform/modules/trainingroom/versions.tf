# Provider requirements of the module; the google provider range matches the schema snapshot test/deploy checks against.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.50.0, < 7.0.0"
    }
  }
}
