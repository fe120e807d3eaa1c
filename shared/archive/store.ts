// The archive capability's tables: uploads with their progress and lease, and each file's outcome.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/index.js';
import type { ArchiveReason, ArchiveReasonKey } from '../i18n/index.js';
import { encodeReason } from './reasons.js';

export type UploadStatus = 'uploading' | 'queued' | 'importing' | 'done' | 'failed';
export type FileStatus = 'pending' | 'imported' | 'merged' | 'duplicate' | 'skipped' | 'failed';

export interface Upload {
  id: string;
  athleteId: number;
  objectKey: string;
  fileName: string;
  declaredSize: number;
  status: UploadStatus;
  totalFiles: number;
  processedFiles: number;
  imported: number;
  merged: number;
  duplicates: number;
  failedFiles: number;
  /** Why it failed, as encodeReason stored it (or, from earlier versions, an English sentence); describeArchiveReason says it. */
  error: string | null;
  slices: number;
  failures: number;
  createdAt: Date;
  finishedAt: Date | null;
}

const COLUMNS = `id, athlete_id as "athleteId", object_key as "objectKey", file_name as "fileName",
  declared_size as "declaredSize", status, total_files as "totalFiles", processed_files as "processedFiles", imported,
  merged, duplicates, failed_files as "failedFiles", error, slices, failures, created_at as "createdAt",
  finished_at as "finishedAt"`;

/** The object's name: the athlete's folder, then the upload's id, then a tidy version of their file name's ending. */
export function objectKeyFor(athleteId: number, uploadId: string, fileName: string): string {
  const ending = /\.(zip|fit|gpx|tcx)(\.gz)?$/i.exec(fileName)?.[0]?.toLowerCase() ?? '.bin';
  return `uploads/${athleteId}/${uploadId}${ending}`;
}

/** Parses an object key back into its athlete and upload; undefined for anything this app did not name. */
export function parseObjectKey(key: string): { athleteId: number; uploadId: string } | undefined {
  const m = /^uploads\/(\d{1,19})\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(zip|fit|gpx|tcx|bin)(\.gz)?$/.exec(key);
  return m ? { athleteId: Number(m[1]), uploadId: m[2]! } : undefined;
}

export async function createUpload(db: Queryable, athleteId: number, fileName: string, declaredSize: number): Promise<Upload> {
  const id = randomUUID();
  const { rows } = await db.query<Upload>(
    `insert into archive_uploads (id, athlete_id, object_key, file_name, declared_size)
     values ($1::uuid, $2::bigint, $3::text, $4::text, $5::bigint) returning ${COLUMNS}`,
    [id, athleteId, objectKeyFor(athleteId, id, fileName), fileName.slice(0, 255), declaredSize],
  );
  return rows[0]!;
}

export async function getUpload(db: Queryable, id: string): Promise<Upload | undefined> {
  const { rows } = await db.query<Upload>(`select ${COLUMNS} from archive_uploads where id = $1::uuid`, [id]);
  return rows[0];
}

export async function latestUploads(db: Queryable, athleteId: number, limit = 5): Promise<Upload[]> {
  const { rows } = await db.query<Upload>(`select ${COLUMNS} from archive_uploads where athlete_id = $1::bigint order by created_at desc limit $2::integer`, [
    athleteId,
    limit,
  ]);
  return rows;
}

/** The object arrived: from "uploading" to "queued". False when it was already past that (a redelivered notification). */
export async function markArrived(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`update archive_uploads set status = 'queued', updated_at = now() where id = $1::uuid and status = 'uploading'`, [id]);
  return (rowCount ?? 0) > 0;
}

/**
 * Takes the lease on an upload for `seconds`, unless another invocation holds a live one or it is finished.
 * Returns the claim id to pass back when saving and releasing.
 */
