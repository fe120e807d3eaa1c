# Inputs of the module: the project, where it runs, and sizes; secret values are never inputs (they go to Secret Manager).
# An input the environment passes through is not nullable: null there means this default.

variable "project_id" {
  type        = string
  description = "Google Cloud project id to deploy into (a project dedicated to this site is simplest)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6-30 lowercase letters, digits or hyphens."
  }
}

variable "region" {
  type        = string
  description = "Region for Cloud SQL, the functions, Pub/Sub push, Cloud Scheduler and the source bucket (keep it next to app_engine_location)."
  default     = "us-central1"
}

variable "app_engine_location" {
  type        = string
  description = "App Engine location id. App Engine names some regions without the trailing 1 (us-central1 is \"us-central\", europe-west1 is \"europe-west\"). It cannot be changed once the application exists."
  default     = "us-central"
  nullable    = false
}

variable "labels" {
  type        = map(string)
  description = "Labels added to the resources that accept them (for cost reports)."
  default     = { app = "trainingroom" }
}

variable "strava_client_id" {
  type        = string
  description = "Client id of your Strava API application (public, not a secret; the client secret goes to Secret Manager)."

  validation {
    condition     = can(regex("^[0-9]+$", var.strava_client_id))
    error_message = "strava_client_id is the numeric Client ID shown on https://www.strava.com/settings/api."
  }
}

variable "public_base_url" {
  type        = string
  description = "Public origin of the app (https://…, no trailing slash). Empty means the App Engine default URL; set it when you map a custom domain."
  default     = ""
  nullable    = false

  validation {
    condition     = var.public_base_url == "" || can(regex("^https://[^/]+$", var.public_base_url))
    error_message = "public_base_url must be empty or an https origin without a path or trailing slash."
  }
}

variable "admin_athlete_ids" {
  type        = list(number)
  description = "Strava athlete ids allowed on /admin; rendered into the app_engine_env_variables output."
  default     = []
  nullable    = false
}

variable "telegram_bot_username" {
  type        = string
  description = "The Telegram bot's username (without @), rendered into the app_engine_env_variables output; empty leaves the bot off."
  # The app checks it at start-up (a malformed one stops it, naming TELEGRAM_BOT_USERNAME).
  default  = ""
  nullable = false
}

variable "operator_members" {
  type        = list(string)
  description = "IAM members who operate the site (\"user:you@example.com\" or \"group:ops@example.com\"): they may impersonate the migrator service account to run migrations and deploy the app as its runtime service account."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for m in var.operator_members : can(regex("^(user|group):[^@\\s]+@[^@\\s]+$", m))])
    error_message = "operator_members entries look like \"user:you@example.com\" or \"group:ops@example.com\"."
  }
}

variable "database_instance_name" {
  type        = string
  description = "Name of the Cloud SQL instance. A deleted instance's name stays reserved for about a week, so pick a new one when recreating."
  default     = "trainingroom"
}

variable "database_name" {
  type        = string
  description = "Name of the Postgres database the app and functions use (DATABASE_NAME)."
  default     = "training"
}

variable "database_tier" {
  type        = string
  description = "Cloud SQL machine tier. db-g1-small (shared core, 1.7 GB, 50 connections) suits a club; db-f1-micro is cheaper but allows only 25 connections; db-custom-1-3840 gets a dedicated core."
  default     = "db-g1-small"
  nullable    = false
}

variable "database_disk_size_gb" {
  type        = number
  description = "Initial SSD size in GB; the disk grows automatically and never shrinks."
  default     = 10

  validation {
    condition     = var.database_disk_size_gb >= 10
    error_message = "Cloud SQL disks start at 10 GB."
  }
}

variable "database_availability_type" {
  type        = string
  description = "ZONAL (one zone) or REGIONAL (standby in a second zone, automatic failover, about twice the price)."
  default     = "ZONAL"

  validation {
    condition     = contains(["ZONAL", "REGIONAL"], var.database_availability_type)
    error_message = "database_availability_type is ZONAL or REGIONAL."
  }
}

variable "database_backup_count" {
  type        = number
  description = "How many daily automated backups Cloud SQL keeps."
  default     = 14

  validation {
    condition     = var.database_backup_count >= 7 && var.database_backup_count <= 365
    error_message = "database_backup_count must be between 7 and 365 (at least the point-in-time window)."
  }
}

variable "database_log_retention_days" {
  type        = number
  description = "Days of write-ahead log kept for point-in-time recovery (1-7 on the Enterprise edition)."
  default     = 7

  validation {
    condition     = var.database_log_retention_days >= 1 && var.database_log_retention_days <= 7
    error_message = "database_log_retention_days must be between 1 and 7."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Protects the Cloud SQL instance from deletion, both in Terraform and in the Cloud SQL API. Set false and apply before a deliberate teardown."
  default     = true
  nullable    = false
}

variable "functions_source_zip" {
  type        = string
  description = "Path of the functions source archive built by `npm run package:functions`, relative to the directory terraform runs in."
}

variable "processor_max_instances" {
  type        = number
  description = "Most instances of the webhook event processor; each holds a few database connections."
  default     = 3
}

variable "delivery_max_instances" {
  type        = number
  description = "Most instances of the delivery of new activities to athletes' chats; pacing is shared through the database, so more instances never exceed a service's limits."
  default     = 3
}

variable "backfill_max_instances" {
  type        = number
  description = "Most instances of the history importer; imports are bound by Strava's rate limit, so more rarely helps."
  default     = 1
}

variable "token_refresh_interval_minutes" {
  type        = number
  description = "Minutes between update_tokens runs. Strava access tokens last six hours; every 30 minutes keeps them fresh and resumes stalled imports promptly. The function is told the same interval (UPDATE_TOKENS_INTERVAL_MINUTES) so it refreshes everything due before the next run."
  default     = 30

  validation {
    condition     = contains([5, 10, 15, 20, 30, 60], var.token_refresh_interval_minutes)
    error_message = "token_refresh_interval_minutes must divide the hour: 5, 10, 15, 20, 30 or 60."
  }
}

variable "scheduler_time_zone" {
  type        = string
  description = "Time zone the schedule is read in."
  default     = "Etc/UTC"
}

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries of one Pub/Sub message before it goes to the dead-letter topic (5-100)."
  default     = 10

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "Pub/Sub allows 5 to 100 delivery attempts."
  }
}

variable "archive_upload_retention_days" {
  type        = number
  description = "Days after which an archive upload the import did not delete (abandoned, refused) is deleted by the bucket's lifecycle rule."
  default     = 3

  validation {
    condition     = var.archive_upload_retention_days >= 1
    error_message = "Keep uploads at least a day, so an import has time to finish."
  }
}

variable "archive_import_max_instances" {
  type        = number
  description = "Most instances of the archive importer at once; each works on one upload at a time."
  default     = 3
}
