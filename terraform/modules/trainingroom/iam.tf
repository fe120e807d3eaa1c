# Service accounts (one per runtime, plus scheduler, Pub/Sub pusher, builder and migrator) and their project-level roles.

locals {
  # Keys are the readers named in shared/secrets.ts (SecretReader), so secret grants line up with the code.
  runtime_identities = {
    "app"                  = { account_id = "app-runtime", display_name = "Training site web app (App Engine)" }
    "process-strava-event" = { account_id = "fn-process-strava-event", display_name = "Function processStravaEvent" }
    "update-tokens"        = { account_id = "fn-update-tokens", display_name = "Function update_tokens" }
    "backfill"             = { account_id = "fn-backfill", display_name = "Function backfill" }
  }

  runtime_emails = { for key, sa in google_service_account.runtime : key => sa.email }

  # Everyone who logs in to Postgres with IAM database authentication.
  database_principals = merge(local.runtime_emails, { migrator = google_service_account.migrator.email })

  # Cloud SQL names an IAM service-account user after the email without its domain suffix (DATABASE_USER).
  database_users = { for key, email in local.database_principals : key => trimsuffix(email, ".gserviceaccount.com") }

  # Cloud SQL roles are granted on the project; the condition narrows them to this one instance.
  sql_instance_condition = "resource.type == 'sqladmin.googleapis.com/Instance' && resource.name == 'projects/${var.project_id}/instances/${var.database_instance_name}'"
}

resource "google_service_account" "runtime" {
  for_each = local.runtime_identities

  project      = var.project_id
  account_id   = each.value.account_id
  display_name = each.value.display_name

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = "scheduler-invoker"
  display_name = "Cloud Scheduler caller of update_tokens"

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "pubsub_pusher" {
  project      = var.project_id
  account_id   = "pubsub-pusher"
  display_name = "Pub/Sub push identity for processStravaEvent and backfill"

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "functions_builder" {
  project      = var.project_id
  account_id   = "functions-builder"
  display_name = "Cloud Build identity for the functions"

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "migrator" {
  project      = var.project_id
  account_id   = "db-migrator"
  display_name = "Runs database migrations and owns the schema"

  depends_on = [google_project_service.enabled]
}

# Connect through the Cloud SQL connector (ephemeral certificates) to this instance only.
resource "google_project_iam_member" "cloudsql_client" {
  for_each = local.database_principals

  project = var.project_id
  role    = "roles/cloudsql.client"
  member  = "serviceAccount:${each.value}"

  condition {
    title      = "only-${var.database_instance_name}"
    expression = local.sql_instance_condition
  }
}

# Log in with an IAM token instead of a password (IAM database authentication).
resource "google_project_iam_member" "cloudsql_instance_user" {
  for_each = local.database_principals

  project = var.project_id
  role    = "roles/cloudsql.instanceUser"
  member  = "serviceAccount:${each.value}"

  condition {
    title      = "only-${var.database_instance_name}"
    expression = local.sql_instance_condition
  }
}

# Structured logs written through the client libraries are attributed to the runtime identity.
resource "google_project_iam_member" "log_writer" {
  for_each = local.runtime_emails

  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${each.value}"
}

# A dedicated build identity keeps function builds off the default compute account, which often holds Editor.
resource "google_project_iam_member" "functions_builder" {
  project = var.project_id
  role    = "roles/cloudbuild.builds.builder"
  member  = "serviceAccount:${google_service_account.functions_builder.email}"
}

# Operators run migrations as the migrator, so one role owns every table whoever runs them.
resource "google_service_account_iam_member" "operators_impersonate_migrator" {
  for_each = toset(var.operator_members)

  service_account_id = google_service_account.migrator.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = each.value
}

# `gcloud app deploy` with `service_account:` in app.yaml needs actAs on that account.
resource "google_service_account_iam_member" "operators_deploy_as_app" {
  for_each = toset(var.operator_members)

  service_account_id = google_service_account.runtime["app"].name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}