export async function claimUpload(db: Queryable, id: string, seconds: number): Promise<string | undefined> {
  const claim = randomUUID();
  const { rowCount } = await db.query(
    `update archive_uploads set claim_id = $2::uuid, claimed_until = now() + make_interval(secs => $3::float8),
       status = 'importing', started_at = coalesce(started_at, now()), slices = slices + 1, updated_at = now(),
       -- A lease that ran out unreleased is a slice that died (an instance gone, out of memory): a failure too.
       failures = failures + case when claim_id is null then 0 else 1 end
     where id = $1::uuid and status in ('uploading', 'queued', 'importing')
       and (claim_id is null or claimed_until < now())`,
    [id, claim, seconds],
  );
  return (rowCount ?? 0) > 0 ? claim : undefined;
}

/**
 * `failure` is a passing failure's message, kept in error for operators: no page shows it, as the page shows error only
 * for a failed upload, and failing one writes its reason over it.
 */
export async function releaseUpload(db: Queryable, id: string, claim: string, failure?: string): Promise<void> {
  await db.query(
    `update archive_uploads set claim_id = null, claimed_until = null, updated_at = now(),
       failures = case when $3::text is null then 0 else failures + 1 end,
       error = coalesce($3::text, error)
     where id = $1::uuid and claim_id = $2::uuid`,
    [id, claim, failure ?? null],
  );
}

export interface PlannedFile {
  index: number;
  name: string;
  status: FileStatus;
  reason?: ArchiveReason;
  stravaId?: number | null;
  csv?: unknown;
}

/** Records the plan (every activity file and its CSV row) in one statement; a second plan of the same upload adds nothing. */
export async function savePlan(db: Queryable, uploadId: string, athleteId: number, files: readonly PlannedFile[]): Promise<void> {
  if (files.length > 0) {
    await db.query(
      `insert into archive_files (upload_id, athlete_id, entry_index, name, status, reason, strava_id, csv, processed_at)
       select $1::uuid, $2::bigint, f.i, f.name, f.status, f.reason, f.strava_id, f.csv::jsonb,
         case when f.status = 'pending' then null else now() end
       from unnest($3::integer[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[]) as f(i, name, status, reason, strava_id, csv)
       on conflict (upload_id, entry_index) do nothing`,
      [
        uploadId,
        athleteId,
        files.map((f) => f.index),
        files.map((f) => f.name),
        files.map((f) => f.status),
        files.map((f) => (f.reason ? encodeReason(f.reason) : null)),
        files.map((f) => f.stravaId ?? null),
        files.map((f) => (f.csv === undefined ? null : JSON.stringify(f.csv))),
      ],
    );
  }
  await refreshCounts(db, uploadId);
}

export async function hasPlan(db: Queryable, uploadId: string): Promise<boolean> {
  const { rows } = await db.query('select 1 from archive_files where upload_id = $1::uuid limit 1', [uploadId]);
  return rows.length > 0;
}

export interface PendingFile {
  index: number;
  name: string;
  stravaId: number | null;
  csv: Record<string, unknown> | null;
}

export async function pendingFiles(db: Queryable, uploadId: string, limit: number): Promise<PendingFile[]> {
  const { rows } = await db.query<PendingFile>(
    `select entry_index as index, name, strava_id as "stravaId", csv from archive_files
     where upload_id = $1::uuid and status = 'pending' order by entry_index limit $2::integer`,
    [uploadId, limit],
  );
  return rows;
}

export async function saveOutcome(
  db: Queryable,
  uploadId: string,
  index: number,
  outcome: { status: Exclude<FileStatus, 'pending'>; reason?: ArchiveReason | undefined; activityId?: number | undefined },
): Promise<void> {
  await db.query(
    `update archive_files set status = $3::text, reason = $4::text, activity_id = $5::bigint, processed_at = now()
     where upload_id = $1::uuid and entry_index = $2::integer`,
    [uploadId, index, outcome.status, outcome.reason ? encodeReason(outcome.reason) : null, outcome.activityId ?? null],
  );
}

