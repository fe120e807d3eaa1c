-- Archive uploads: a Strava bulk export (or single FIT, GPX, TCX files) an athlete uploads, each file's outcome, and
-- where every activity came from.

-- strava: the API; archive: an export row with its Strava id (the API overwrites it when it arrives);
-- upload: a file without a Strava id, stored under a negative id of its own so it never collides with Strava's.
alter table activities add column source text not null default 'strava' check (source in ('strava', 'archive', 'upload'));
create sequence uploaded_activity_ids;

create table archive_uploads (
  id uuid primary key,
  athlete_id bigint not null references athletes (id) on delete cascade,
  -- The object in the bucket (or the laptop's folder) the browser sent the bytes to.
  object_key text not null unique,
  file_name text not null,
  declared_size bigint not null check (declared_size > 0),
  -- uploading: waiting for the bytes; queued: arrived, import requested; importing: slices running;
  -- done: every file has an outcome; failed: the upload itself could not be read (the error says why).
  status text not null default 'uploading' check (status in ('uploading', 'queued', 'importing', 'done', 'failed')),
  total_files integer not null default 0,
  processed_files integer not null default 0,
  imported integer not null default 0,
  merged integer not null default 0,
  duplicates integer not null default 0,
  failed_files integer not null default 0,
  error text,
  slices integer not null default 0,
  -- A lease, so one invocation at a time works on an upload; a crashed holder's lease runs out.
  claim_id uuid,
  claimed_until timestamptz,
  -- Invocations in a row that failed for a passing reason; reset by progress.
  failures integer not null default 0,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);

create index archive_uploads_athlete_idx on archive_uploads (athlete_id, created_at desc);
create index archive_uploads_unfinished_idx on archive_uploads (updated_at) where status in ('queued', 'importing');

-- One row per activity file in an upload (and one per manual activity of the export's CSV): the plan slices work
-- through, and the outcome shown to the athlete.
create table archive_files (
  upload_id uuid not null references archive_uploads (id) on delete cascade,
  athlete_id bigint not null references athletes (id) on delete cascade,
  entry_index integer not null,
  name text not null,
  status text not null default 'pending' check (status in ('pending', 'imported', 'merged', 'duplicate', 'skipped', 'failed')),
  reason text,
  -- From the export's activities.csv: the Strava id and summary; null for files the CSV does not list.
  strava_id bigint,
  csv jsonb,
  activity_id bigint,
  processed_at timestamptz,
  primary key (upload_id, entry_index)
);

create index archive_files_pending_idx on archive_files (upload_id, entry_index) where status = 'pending';
