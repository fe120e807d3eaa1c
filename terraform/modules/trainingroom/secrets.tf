# Secret Manager containers (never values) and who may read each; the code fetches them at start-up.

locals {
  # Mirrors SECRET_SPECS[*].readBy in shared/platform/secrets.ts; test/deploy fails when the two drift.
  secret_readers = {
    "strava-client-secret" = ["app", "process-strava-event", "update-tokens", "backfill"]
    "session-secret"       = ["app"]
    "token-encryption-key" = ["app", "process-strava-event", "update-tokens", "backfill", "deliver-activities"]
    "strava-verify-token"  = ["app"]
    "webhook-path-secret"  = ["app"]
    "openai-api-key"       = ["app"]
    # The Telegram bot: its token and the secret Telegram sends with every update. Only the app answers the bot;
    # the delivery function sends new activities to linked chats with the same token.
    "telegram-bot-token"      = ["app", "deliver-activities"]
    "telegram-webhook-secret" = ["app"]
    "database-password"       = ["app", "process-strava-event", "update-tokens", "backfill", "import-archive", "deliver-activities"]
  }

  secret_grants = merge([
    for secret, readers in local.secret_readers : {
      for reader in readers : "${secret}/${reader}" => { secret = secret, reader = reader }
    }
  ]...)
}

resource "google_secret_manager_secret" "secret" {
  for_each = local.secret_readers

  project   = var.project_id
  secret_id = each.key
  labels    = var.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

# Granted per secret, not project-wide, so each runtime reads only what it needs.
resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = local.secret_grants

  project   = var.project_id
  secret_id = google_secret_manager_secret.secret[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.account[each.value.reader].email}"
}
