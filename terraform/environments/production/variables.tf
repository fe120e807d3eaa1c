# Inputs of the production environment (set them in terraform.tfvars; see terraform.tfvars.example).
#
# The module declares each input once, with its type, description, default and validation; here an input
# only passes through. null stands for "the module's default" (its inputs are not nullable).

variable "project_id" { description = "Google Cloud project id to deploy into." }
variable "strava_client_id" { description = "Client id of your Strava API application." }

# The provider's default region as well as the module's, so it is declared here with its value.
variable "region" {
  type        = string
  description = "Region for Cloud SQL, the functions, Pub/Sub push and Cloud Scheduler."
  default     = "us-central1"
}

variable "app_engine_location" { default = null }
variable "public_base_url" { default = null }
variable "admin_athlete_ids" { default = null }
variable "telegram_bot_username" { default = null }
variable "operator_members" { default = null }
variable "database_tier" { default = null }
variable "deletion_protection" { default = null }

variable "functions_source_zip" {
  type        = string
  description = "Path of the archive `npm run package:functions` writes, relative to this folder."
  default     = "../../../functions-source.zip"
}
