-- Delivery of new activities to the athlete's own chat: where they go (their linked Telegram chat, their own Slack or
-- Discord incoming webhook), which sports, the notices waiting to be published, what was delivered where, and the
-- pacing every instance shares so no service's rate limit is overrun.

-- One row per athlete and service. A webhook URL is a credential (whoever holds it can post to the channel), so it is
-- kept encrypted like the Strava tokens; url_hint is what settings shows of it (the host and the last characters).
create table delivery_destinations (
  id bigserial primary key,
  athlete_id bigint not null references athletes (id) on delete cascade,
  service text not null check (service in ('telegram', 'slack', 'discord')),
  webhook_url bytea,                           -- encrypted; null for Telegram (the linked chat is read at delivery time)
  url_hint text,
  enabled boolean not null default true,
  -- Why the service refused it for good ('blocked', 'chat_not_found', 'webhook_gone', 'channel_archived', 'forbidden'),
  -- shown on settings until the athlete saves the destination again.
  disabled_reason text,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (athlete_id, service),
  check ((service = 'telegram') = (webhook_url is null))
);

-- Which sports go out (null: every sport), and the language and units the messages are written in (the athlete's
-- choice on the page where they saved them).
create table delivery_preferences (
  athlete_id bigint primary key references athletes (id) on delete cascade,
  sports text[],
  locale text not null default 'en' check (locale in ('en', 'ru')),
  units text not null default 'metric' check (units in ('metric', 'imperial')),
  updated_at timestamptz not null default now()
);

-- Written in the transaction that applies a webhook event, published once it commits: a notice is never lost between
-- the database and the topic (a failed publish is retried by the next delivery of the same event).
create table delivery_notices (
  id bigserial primary key,
  athlete_id bigint not null references athletes (id) on delete cascade,
  activity_id bigint not null,
  change text not null check (change in ('created', 'updated', 'deleted')),
  created_at timestamptz not null default now(),
  published_at timestamptz
);

create index delivery_notices_unpublished_idx on delivery_notices (athlete_id, id) where published_at is null;

-- One row per activity and destination: the idempotency key of the at-least-once topic, and the message to edit or
-- delete later. No foreign key to activities: a delete must still find the message to remove.
create table deliveries (
  activity_id bigint not null,
  destination_id bigint not null references delivery_destinations (id) on delete cascade,
  athlete_id bigint not null references athletes (id) on delete cascade,
  status text not null check (status in ('sending', 'sent', 'deleted', 'failed')),
  message_id text,                             -- Telegram's message_id or Discord's message id; Slack gives none
  message_hash text,                           -- what was sent, so a redelivered update edits nothing twice
  sent_at timestamptz,
  claimed_at timestamptz not null default now(),
  detail text,
  primary key (activity_id, destination_id)
);

create index deliveries_athlete_idx on deliveries (athlete_id);

-- The next moment each pacing key (a chat, a webhook, the bot as a whole) may be sent to, shared by every instance.
create table delivery_pacing (
  key text primary key,
  next_at timestamptz not null
);
