# The gen2 Cloud Functions built from the uploaded source archive, and who may invoke each.
#
# processStravaEvent and backfill have no event_trigger on purpose: they are reached through the
# push subscriptions in pubsub.tf, which carry the retry and dead-letter policies a trigger cannot.

locals {
  public_base_url = var.public_base_url != "" ? var.public_base_url : "https://${google_app_engine_application.app.default_hostname}"

  # Non-secret settings every function reads; secrets are fetched from Secret Manager by the code.
  function_environment = {
    GOOGLE_CLOUD_PROJECT     = var.project_id # gen2 runtimes do not set it; the code needs it to reach Secret Manager
    PUBLIC_BASE_URL          = local.public_base_url
    STRAVA_CLIENT_ID         = var.strava_client_id
    INSTANCE_CONNECTION_NAME = google_sql_database_instance.main.connection_name
    DATABASE_NAME            = google_sql_database.main.name
    LOG_FORMAT               = "json"
    PUBSUB_TOPIC_EVENTS      = google_pubsub_topic.push["strava-events"].name
    PUBSUB_TOPIC_BACKFILL    = google_pubsub_topic.push["strava-backfill"].name
    PUBSUB_TOPIC_DELIVERIES  = google_pubsub_topic.push["activity-deliveries"].name
  }

  function_build_source = {
    bucket = google_storage_bucket.functions_source.name
    object = google_storage_bucket_object.functions_source.name
  }

  # Keyed by function name, which is also the function's runtime identity (local.runtime_identities)
  # and database user, so logs and grants line up. invoker is the only account that may call it.
  functions = {
    "process-strava-event" = {
      entry_point        = "processStravaEvent"
      description        = "Applies Strava webhook events from Pub/Sub to Postgres."
      available_memory   = "256Mi"
      timeout_seconds    = 60
      max_instance_count = var.processor_max_instances
      invoker            = google_service_account.account["pubsub-pusher"].email
      environment        = {}
    }
    "update-tokens" = {
      entry_point        = "update_tokens"
      description        = "Refreshes Strava tokens before they expire and resumes unfinished history and archive imports (called by Cloud Scheduler)."
      available_memory   = "256Mi"
      timeout_seconds    = 540
      max_instance_count = 1 # one sweep at a time; the per-athlete refresh claim handles overlap anyway
      invoker            = google_service_account.account["scheduler"].email
      environment = {
        # The code checks the caller's identity as well as the platform (a function made public by mistake still refuses).
        UPDATE_TOKENS_INVOKER          = google_service_account.account["scheduler"].email
        UPDATE_TOKENS_INTERVAL_MINUTES = tostring(var.token_refresh_interval_minutes)
        # Stalled archive imports are asked for again there (a publisher grant in pubsub.tf; no bucket access).
        PUBSUB_TOPIC_ARCHIVE = google_pubsub_topic.push["archive-uploads"].name
      }
    }
    "backfill" = {
      entry_point        = "backfill"
      description        = "Imports an athlete's activity history page by page from strava-backfill requests."
      available_memory   = "512Mi"
      timeout_seconds    = 540
      max_instance_count = var.backfill_max_instances
      invoker            = google_service_account.account["pubsub-pusher"].email
      environment        = {}
    }
    "import-archive" = {
      entry_point = "importArchive"
      description = "Imports uploaded Strava archives (FIT, GPX, TCX) from the upload bucket in resumable slices."
      # bench/archive-import.ts measures the peak below 512 MB for any archive size; 1 GiB leaves room for a
      # 48 MB FIT file decoded at its worst.
      available_memory   = "1Gi"
      timeout_seconds    = 540
      max_instance_count = var.archive_import_max_instances
      invoker            = google_service_account.account["pubsub-pusher"].email
      environment = {
        ARCHIVE_BUCKET       = google_storage_bucket.archive_uploads.name
        PUBSUB_TOPIC_ARCHIVE = google_pubsub_topic.push["archive-uploads"].name
      }
    }
    "deliver-activities" = {
      entry_point = "deliverActivities"
      description = "Posts new activities to the athletes' own Telegram chats and Slack or Discord webhooks, paced to each service's limits."
      # Mostly waiting: on a pacing slot, on Telegram, Slack or Discord.
      available_memory   = "256Mi"
      timeout_seconds    = 60
      max_instance_count = var.delivery_max_instances
      invoker            = google_service_account.account["pubsub-pusher"].email
      environment        = {}
    }
  }
}

resource "google_cloudfunctions2_function" "function" {
  for_each = local.functions

  project     = var.project_id
  location    = var.region
  name        = each.key
  description = each.value.description
  labels      = var.labels

  build_config {
    # terraform/runtimes.json records each runtime's deprecation and decommission dates; test/deploy
    # fails 90 days before this one's deprecation, so the upgrade happens while deploys still work.
    runtime     = "nodejs24"
    entry_point = each.value.entry_point
    # The dedicated builder, never a default build account: an organisation that disables automatic grants
    # to default service accounts (iam.automaticIamGrantsForDefaultServiceAccounts) leaves those without roles.
    service_account = google_service_account.account["functions-builder"].id

    source {
      storage_source {
        bucket = local.function_build_source.bucket
        object = local.function_build_source.object
      }
    }
  }

  service_config {
    service_account_email = google_service_account.account[each.key].email
    available_memory      = each.value.available_memory
    timeout_seconds       = each.value.timeout_seconds
    min_instance_count    = 0
    max_instance_count    = each.value.max_instance_count
    # Internal only: Cloud Run counts Pub/Sub push subscriptions and Cloud Scheduler jobs of the same project
    # as internal sources when they call the default run.app URL, which service_config[0].uri is and which
    # both the push subscriptions and the Scheduler job use (https://cloud.google.com/run/docs/securing/ingress,
    # "Internal"; `gcloud run deploy --ingress=internal`). Nothing else needs to reach the functions, and IAM
    # (roles/run.invoker for one account each) still applies on top.
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true

    environment_variables = merge(local.function_environment, {
      DATABASE_USER = local.database_users[each.key]
    }, each.value.environment)
  }

  depends_on = [
    # Waits until the builder's roles have propagated, or the first build fails for want of them.
    time_sleep.builder_roles_propagated,
    google_project_iam_member.cloudsql_client,
    google_project_iam_member.cloudsql_instance_user,
    google_secret_manager_secret_iam_member.accessor,
    google_sql_user.iam,
  ]
}

# Gen2 functions are Cloud Run services named after the function; invocation is roles/run.invoker there.
resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = local.functions

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.function[each.key].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${each.value.invoker}"
}
