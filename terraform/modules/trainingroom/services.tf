# Google APIs the site uses, and the project data (its number) that service agent addresses are built from.

locals {
  services = toset([
    "appengine.googleapis.com",
    "artifactregistry.googleapis.com", # gen2 functions store their built images here
    "cloudbuild.googleapis.com",       # builds both the functions and App Engine versions
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com", # OIDC tokens for push and scheduler, and operator impersonation
    "logging.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com", # gen2 functions run as Cloud Run services
    "secretmanager.googleapis.com",
    "sqladmin.googleapis.com", # the Cloud SQL connector talks to this API
    "storage.googleapis.com",
  ])
}

resource "google_project_service" "enabled" {
  for_each = local.services

  project = var.project_id
  service = each.value

  # Turning an API off on destroy would break anything else in the project that uses it.
  disable_on_destroy = false
}

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # Google-managed identity Pub/Sub uses for push tokens and dead-lettering; it exists once the API is on.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}
