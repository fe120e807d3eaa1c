# Bucket holding the functions' source archive; the archive's md5 is in the object name so a changed archive redeploys.

resource "google_storage_bucket" "functions_source" {
  project  = var.project_id
  name     = "${var.project_id}-functions-source"
  location = var.region
  labels   = var.labels

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # Holds only build inputs that `npm run package:functions` recreates, so teardown may empty it.
  force_destroy = true

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_object" "functions_source" {
  bucket       = google_storage_bucket.functions_source.name
  name         = "functions-source-${filemd5(var.functions_source_zip)}.zip"
  source       = var.functions_source_zip
  content_type = "application/zip"
}
