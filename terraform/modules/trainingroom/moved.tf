# State moves from the per-topic and per-function resources to their for_each instances, so applying
# the refactoring changes nothing in the project. Keep them until every state has been applied once.

# --- pubsub.tf -----------------------------------------------------------------------------------

moved {
  from = google_pubsub_topic.events
  to   = google_pubsub_topic.push["strava-events"]
}

moved {
  from = google_pubsub_topic.backfill
  to   = google_pubsub_topic.push["strava-backfill"]
}

moved {
  from = google_pubsub_topic.events_dead_letter
  to   = google_pubsub_topic.dead_letter["strava-events"]
}

moved {
  from = google_pubsub_topic.backfill_dead_letter
  to   = google_pubsub_topic.dead_letter["strava-backfill"]
}

moved {
  from = google_pubsub_subscription.events_push
  to   = google_pubsub_subscription.push["strava-events"]
}

moved {
  from = google_pubsub_subscription.backfill_push
  to   = google_pubsub_subscription.push["strava-backfill"]
}

moved {
  from = google_pubsub_subscription.events_dead_letter_pull
  to   = google_pubsub_subscription.dead_letter_pull["strava-events"]
}

moved {
  from = google_pubsub_subscription.backfill_dead_letter_pull
  to   = google_pubsub_subscription.dead_letter_pull["strava-backfill"]
}

moved {
  from = google_pubsub_topic_iam_member.events_publishers["app"]
  to   = google_pubsub_topic_iam_member.publisher["strava-events/app"]
}

moved {
  from = google_pubsub_topic_iam_member.backfill_publishers["app"]
  to   = google_pubsub_topic_iam_member.publisher["strava-backfill/app"]
}

moved {
  from = google_pubsub_topic_iam_member.backfill_publishers["update-tokens"]
  to   = google_pubsub_topic_iam_member.publisher["strava-backfill/update-tokens"]
}

moved {
  from = google_pubsub_topic_iam_member.backfill_publishers["backfill"]
  to   = google_pubsub_topic_iam_member.publisher["strava-backfill/backfill"]
}

moved {
  from = google_pubsub_topic_iam_member.events_dead_letter_publisher
  to   = google_pubsub_topic_iam_member.dead_letter_publisher["strava-events"]
}

moved {
  from = google_pubsub_topic_iam_member.backfill_dead_letter_publisher
  to   = google_pubsub_topic_iam_member.dead_letter_publisher["strava-backfill"]
}

moved {
  from = google_pubsub_subscription_iam_member.events_dead_letter_subscriber
  to   = google_pubsub_subscription_iam_member.dead_letter_subscriber["strava-events"]
}

moved {
  from = google_pubsub_subscription_iam_member.backfill_dead_letter_subscriber
  to   = google_pubsub_subscription_iam_member.dead_letter_subscriber["strava-backfill"]
}

# --- functions.tf --------------------------------------------------------------------------------

moved {
  from = google_cloudfunctions2_function.process_strava_event
  to   = google_cloudfunctions2_function.function["process-strava-event"]
}

moved {
  from = google_cloudfunctions2_function.update_tokens
  to   = google_cloudfunctions2_function.function["update-tokens"]
}

moved {
  from = google_cloudfunctions2_function.backfill
  to   = google_cloudfunctions2_function.function["backfill"]
}

moved {
  from = google_cloud_run_v2_service_iam_member.pusher_invokes_processor
  to   = google_cloud_run_v2_service_iam_member.invoker["process-strava-event"]
}

moved {
  from = google_cloud_run_v2_service_iam_member.pusher_invokes_backfill
  to   = google_cloud_run_v2_service_iam_member.invoker["backfill"]
}

moved {
  from = google_cloud_run_v2_service_iam_member.scheduler_invokes_update_tokens
  to   = google_cloud_run_v2_service_iam_member.invoker["update-tokens"]
}
