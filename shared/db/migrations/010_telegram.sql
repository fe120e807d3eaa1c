-- The Telegram bot: which chat speaks for which athlete, the one-time start codes that link them, and every update
-- Telegram delivered (the dedupe key by update_id, and the record of one that failed so it is not lost).

-- One chat per athlete and one athlete per chat. Deleting the athlete's data removes the link with it.
create table telegram_links (
  athlete_id bigint primary key references athletes (id) on delete cascade,
  chat_id bigint not null unique,
  chat_title text not null default '',         -- the chat's @username or first name, shown on settings so a wrong link shows
  locale text not null default 'en' check (locale in ('en', 'ru')),
  linked_at timestamptz not null default now()
);

-- A start code is shown once to the signed-in athlete; only its SHA-256 is kept, so a database read cannot link a chat.
create table telegram_start_codes (
  code_hash bytea primary key,
  athlete_id bigint not null references athletes (id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);

create index telegram_start_codes_athlete_idx on telegram_start_codes (athlete_id);

-- Every update by Telegram's id: a redelivered one is answered once. The payload is kept until it is handled, and a
-- failed one keeps its error for the operator (Telegram stops redelivering once the app has answered 200).
create table telegram_updates (
  update_id bigint primary key,
  chat_id bigint,
  status text not null check (status in ('received', 'done', 'failed')),
  payload jsonb,
  attempts integer not null default 0,
  last_error text,
  received_at timestamptz not null default now(),
  handled_at timestamptz
);

create index telegram_updates_pending_idx on telegram_updates (received_at) where status <> 'done';
