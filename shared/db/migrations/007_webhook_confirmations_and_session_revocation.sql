-- Forged webhooks and revocable sessions: events waiting for Strava's confirmation or budget, the subscription id on
-- record, a per-athlete cap on what events may spend at Strava, and a per-athlete session epoch.

-- A session cookie carries the epoch it was issued under; a new epoch (logout, reconnect, ban) ends every older
-- session. Random rather than a counter, so an athlete deleted and connected again never reuses an old value.
alter table athletes add column session_epoch text not null default gen_random_uuid()::text;

-- deferred: waits for Strava's rate-limit budget (retry_at), retried by the scheduled job, never dropped.
-- unconfirmed: a destructive event Strava did not confirm; final, changed nothing, shown on the admin page.
alter table webhook_events drop constraint webhook_events_status_check;
alter table webhook_events add constraint webhook_events_status_check
  check (status in ('received', 'retrying', 'deferred', 'processed', 'ignored', 'unconfirmed', 'failed'));
alter table webhook_events add column retry_at timestamptz;
create index webhook_events_deferred_idx on webhook_events (retry_at) where status = 'deferred';

-- The application's one push subscription as last seen at Strava (or created here), so the webhook receiver knows
-- the id before the first event and never asks Strava while Strava waits for its answer.
create table strava_push_subscription (
  client_id text primary key,
  subscription_id bigint,                      -- null: Strava says the application has none
  callback_url text,
  checked_at timestamptz not null default now()
);

-- Strava requests spent on one athlete's webhook events in the current quarter hour: a flood of events for one
-- athlete stops here and waits for the next window instead of draining the shared budget.
create table webhook_event_spend (
  athlete_id bigint primary key,
  window_start timestamptz not null,
  used integer not null default 0
);
