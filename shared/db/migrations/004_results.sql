-- Results pages: kept activity streams, privacy zones, per-athlete settings, cached AI notes, the admin audit trail.

-- Streams are fetched from Strava once per activity and kept as Strava sent them (privacy zones are applied
-- on the way out, so changing a zone never needs a refetch). An activity without streams keeps an empty object.
create table activity_streams (
  activity_id bigint primary key references activities (id) on delete cascade,
  athlete_id bigint not null references athletes (id) on delete cascade,
  streams jsonb not null,
  fetched_at timestamptz not null default now()
);

create index activity_streams_athlete_idx on activity_streams (athlete_id);

create table privacy_zones (
  id bigserial primary key,
  athlete_id bigint not null references athletes (id) on delete cascade,
  lat double precision not null check (lat between -90 and 90),
  lng double precision not null check (lng between -180 and 180),
  radius_m double precision not null check (radius_m between 50 and 10000),
  created_at timestamptz not null default now()
);

create index privacy_zones_athlete_idx on privacy_zones (athlete_id);

-- AI notes are off until the athlete turns them on; units null means "as on Strava".
create table athlete_settings (
  athlete_id bigint primary key references athletes (id) on delete cascade,
  ai_notes boolean not null default false,
  units text check (units in ('metric', 'imperial')),
  updated_at timestamptz not null default now()
);

-- AI output keyed by a hash of exactly what was sent, so the same input never pays twice.
create table insights (
  athlete_id bigint not null references athletes (id) on delete cascade,
  kind text not null,
  input_hash text not null,
  status text not null check (status in ('pending', 'ready', 'failed')),
  output jsonb,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (athlete_id, kind, input_hash)
);

-- Who did what on the admin pages. Not tied to athletes by a foreign key: the trail outlives a deleted athlete.
create table admin_audit (
  id bigserial primary key,
  admin_athlete_id bigint not null,
  action text not null,
  target_athlete_id bigint,
  detail jsonb not null default '{}',
  created_at timestamptz not null default now()
);

create index admin_audit_created_idx on admin_audit (created_at desc);

-- The activities list searches names within one athlete; the leading athlete_id keeps each search to their rows.
create index activities_athlete_start_date_idx on activities (athlete_id, start_date desc);
