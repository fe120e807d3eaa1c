# Addresses that changed, so a deployment made before the change keeps its resources instead of destroying
# and re-creating them (a re-created service account gets a new unique id, and every grant naming it would be
# re-created too). Terraform has no loop for moved blocks; each states one address. Keep them: removing one
# later only matters for deployments that never applied it, and a plan then shows the replacement.

# The runtime accounts and the four single accounts became one set keyed by role (iam.tf).
moved {
  from = google_service_account.runtime
  to   = google_service_account.account
}

moved {
  from = google_service_account.scheduler
  to   = google_service_account.account["scheduler"]
}

moved {
  from = google_service_account.pubsub_pusher
  to   = google_service_account.account["pubsub-pusher"]
}

moved {
  from = google_service_account.functions_builder
  to   = google_service_account.account["functions-builder"]
}

moved {
  from = google_service_account.migrator
  to   = google_service_account.account["migrator"]
}
