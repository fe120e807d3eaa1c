-- The results page's training sections read only indexes: gear totals and best-effort progress were the two that
-- still fetched every matching activity row (wide: raw JSON, polylines) at every page view.

-- Per-gear totals: the gear id as a column of its own (kept by Postgres from the stored activity, so no writer
-- changes), in an index that carries the figures summed, so a gear's total is an index-only scan.
alter table activities add column gear_id text generated always as (raw->>'gear_id') stored;
create index activities_athlete_gear_totals_idx on activities (athlete_id, gear_id) include (distance, moving_time) where gear_id is not null;
drop index activities_athlete_gear_idx;

-- The page's covering index also carries the activity id: how far the best-effort search has got joins the
-- activities to their scans by id, and without it that count read every row of the athlete.
create index activities_athlete_local_figures_with_id_idx on activities (athlete_id, start_date_local)
  include (id, sport_type, distance, moving_time, total_elevation_gain, manual);
drop index activities_athlete_local_figures_idx;
alter index activities_athlete_local_figures_with_id_idx rename to activities_athlete_local_figures_idx;
