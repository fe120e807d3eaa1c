-- Athletes, their encrypted Strava tokens, and their activities.

create table athletes (
  id bigint primary key,                       -- Strava athlete id
  username text,
  firstname text not null default '',
  lastname text not null default '',
  profile_url text,
  city text,
  country text,
  measurement_preference text not null default 'meters' check (measurement_preference in ('meters', 'feet')),
  scopes text[] not null default '{}',
  status text not null default 'connected' check (status in ('connected', 'disconnected', 'banned')),
  status_reason text,
  connected_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Tokens are AES-256-GCM ciphertext: a database dump alone reveals nothing usable.
create table tokens (
  athlete_id bigint primary key references athletes (id) on delete cascade,
  access_token bytea not null,
  refresh_token bytea not null,
  expires_at timestamptz not null,
  updated_at timestamptz not null default now()
);

create index tokens_expires_at_idx on tokens (expires_at);

create table activities (
  id bigint primary key,                       -- Strava activity id
  athlete_id bigint not null references athletes (id) on delete cascade,
  name text not null,
  sport_type text not null,
  start_date timestamptz not null,
  start_date_local timestamp not null,         -- wall-clock time where it happened: weeks and years are cut on this
  timezone text,
  distance double precision not null default 0,
  moving_time integer not null default 0,
  elapsed_time integer not null default 0,
  total_elevation_gain double precision not null default 0,
  average_speed double precision,
  max_speed double precision,
  average_heartrate double precision,
  max_heartrate double precision,
  manual boolean not null default false,
  private boolean not null default false,
  visibility text,
  summary_polyline text,
  raw jsonb not null,
  event_time timestamptz not null,             -- when this version was current at Strava: older writes never overwrite it
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index activities_athlete_start_idx on activities (athlete_id, start_date_local desc);
create index activities_athlete_sport_start_idx on activities (athlete_id, sport_type, start_date_local);
