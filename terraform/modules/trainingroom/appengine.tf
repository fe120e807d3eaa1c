# The App Engine application that hosts the web app, and the build role its default account needs; versions are deployed with `gcloud app deploy` (docs/DEPLOY.md).

resource "google_app_engine_application" "app" {
  project     = var.project_id
  location_id = var.app_engine_location

  # An App Engine application cannot be deleted, only its project; destroy removes it from state only.
  depends_on = [google_project_service.enabled]
}

# App Engine builds each version with Cloud Build as the App Engine default service account
# (PROJECT_ID@appspot.gserviceaccount.com); the app itself runs as app-runtime@ (service_account in app.deploy.yaml).
# Google used to give that account Editor when it was created; an organisation that disables automatic grants
# to default service accounts (constraint iam.automaticIamGrantsForDefaultServiceAccounts) leaves it with
# nothing, and every `gcloud app deploy` then fails with "Failed to create cloud build: ... invalid bucket
# "staging.PROJECT_ID.appspot.com"; service account PROJECT_ID@appspot.gserviceaccount.com does not have
# access to the bucket". The build role is all it needs, granted here explicitly, which such a policy allows.
data "google_app_engine_default_service_account" "default" {
  project = var.project_id

  depends_on = [google_app_engine_application.app]
}

resource "google_project_iam_member" "app_engine_builder" {
  project = var.project_id
  role    = "roles/cloudbuild.builds.builder"
  member  = "serviceAccount:${data.google_app_engine_default_service_account.default.email}"
}