/** Counts on the upload row follow from its files, so a retried slice can never count a file twice. */
export async function refreshCounts(db: Queryable, uploadId: string): Promise<void> {
  await db.query(
    `update archive_uploads u set
       total_files = c.total, processed_files = c.processed, imported = c.imported, merged = c.merged,
       duplicates = c.duplicates, failed_files = c.failed, updated_at = now()
     from (select count(*) as total, count(*) filter (where status <> 'pending') as processed,
             count(*) filter (where status = 'imported') as imported, count(*) filter (where status = 'merged') as merged,
             count(*) filter (where status = 'duplicate') as duplicates,
             count(*) filter (where status in ('skipped', 'failed')) as failed
           from archive_files where upload_id = $1::uuid) c
     where u.id = $1::uuid`,
    [uploadId],
  );
}

export async function finishUpload(db: Queryable, id: string, status: 'done' | 'failed', error?: ArchiveReason): Promise<void> {
  await db.query(
    `update archive_uploads set status = $2::text, error = $3::text, finished_at = now(), claim_id = null,
       claimed_until = null, updated_at = now()
     where id = $1::uuid`,
    [id, status, error ? encodeReason(error) : null],
  );
}

export interface FileOutcome {
  name: string;
  status: FileStatus;
  /** As encodeReason stored it (or, from earlier versions, an English sentence); describeArchiveReason says it. */
  reason: string | null;
}

/** The files that could not be imported, with why: the summary at the end of an import. */
export async function failedFiles(db: Queryable, uploadId: string, limit = 200): Promise<FileOutcome[]> {
  const { rows } = await db.query<FileOutcome>(
    `select name, status, reason from archive_files where upload_id = $1::uuid and status in ('skipped', 'failed')
     order by entry_index limit $2::integer`,
    [uploadId, limit],
  );
  return rows;
}

/**
 * Consecutive failed slices after which the resumer stops asking: three rounds of Pub/Sub's deliveries (10 each by
 * default) that all failed say the upload itself kills its import, not a passing outage. Fewer would also give up on
 * an upload whose messages an operator is about to replay.
 */
export const MAX_FAILED_SLICES = 30;

const IMPORT_STOPPED: ArchiveReasonKey = 'importStopped';

/**
 * Marks failed the stalled uploads whose last slices all failed (counting a lease that ran out unreleased), so the
 * resumer does not republish them forever, and queues their objects for deletion: nothing will read them again.
 */
export async function abandonFailingUploads(db: Queryable, maxFailures: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `with abandoned as (
       update archive_uploads set status = 'failed', finished_at = now(), claim_id = null, claimed_until = null, updated_at = now(),
         -- The reason as encodeReason writes it: the key and the count of failed slices.
         error = jsonb_build_object('key', $2::text, 'params', jsonb_build_array(failures + case when claim_id is null then 0 else 1 end))::text
       where status in ('queued', 'importing') and (claimed_until is null or claimed_until < now())
         and failures + case when claim_id is null then 0 else 1 end >= $1::integer
       returning id, object_key
     ), queued as (
       insert into archive_object_purges (object_key) select object_key from abandoned on conflict do nothing
     )
     select id from abandoned`,
    [maxFailures, IMPORT_STOPPED],
  );
  return rows.map((r) => r.id);
}

/** Uploads that stopped half way (a lost message, a dead instance), for the resumer. */
export async function stalledUploads(db: Queryable, olderThanSeconds: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id from archive_uploads where status in ('queued', 'importing')
       and (claimed_until is null or claimed_until < now())
       and updated_at < now() - make_interval(secs => $1::float8)
     order by updated_at limit 100`,
    [olderThanSeconds],
  );
  return rows.map((r) => r.id);
}

/** Objects no longer needed, oldest first: of deleted uploads (the trigger of migration 014) and of abandoned ones. */
export async function queuedPurges(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ key: string }>('select object_key as key from archive_object_purges order by queued_at, object_key limit $1::integer', [
    limit,
  ]);
  return rows.map((r) => r.key);
}

export async function forgetPurges(db: Queryable, keys: readonly string[]): Promise<void> {
  await db.query('delete from archive_object_purges where object_key = any($1::text[])', [keys]);
}
