# Production environment: this deployment's values passed to the module; everything else is in ../../modules/trainingroom.
module "trainingroom" {
  source = "../../modules/trainingroom"

  project_id            = var.project_id
  region                = var.region
  app_engine_location   = var.app_engine_location
  strava_client_id      = var.strava_client_id
  public_base_url       = var.public_base_url
  admin_athlete_ids     = var.admin_athlete_ids
  telegram_bot_username = var.telegram_bot_username
  operator_members      = var.operator_members
  database_tier         = var.database_tier
  deletion_protection   = var.deletion_protection
  functions_source_zip  = var.functions_source_zip
}
