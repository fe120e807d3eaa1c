# Outputs of the production environment, passed through from the module.

output "app_url" {
  description = "Public origin of the web app (PUBLIC_BASE_URL)."
  value       = module.trainingroom.app_url
}

output "oauth_callback_domain" {
  description = "Authorization Callback Domain for the Strava API application."
  value       = module.trainingroom.oauth_callback_domain
}

output "webhook_callback_url" {
  description = "Callback URL for the Strava webhook subscription."
  value       = module.trainingroom.webhook_callback_url
}

output "function_urls" {
  description = "HTTPS endpoints of the functions."
  value       = module.trainingroom.function_urls
}

output "service_account_emails" {
  description = "Service accounts by role."
  value       = module.trainingroom.service_account_emails
}

output "app_service_account" {
  description = "The service account the app runs as (service_account in app.deploy.yaml)."
  value       = module.trainingroom.app_service_account
}

output "instance_connection_name" {
  description = "Cloud SQL instance connection name (INSTANCE_CONNECTION_NAME)."
  value       = module.trainingroom.instance_connection_name
}

output "database_name" {
  description = "Postgres database name (DATABASE_NAME)."
  value       = module.trainingroom.database_name
}

output "database_users" {
  description = "IAM database users by role."
  value       = module.trainingroom.database_users
}

output "migrator_service_account" {
  description = "Service account operators impersonate to run migrations."
  value       = module.trainingroom.migrator_service_account
}

output "migrate_env" {
  description = "Environment for npm run db:migrate as the migrator."
  value       = module.trainingroom.migrate_env
}

output "database_bootstrap_sql" {
  description = "One-time grants to run as the postgres user before the first migration."
  value       = module.trainingroom.database_bootstrap_sql
}

output "secret_ids" {
  description = "Secret Manager secrets to add values to."
  value       = module.trainingroom.secret_ids
}

output "pubsub" {
  description = "Topics and subscriptions, including the dead-letter pull subscriptions."
  value       = module.trainingroom.pubsub
}

output "scheduler_job" {
  description = "Cloud Scheduler job that calls update_tokens."
  value       = module.trainingroom.scheduler_job
}

output "functions_source_object" {
  description = "gs:// address of the deployed functions source archive."
  value       = module.trainingroom.functions_source_object
}

output "app_engine_env_variables" {
  description = "The env_variables of app.deploy.yaml."
  value       = module.trainingroom.app_engine_env_variables
}

output "project_id" {
  description = "Google Cloud project the site is deployed in."
  value       = module.trainingroom.project_id
}

output "region" {
  description = "Region of Cloud SQL, the functions and the Scheduler job."
  value       = module.trainingroom.region
}
