# The App Engine application that hosts the web app; versions are deployed with `gcloud app deploy` (see app.yaml).

resource "google_app_engine_application" "app" {
  project     = var.project_id
  location_id = var.app_engine_location

  # An App Engine application cannot be deleted, only its project; destroy removes it from state only.
  depends_on = [google_project_service.enabled]
}
