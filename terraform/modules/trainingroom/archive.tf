# Archive uploads: the bucket browsers upload Strava exports to (straight, through resumable sessions the app
# opens), its Pub/Sub notification of each new object, and who may touch the objects.

resource "google_storage_bucket" "archive_uploads" {
  project  = var.project_id
  name     = "${var.project_id}-archive-uploads"
  location = var.region
  labels   = var.labels

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # Uploads are personal data waiting to be imported; nothing here needs keeping through a teardown.
  force_destroy = true

  # Deleted objects are gone: a soft-deleted export would outlive the athlete's "delete my data".
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  # The import deletes each upload when done; this catches abandoned and failed ones.
  lifecycle_rule {
    condition {
      age = var.archive_upload_retention_days
    }
    action {
      type = "Delete"
    }
  }

  # The browser PUTs chunks to the session URL from the site's pages; it must read Range to resume.
  cors {
    origin          = [local.public_base_url]
    method          = ["PUT", "POST", "GET", "OPTIONS"]
    response_header = ["Content-Type", "Content-Range", "Range", "X-Goog-Resumable", "Location"]
    max_age_seconds = 3600
  }

  depends_on = [google_project_service.enabled]
}

# Cloud Storage publishes notifications as its own service agent.
data "google_storage_project_service_account" "gcs" {
  project = var.project_id

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic_iam_member" "archive_notifier" {
  project = var.project_id
  topic   = google_pubsub_topic.push["archive-uploads"].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"

  lifecycle {
    replace_triggered_by = [google_pubsub_topic.push["archive-uploads"]]
  }
}

# New uploads only: the import's own deletes must not wake it again.
resource "google_storage_notification" "archive_uploads" {
  bucket             = google_storage_bucket.archive_uploads.name
  topic              = google_pubsub_topic.push["archive-uploads"].id
  payload_format     = "JSON_API_V1"
  event_types        = ["OBJECT_FINALIZE"]
  object_name_prefix = "uploads/"

  depends_on = [google_pubsub_topic_iam_member.archive_notifier]
}

# The app opens upload sessions (create) and deletes an athlete's uploads with their data; the import reads and
# deletes. roles/storage.objectUser is the narrowest predefined role with delete; it is granted on this bucket only.
resource "google_storage_bucket_iam_member" "archive_objects" {
  for_each = toset(["app", "import-archive"])

  bucket = google_storage_bucket.archive_uploads.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.account[each.key].email}"
}
