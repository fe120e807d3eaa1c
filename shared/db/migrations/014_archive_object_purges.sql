-- Objects no longer needed, still to be deleted from the bucket (or the laptop's folder): those of deleted uploads,
-- and of uploads the resumer gave up on. Deleting an athlete's rows (their own "delete my data", or a deauthorization
-- Strava confirmed) cascades to archive_uploads, and what deleted the rows may hold no access to the bucket (the
-- webhook processor does not): the trigger keeps each object's name until the archive import, which does, has
-- deleted it.
create table archive_object_purges (
  object_key text primary key,
  queued_at timestamptz not null default now()
);

create function queue_archive_object_purge() returns trigger language plpgsql as $$
begin
  insert into archive_object_purges (object_key) values (old.object_key) on conflict do nothing;
  return old;
end
$$;

create trigger archive_uploads_queue_purge after delete on archive_uploads
  for each row execute function queue_archive_object_purge();
