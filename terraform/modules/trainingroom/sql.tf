# Cloud SQL Postgres 15 with IAM database authentication, backups and point-in-time recovery, and its IAM users.

resource "google_sql_database_instance" "main" {
  project          = var.project_id
  name             = var.database_instance_name
  region           = var.region
  database_version = "POSTGRES_15"

  # Terraform refuses to destroy the instance while this is true (see docs/DEPLOY.md, "Tear down").
  deletion_protection = var.deletion_protection

  settings {
    # Shared-core tiers exist only in the Enterprise edition.
    edition           = "ENTERPRISE"
    tier              = var.database_tier
    availability_type = var.database_availability_type
    disk_type         = "PD_SSD"
    disk_size         = var.database_disk_size_gb
    disk_autoresize   = true
    user_labels       = var.labels

    # The same protection in the Cloud SQL API, so the console and gcloud cannot delete it either.
    deletion_protection_enabled = var.deletion_protection
    # Backups outlive an accidental instance deletion.
    retain_backups_on_delete = true

    # Only the Cloud SQL connectors (IAM-checked, TLS with ephemeral certificates) may connect.
    connector_enforcement = "REQUIRED"

    database_flags {
      name  = "cloudsql.iam_authentication"
      value = "on"
    }

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
      start_time                     = "03:00"
      transaction_log_retention_days = var.database_log_retention_days

      backup_retention_settings {
        retained_backups = var.database_backup_count
        retention_unit   = "COUNT"
      }
    }

    ip_configuration {
      # A public address with no authorized networks: reachable only through the connectors.
      ipv4_enabled = true
      # TLS with a client certificate the instance trusts. The Cloud SQL connectors (the Node.js connector the
      # site uses, the Auth Proxy an operator might) always present one, an ephemeral certificate issued for
      # the caller's IAM identity; the API reference says IAM-authenticated PostgreSQL clients must use them to
      # have the client identity verified (IpConfiguration.SslMode TRUSTED_CLIENT_CERTIFICATE_REQUIRED,
      # https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1/instances#sslmode).
      ssl_mode = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
    }

    maintenance_window {
      day          = 7
      hour         = 4
      update_track = "stable"
    }

    insights_config {
      query_insights_enabled = true
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_sql_database" "main" {
  project  = var.project_id
  instance = google_sql_database_instance.main.name
  name     = var.database_name
}

resource "google_sql_user" "iam" {
  for_each = local.database_principals

  project  = var.project_id
  instance = google_sql_database_instance.main.name
  name     = local.database_users[each.key]
  type     = "CLOUD_IAM_SERVICE_ACCOUNT"

  # Postgres cannot drop a role that still owns objects; removing the IAM binding is what revokes access.
  deletion_policy = "ABANDON"
}

locals {
  migrator_role = "\"${local.database_users["migrator"]}\""
  runtime_roles = join(", ", [for key in sort(keys(local.runtime_emails)) : "\"${local.database_users[key]}\""])

  # IAM users start with no privileges. This one-time script, run as the built-in postgres user,
  # lets the migrator own the schema and gives the runtimes read/write on what it creates.
  database_bootstrap_sql = <<-SQL
    -- Run once as the built-in postgres user, connected to database "${var.database_name}" (docs/DEPLOY.md step 6).
    begin;
    grant usage, create on schema public to ${local.migrator_role};
    grant usage on schema public to ${local.runtime_roles};
    -- Membership lets this session set the migrator's default privileges and grant on its tables.
    grant ${local.migrator_role} to current_user;
    alter default privileges for role ${local.migrator_role} in schema public
      grant select, insert, update, delete on tables to ${local.runtime_roles};
    alter default privileges for role ${local.migrator_role} in schema public
      grant usage, select, update on sequences to ${local.runtime_roles};
    grant select, insert, update, delete on all tables in schema public to ${local.runtime_roles};
    grant usage, select, update on all sequences in schema public to ${local.runtime_roles};
    revoke ${local.migrator_role} from current_user;
    commit;
  SQL
}
