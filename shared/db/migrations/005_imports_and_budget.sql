-- History imports (one per athlete, resumable from a cursor) and the Strava rate-limit budget every instance shares.

create table imports (
  athlete_id bigint primary key references athletes (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'running', 'waiting', 'done', 'failed')),
  -- Epoch seconds: every activity that started at or after this instant is imported; null = nothing yet.
  -- The next page asks Strava for activities before it (newest first), so a crash resumes exactly here.
  cursor_before bigint,
  pages integer not null default 0,
  -- The athlete's activities from the newest back to the cursor, counted when each page is saved.
  imported integer not null default 0,
  last_error text,
  -- Invocations in a row that failed for a passing reason (Strava 5xx, database); reset by a saved page.
  failures integer not null default 0,
  -- When a paused import may go on: the end of the rate-limit window that stopped it.
  next_attempt_at timestamptz,
  -- The lease: the one invocation working on this import, until when. A crashed holder's lease runs out.
  claim_id uuid,
  claimed_until timestamptz,
  requested_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);

-- update_tokens looks for unfinished imports to resume.
create index imports_unfinished_idx on imports (updated_at) where status in ('pending', 'running', 'waiting');

-- The last rate-limit usage Strava reported, per API application. Windows are Strava's: quarter hours and UTC days.
create table strava_budget (
  client_id text primary key,
  window_start timestamptz not null,           -- the quarter hour usage_15 and read_usage_15 belong to
  day_start timestamptz not null,              -- the UTC day usage_day and read_usage_day belong to
  usage_15 integer not null default 0,
  usage_day integer not null default 0,
  read_usage_15 integer not null default 0,
  read_usage_day integer not null default 0,
  -- Limits as Strava last stated them; null until the first answer (the documented defaults apply meanwhile).
  limit_15 integer,
  limit_day integer,
  read_limit_15 integer,
  read_limit_day integer,
  observed_at timestamptz,
  updated_at timestamptz not null default now()
);
