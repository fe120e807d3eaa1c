# What an operator needs after apply: URLs, identities, the database connection and the app's settings.

output "app_url" {
  description = "Public origin of the web app (PUBLIC_BASE_URL)."
  value       = local.public_base_url
}

output "app_engine_default_url" {
  description = "The App Engine default URL, whatever custom domain is mapped."
  value       = "https://${google_app_engine_application.app.default_hostname}"
}

output "oauth_callback_domain" {
  description = "Enter this as the Authorization Callback Domain of your Strava API application."
  value       = trimprefix(local.public_base_url, "https://")
}

output "webhook_callback_url" {
  description = "Callback URL for the Strava webhook subscription (add /<WEBHOOK_PATH_SECRET> when you set one)."
  value       = "${local.public_base_url}/webhook"
}

output "function_urls" {
  description = "HTTPS endpoints of the functions by entry point (each accepts only its own caller's OIDC token)."
  value       = { for key, function in google_cloudfunctions2_function.function : local.functions[key].entry_point => function.service_config[0].uri }
}

output "service_account_emails" {
  description = "Service accounts by role (the keys of local.runtime_identities and local.service_identities); app is the one the web app runs as."
  value       = { for role, account in google_service_account.account : role => account.email }
}

output "app_service_account" {
  description = "The service account the app runs as (service_account in app.deploy.yaml)."
  value       = google_service_account.account["app"].email
}

output "instance_connection_name" {
  description = "Cloud SQL instance connection name (INSTANCE_CONNECTION_NAME)."
  value       = google_sql_database_instance.main.connection_name
}

output "database_name" {
  description = "Postgres database name (DATABASE_NAME)."
  value       = google_sql_database.main.name
}

output "database_users" {
  description = "IAM database users by role (DATABASE_USER for each runtime; migrator runs npm run db:migrate)."
  value       = local.database_users
}

output "migrator_service_account" {
  description = "Service account operators impersonate to run migrations (it owns the schema)."
  value       = google_service_account.account["migrator"].email
}

output "migrate_env" {
  description = "Environment for `npm run db:migrate` as the migrator (GOOGLE_CLOUD_PROJECT empty: migrations need no secrets)."
  value       = "INSTANCE_CONNECTION_NAME=${google_sql_database_instance.main.connection_name} DATABASE_USER=${local.database_users["migrator"]} DATABASE_NAME=${google_sql_database.main.name} GOOGLE_CLOUD_PROJECT="
}

output "database_bootstrap_sql" {
  description = "One-time grants to run as the postgres user before the first migration (docs/DEPLOY.md)."
  value       = local.database_bootstrap_sql
}

output "secret_ids" {
  description = "Secret Manager secrets to add values to with gcloud secrets versions add."
  value       = sort(keys(google_secret_manager_secret.secret))
}

output "pubsub" {
  description = "Each pushed topic by name, with its push subscription, dead-letter topic and the dead-letter pull subscription where failed messages wait for inspection."
  value = {
    for topic, pushed in google_pubsub_topic.push : topic => {
      topic             = pushed.name
      push_subscription = google_pubsub_subscription.push[topic].name
      dead_letter_topic = google_pubsub_topic.dead_letter[topic].name
      dead_letter_pull  = google_pubsub_subscription.dead_letter_pull[topic].name
    }
  }
}

output "scheduler_job" {
  description = "Cloud Scheduler job that calls update_tokens (gcloud scheduler jobs run it to test)."
  value       = google_cloud_scheduler_job.update_tokens.name
}

output "functions_source_object" {
  description = "gs:// address of the functions source archive the functions were built from."
  value       = "gs://${google_storage_bucket.functions_source.name}/${google_storage_bucket_object.functions_source.name}"
}

output "app_engine_env_variables" {
  description = "The env_variables scripts/deploy-app.mjs writes into app.deploy.yaml (no secrets: the app reads those from Secret Manager)."
  value = {
    NODE_ENV                 = "production"
    LOG_FORMAT               = "json"
    GOOGLE_CLOUD_PROJECT     = var.project_id
    PUBLIC_BASE_URL          = local.public_base_url
    STRAVA_CLIENT_ID         = var.strava_client_id
    INSTANCE_CONNECTION_NAME = google_sql_database_instance.main.connection_name
    DATABASE_USER            = local.database_users["app"]
    DATABASE_NAME            = google_sql_database.main.name
    PUBSUB_TOPIC_EVENTS      = google_pubsub_topic.push["strava-events"].name
    PUBSUB_TOPIC_BACKFILL    = google_pubsub_topic.push["strava-backfill"].name
    PUBSUB_TOPIC_ARCHIVE     = google_pubsub_topic.push["archive-uploads"].name
    ARCHIVE_BUCKET           = google_storage_bucket.archive_uploads.name
    ADMIN_ATHLETE_IDS        = join(",", [for id in var.admin_athlete_ids : tostring(id)])
    # Empty leaves the bot off (an empty variable reads as unset).
    TELEGRAM_BOT_USERNAME = var.telegram_bot_username
  }
}

output "project_id" {
  description = "Google Cloud project the site is deployed in (the deploy scripts pass it to gcloud)."
  value       = var.project_id
}

output "region" {
  description = "Region of Cloud SQL, the functions and the Scheduler job (gcloud --region / --location)."
  value       = var.region
}
