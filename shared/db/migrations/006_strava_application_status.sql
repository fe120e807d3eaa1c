-- The Strava API application's own standing, one row per client id, shared by every instance: inactive since when.

create table strava_application (
  client_id text primary key,
  status text not null default 'active' check (status in ('active', 'inactive')),
  -- When Strava first answered "application inactive" in the current pause; null while active.
  inactive_since timestamptz,
  -- The last answer from Strava that told us the status (kept fresh during a pause, so background work knows when it last tried).
  checked_at timestamptz,
  updated_at timestamptz not null default now()
);
