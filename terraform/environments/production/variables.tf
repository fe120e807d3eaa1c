# Inputs of the production environment (set them in terraform.tfvars; see terraform.tfvars.example).

variable "project_id" {
  type        = string
  description = "Google Cloud project id to deploy into."
}

variable "region" {
  type        = string
  description = "Region for Cloud SQL, the functions, Pub/Sub push and Cloud Scheduler."
  default     = "us-central1"
}

variable "app_engine_location" {
  type        = string
  description = "App Engine location id matching region (us-central1 is \"us-central\", europe-west1 is \"europe-west\"); fixed once created."
  default     = "us-central"
}

variable "strava_client_id" {
  type        = string
  description = "Client id of your Strava API application (public; the client secret goes to Secret Manager)."
}

variable "public_base_url" {
  type        = string
  description = "Public https origin when a custom domain is mapped; empty uses the App Engine default URL."
  default     = ""
}

variable "admin_athlete_ids" {
  type        = list(number)
  description = "Strava athlete ids allowed on /admin."
  default     = []
}

variable "telegram_bot_username" {
  type        = string
  description = "The Telegram bot's username (without @); empty leaves the bot off."
  default     = ""
}

variable "operator_members" {
  type        = list(string)
  description = "Operators as IAM members (\"user:you@example.com\"); they may run migrations as the migrator and deploy the app."
  default     = []
}

variable "database_tier" {
  type        = string
  description = "Cloud SQL machine tier (db-f1-micro, db-g1-small, db-custom-1-3840, …)."
  default     = "db-g1-small"
}

variable "deletion_protection" {
  type        = bool
  description = "Protects the Cloud SQL instance from deletion; set false and apply before tearing down."
  default     = true
}

variable "functions_source_zip" {
  type        = string
  description = "Path of the archive `npm run package:functions` writes, relative to this folder."
  default     = "../../../functions-source.zip"
}
