# Cloud Scheduler job that calls update_tokens over HTTPS with an OIDC token for the scheduler service account.

resource "google_cloud_scheduler_job" "update_tokens" {
  project     = var.project_id
  region      = var.region
  name        = "update-tokens"
  description = "Refreshes expiring Strava tokens and resumes unfinished history imports."
  schedule    = var.token_refresh_interval_minutes == 60 ? "0 * * * *" : "*/${var.token_refresh_interval_minutes} * * * *"
  time_zone   = var.scheduler_time_zone

  # Matches the function's timeout so a long sweep is not reported as a failure.
  attempt_deadline = "540s"

  retry_config {
    retry_count          = 1
    min_backoff_duration = "60s"
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.function["update-tokens"].service_config[0].uri
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.account["scheduler"].email
      audience              = google_cloudfunctions2_function.function["update-tokens"].service_config[0].uri
    }
  }

  depends_on = [google_cloud_run_v2_service_iam_member.invoker]
}
