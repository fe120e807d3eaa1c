# Pub/Sub: webhook events, history-import requests, archive uploads and activity deliveries, each pushed (OIDC) to its
# function with retries and a dead-letter topic.
#
# A gen2 function's own event trigger cannot have a dead-letter policy, so each function is plain HTTP
# and gets its own push subscription. The push path /projects/<project>/topics/<topic> is what makes the
# Functions Framework turn the push body into a CloudEvent.

locals {
  # Keyed by topic name; function is a key of local.functions. publishers are the runtime identities (keys of
  # local.runtime_identities) that may publish to the topic, spelled out so each grant can be read and checked.
  pushed_topics = {
    # The web app publishes each webhook event it accepts.
    "strava-events" = {
      function     = "process-strava-event"
      subscription = "strava-events-to-processor"
      publishers   = ["app"]
      # How long the function may take before Pub/Sub counts the delivery as failed.
      ack_deadline_seconds = 120
      minimum_backoff      = "10s"
    }
    # The web app starts an import, update_tokens resumes a stalled one and backfill queues the next page.
    "strava-backfill" = {
      function     = "backfill"
      subscription = "strava-backfill-to-backfill"
      publishers   = ["app", "update-tokens", "backfill"]
      # A page of history can take minutes under Strava's rate limit; 600 s is Pub/Sub's maximum.
      ack_deadline_seconds = 600
      minimum_backoff      = "30s"
    }
    # The upload bucket notifies it (its service agent is granted in archive.tf); the import queues its own next
    # slice and update_tokens asks again for a stalled one. A slice works up to 300 s, within the 600 s deadline.
    "archive-uploads" = {
      function             = "import-archive"
      subscription         = "archive-uploads-to-import-archive"
      publishers           = ["import-archive", "update-tokens"]
      ack_deadline_seconds = 600
      minimum_backoff      = "30s"
    }
    # New activities to the athletes' own chats: the processor publishes a notice once the event that made an
    # activity new (or renamed or deleted it) commits, update_tokens the notices of deferred events it applied.
    # An invocation waits at most 30 s for a pacing slot or a short retry_after, then leaves the notice to a
    # redelivery; the deadline covers that and the service's answer.
    "activity-deliveries" = {
      function             = "deliver-activities"
      subscription         = "activity-deliveries-to-deliver-activities"
      publishers           = ["process-strava-event", "update-tokens"]
      ack_deadline_seconds = 120
      minimum_backoff      = "10s"
    }
  }

  # One publisher grant per topic and identity, keyed "topic/identity".
  topic_publishers = merge([
    for topic, pushed in local.pushed_topics : {
      for publisher in pushed.publishers : "${topic}/${publisher}" => { topic = topic, publisher = publisher }
    }
  ]...)
}

resource "google_pubsub_topic" "push" {
  for_each = local.pushed_topics

  project = var.project_id
  name    = each.key
  labels  = var.labels

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "dead_letter" {
  for_each = local.pushed_topics

  project = var.project_id
  name    = "${each.key}-dead-letter"
  labels  = var.labels

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_subscription" "push" {
  for_each = local.pushed_topics

  project = var.project_id
  name    = each.value.subscription
  topic   = google_pubsub_topic.push[each.key].id
  labels  = var.labels

  ack_deadline_seconds = each.value.ack_deadline_seconds

  # No ordering, and nothing publishes with an ordering key (test/deploy checks both). The processor does
  # not need order: every field keeps the event_time of its last change, deletions leave a tombstone, and an
  # update that overtakes its create fetches the activity. Ordering would only add head-of-line blocking: on
  # a push subscription one failing message holds back every later message with its key until it is
  # dead-lettered (up to max_delivery_attempts deliveries with backoff of up to 600 s, about an hour), and a
  # dead-lettered message breaks the order anyway. Changing this replaces the subscription.
  enable_message_ordering = false

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.function[each.value.function].service_config[0].uri}/projects/${var.project_id}/topics/${google_pubsub_topic.push[each.key].name}"

    oidc_token {
      service_account_email = google_service_account.account["pubsub-pusher"].email
      # Cloud Run checks the token's audience against the service URL, not the full push path.
      audience = google_cloudfunctions2_function.function[each.value.function].service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = each.value.minimum_backoff
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = var.max_delivery_attempts
  }

  # Subscriptions expire after 31 idle days by default; a quiet club must not lose its pipeline.
  expiration_policy {
    ttl = ""
  }

  # Pushes before the pusher may invoke the function would fail and count towards dead-lettering.
  depends_on = [google_cloud_run_v2_service_iam_member.invoker]
}

resource "google_pubsub_subscription" "dead_letter_pull" {
  for_each = local.pushed_topics

  project = var.project_id
  name    = "${each.key}-dead-letter-inspect"
  topic   = google_pubsub_topic.dead_letter[each.key].id
  labels  = var.labels

  # Kept for a week so an operator can inspect and replay (docs/DEPLOY.md, "Dead letters"); the long
  # ack deadline gives a replay time to republish a batch before the messages are offered again.
  message_retention_duration = "604800s"
  ack_deadline_seconds       = 600

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = local.topic_publishers

  project = var.project_id
  topic   = google_pubsub_topic.push[each.value.topic].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_service_account.account[each.value.publisher].email}"
}

# Dead-lettering is done by the Pub/Sub service agent: it must publish to the dead-letter topic
# and acknowledge on the source subscription.
#
# A grant lives on the resource: when Terraform replaces the topic or subscription (a new name, message
# ordering switched, anything that forces a new resource) the new one starts without it, while the state
# still records the old grant and no plan would restore it. replace_triggered_by re-creates the grant
# whenever its resource is replaced (or updated, which costs a moment's re-grant and nothing else).
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.pushed_topics

  project = var.project_id
  topic   = google_pubsub_topic.dead_letter[each.key].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent

  lifecycle {
    replace_triggered_by = [google_pubsub_topic.dead_letter[each.key]]
  }
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.pushed_topics

  project      = var.project_id
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent

  lifecycle {
    replace_triggered_by = [google_pubsub_subscription.push[each.key]]
  }
}

# No grant lets the Pub/Sub service agent mint tokens for pubsub-pusher: Google's service agent role already
# carries that for projects that enabled Pub/Sub after April 8, 2021, and only older projects need it added by
# hand (https://cloud.google.com/pubsub/docs/create-push-subscription, "Prerequisites for enabling
# authentication"). Whoever applies needs iam.serviceAccounts.actAs on pubsub-pusher to attach it to a
# subscription; the project Owner has it. test/deploy keeps the grant from coming back.
