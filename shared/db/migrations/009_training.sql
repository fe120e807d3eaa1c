-- Training views: best efforts per standard distance, which activities have been searched for them, the background
-- enrichment's state per athlete, yearly goals per sport, and the athlete's gear from their Strava profile.

-- One row per activity and standard distance it holds an effort for. The activity's local start is copied so the
-- page finds the best per distance (and per year) from this index alone, without touching activities.
create table best_efforts (
  activity_id bigint not null references activities (id) on delete cascade,
  athlete_id bigint not null references athletes (id) on delete cascade,
  effort text not null,                        -- 'run_400m', 'run_1k', … 'ride_100k' (shared/efforts/distances.ts)
  elapsed_time integer not null check (elapsed_time > 0),
  start_date_local timestamp not null,         -- the activity's, so "best of each year" follows the athlete's calendar
  source text not null check (source in ('strava', 'streams')),
  primary key (activity_id, effort)
);

-- Ordered as the page asks: the fastest of a distance is the first entry, its year the last column (index-only reads).
create index best_efforts_athlete_effort_idx on best_efforts (athlete_id, effort, elapsed_time, start_date_local, activity_id);

-- An activity searched for best efforts (whether or not it held any), so nothing is searched or paid for twice and a
-- crashed enrichment resumes at the next unsearched activity.
create table effort_scans (
  activity_id bigint primary key references activities (id) on delete cascade,
  athlete_id bigint not null references athletes (id) on delete cascade,
  -- strava: the detail's best_efforts; streams: computed from stored streams; none: nothing to search (no streams).
  source text not null check (source in ('strava', 'streams', 'none')),
  scanned_at timestamptz not null default now()
);

create index effort_scans_athlete_idx on effort_scans (athlete_id);

-- The background enrichment per athlete: a lease (one worker at a time) and when a paused one may go on.
create table effort_enrichment (
  athlete_id bigint primary key references athletes (id) on delete cascade,
  next_attempt_at timestamptz,
  claim_id uuid,
  claimed_until timestamptz,
  last_error text,
  fetched integer not null default 0,          -- Strava requests spent on this athlete's history so far
  updated_at timestamptz not null default now()
);

-- A yearly goal per sport group ('all' for every sport), in one of three measures; it applies to every year.
create table goals (
  athlete_id bigint not null references athletes (id) on delete cascade,
  sport_group text not null check (sport_group in ('all', 'run', 'ride', 'swim', 'walk', 'other')),
  metric text not null check (metric in ('distance', 'time', 'elevation')),
  target double precision not null check (target > 0),  -- metres, seconds or metres of climbing
  updated_at timestamptz not null default now(),
  primary key (athlete_id, sport_group)
);

-- Bikes and shoes as the athlete's Strava profile lists them; replace_at (metres) is the athlete's own reminder.
create table gear (
  athlete_id bigint not null references athletes (id) on delete cascade,
  id text not null,                            -- Strava's gear id ("b1234", "g5678")
  kind text not null check (kind in ('bike', 'shoe')),
  name text not null,
  is_primary boolean not null default false,
  retired boolean not null default false,
  strava_distance double precision not null default 0,
  replace_at double precision check (replace_at is null or replace_at > 0),
  fetched_at timestamptz not null default now(),
  primary key (athlete_id, id)
);

-- Per-gear totals read the gear id from the stored activity; this keeps them to one athlete's rows of one gear.
create index activities_athlete_gear_idx on activities (athlete_id, (raw->>'gear_id')) where raw ? 'gear_id';

-- The results page aggregates every activity of the athlete (totals, streaks, Eddington, best week, year over year,
-- calendar): with the figures they read in the index, those are index-only scans that never touch the wide rows
-- (raw JSON, polylines). The two orderings make "longest" and "biggest climb" one index probe.
create index activities_athlete_local_figures_idx on activities (athlete_id, start_date_local)
  include (sport_type, distance, moving_time, total_elevation_gain, manual);
create index activities_athlete_distance_idx on activities (athlete_id, distance desc, start_date desc);
create index activities_athlete_climb_idx on activities (athlete_id, total_elevation_gain desc, start_date desc);
