-- What Strava's athlete stats said about the whole history when the import began: the estimate of its size.

-- Runs, rides and swims in Strava's all-time totals (they count only activities visible to Everyone, and no other
-- sport): null until asked, and left null when Strava could not say.
alter table imports add column stats_count integer check (stats_count >= 0);
-- When the stats were asked for, answered or not: one request per import, never repeated by a resumed slice.
alter table imports add column stats_asked_at timestamptz;
