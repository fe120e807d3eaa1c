-- Every Strava webhook event received: the dedupe key that makes redelivery harmless, its outcome, and the audit trail.

-- Not tied to athletes by a foreign key: events for athletes we do not know are recorded too. Deleting an athlete
-- (deauthorization) removes their rows in code, since titles in `updates` are their data.
create table webhook_events (
  id bigserial primary key,
  -- The event's identity (Strava sends no id): subscription, object, aspect, event time and updates.
  dedupe_key text not null unique,
  subscription_id bigint not null,
  object_type text not null check (object_type in ('activity', 'athlete')),
  object_id bigint not null,
  aspect_type text not null check (aspect_type in ('create', 'update', 'delete')),
  owner_id bigint not null,
  event_time timestamptz not null,
  updates jsonb not null default '{}',
  -- received: being processed; retrying: a transient failure, Pub/Sub redelivers; processed / ignored / failed are final.
  status text not null default 'received' check (status in ('received', 'retrying', 'processed', 'ignored', 'failed')),
  attempts integer not null default 0,
  error text,
  message_id text,
  received_at timestamptz not null default now(),
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);

-- A processed delete is the tombstone a late create or update is checked against.
create index webhook_events_object_idx on webhook_events (object_type, object_id, event_time);
create index webhook_events_owner_idx on webhook_events (owner_id);
create index webhook_events_received_idx on webhook_events (received_at desc);
create index webhook_events_open_idx on webhook_events (status) where status in ('received', 'retrying');

-- When each field an update event carries (title, type, privacy) was last set by one, in epoch seconds. Updates carry
-- one or two fields each, so a late update of one field must not be lost behind a newer update of another; the row's
-- event_time stays the time of the last full snapshot (a create's fetch, an import).
alter table activities add column field_event_times jsonb not null default '{}';
