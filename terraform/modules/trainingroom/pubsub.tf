# Pub/Sub: webhook events and history-import requests, each pushed (OIDC) to its function with retries and a dead-letter topic.
#
# A gen2 function's own event trigger cannot have a dead-letter policy, so each function is plain HTTP
# and gets its own push subscription. The push path /projects/<project>/topics/<topic> is what makes the
# Functions Framework turn the push body into a CloudEvent.

locals {
  # Who publishes where: the web app receives webhooks and starts imports; update_tokens resumes
  # stalled imports and backfill queues the next page of an import.
  event_publishers    = toset(["app"])
  backfill_publishers = toset(["app", "update-tokens", "backfill"])
}

# --- strava-events -> processStravaEvent ---------------------------------------------------------

resource "google_pubsub_topic" "events" {
  project = var.project_id
  name    = "strava-events"
  labels  = var.labels

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "events_dead_letter" {
  project = var.project_id
  name    = "strava-events-dead-letter"
  labels  = var.labels

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_subscription" "events_push" {
  project = var.project_id
  name    = "strava-events-to-processor"
  topic   = google_pubsub_topic.events.id
  labels  = var.labels

  # How long the function may take before Pub/Sub counts the delivery as failed.
  ack_deadline_seconds = 120

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.process_strava_event.service_config[0].uri}/projects/${var.project_id}/topics/${google_pubsub_topic.events.name}"

    oidc_token {
      service_account_email = google_service_account.pubsub_pusher.email
      # Cloud Run checks the token's audience against the service URL, not the full push path.
      audience = google_cloudfunctions2_function.process_strava_event.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.events_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  # Subscriptions expire after 31 idle days by default; a quiet club must not lose its pipeline.
  expiration_policy {
    ttl = ""
  }

  depends_on = [google_cloud_run_v2_service_iam_member.pusher_invokes_processor]
}

resource "google_pubsub_subscription" "events_dead_letter_pull" {
  project = var.project_id
  name    = "strava-events-dead-letter-inspect"
  topic   = google_pubsub_topic.events_dead_letter.id
  labels  = var.labels

  # Kept for a week so an operator can inspect and replay (docs/DEPLOY.md, "Dead letters"); the long
  # ack deadline gives a replay time to republish a batch before the messages are offered again.
  message_retention_duration = "604800s"
  ack_deadline_seconds       = 600

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_topic_iam_member" "events_publishers" {
  for_each = local.event_publishers

  project = var.project_id
  topic   = google_pubsub_topic.events.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_service_account.runtime[each.key].email}"
}

# Dead-lettering is done by the Pub/Sub service agent: it must publish to the dead-letter topic
# and acknowledge on the source subscription.
resource "google_pubsub_topic_iam_member" "events_dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.events_dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "events_dead_letter_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.events_push.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# --- strava-backfill -> backfill -----------------------------------------------------------------

resource "google_pubsub_topic" "backfill" {
  project = var.project_id
  name    = "strava-backfill"
  labels  = var.labels

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "backfill_dead_letter" {
  project = var.project_id
  name    = "strava-backfill-dead-letter"
  labels  = var.labels

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_subscription" "backfill_push" {
  project = var.project_id
  name    = "strava-backfill-to-backfill"
  topic   = google_pubsub_topic.backfill.id
  labels  = var.labels

  # A page of history can take minutes under Strava's rate limit; 600 s is Pub/Sub's maximum.
  ack_deadline_seconds = 600

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.backfill.service_config[0].uri}/projects/${var.project_id}/topics/${google_pubsub_topic.backfill.name}"

    oidc_token {
      service_account_email = google_service_account.pubsub_pusher.email
      audience              = google_cloudfunctions2_function.backfill.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "30s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.backfill_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_cloud_run_v2_service_iam_member.pusher_invokes_backfill]
}

resource "google_pubsub_subscription" "backfill_dead_letter_pull" {
  project = var.project_id
  name    = "strava-backfill-dead-letter-inspect"
  topic   = google_pubsub_topic.backfill_dead_letter.id
  labels  = var.labels

  message_retention_duration = "604800s"
  ack_deadline_seconds       = 600

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_topic_iam_member" "backfill_publishers" {
  for_each = local.backfill_publishers

  project = var.project_id
  topic   = google_pubsub_topic.backfill.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_service_account.runtime[each.key].email}"
}

resource "google_pubsub_topic_iam_member" "backfill_dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.backfill_dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "backfill_dead_letter_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.backfill_push.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# --- push identity -------------------------------------------------------------------------------

# Pub/Sub mints the push OIDC tokens as the pusher; projects older than April 2021 need this grant
# explicitly, and it is scoped to the one account.
resource "google_service_account_iam_member" "pubsub_agent_mints_pusher_tokens" {
  service_account_id = google_service_account.pubsub_pusher.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}
