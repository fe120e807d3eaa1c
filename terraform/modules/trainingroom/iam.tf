# Service accounts (one per runtime, plus scheduler, Pub/Sub pusher, builder and migrator) and their project-level roles.

locals {
  # Keys are the readers named in shared/platform/secrets.ts (SecretReader), so secret grants line up with the code.
  runtime_identities = {
    "app"                  = { account_id = "app-runtime", display_name = "Training site web app (App Engine)" }
    "process-strava-event" = { account_id = "fn-process-strava-event", display_name = "Function processStravaEvent" }
    "update-tokens"        = { account_id = "fn-update-tokens", display_name = "Function update_tokens" }
    "backfill"             = { account_id = "fn-backfill", display_name = "Function backfill" }
    "import-archive"       = { account_id = "fn-import-archive", display_name = "Function importArchive" }
    "deliver-activities"   = { account_id = "fn-deliver-activities", display_name = "Function deliverActivities" }
  }

  # The accounts that call, build and migrate rather than run the code.
  service_identities = {
    "scheduler"         = { account_id = "scheduler-invoker", display_name = "Cloud Scheduler caller of update_tokens" }
    "pubsub-pusher"     = { account_id = "pubsub-pusher", display_name = "Pub/Sub push identity for the functions Pub/Sub invokes" }
    "functions-builder" = { account_id = "functions-builder", display_name = "Cloud Build identity for the functions" }
    "migrator"          = { account_id = "db-migrator", display_name = "Runs database migrations and owns the schema" }
  }

  runtime_emails = { for key in keys(local.runtime_identities) : key => google_service_account.account[key].email }

  # Everyone who logs in to Postgres with IAM database authentication.
  database_principals = merge(local.runtime_emails, { migrator = google_service_account.account["migrator"].email })

  # Cloud SQL names an IAM service-account user after the email without its domain suffix (DATABASE_USER).
  database_users = { for key, email in local.database_principals : key => trimsuffix(email, ".gserviceaccount.com") }

  # Cloud SQL roles are granted on the project; the condition narrows them to this one instance.
  sql_instance_condition = "resource.type == 'sqladmin.googleapis.com/Instance' && resource.name == 'projects/${var.project_id}/instances/${var.database_instance_name}'"
}

resource "google_service_account" "account" {
  for_each = merge(local.runtime_identities, local.service_identities)

  project      = var.project_id
  account_id   = each.value.account_id
  display_name = each.value.display_name

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

# A dedicated build identity keeps function builds off the default build accounts: those often hold Editor,
# and in an organisation that disables automatic grants to default service accounts they hold nothing at all.
resource "google_project_iam_member" "functions_builder" {
  project = var.project_id
  role    = "roles/cloudbuild.builds.builder"
  member  = "serviceAccount:${google_service_account.account["functions-builder"].email}"
}

# IAM grants take effect within about a minute but can take up to seven
# (https://cloud.google.com/iam/docs/access-change-propagation); a build started before then fails with a
# permission error on the source bucket or Artifact Registry. The functions wait for this, once: it sleeps
# on create and again only when the grant it follows is replaced.
resource "time_sleep" "builder_roles_propagated" {
  create_duration = "120s"

  triggers = {
    builder_role = google_project_iam_member.functions_builder.id
  }
}

# Operators run migrations as the migrator, so one role owns every table whoever runs them.
resource "google_service_account_iam_member" "operators_impersonate_migrator" {
  for_each = toset(var.operator_members)

  service_account_id = google_service_account.account["migrator"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = each.value
}

# Deploying a version that runs as this account (service_account in app.deploy.yaml) needs actAs on it.
resource "google_service_account_iam_member" "operators_deploy_as_app" {
  for_each = toset(var.operator_members)

  service_account_id = google_service_account.account["app"].name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}
