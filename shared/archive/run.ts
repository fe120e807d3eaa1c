// The archive import: plans an upload (every activity file and the export's CSV), then works through the files in slices that fit one invocation.
import type pg from 'pg';
import {
  attachFileStreams,
  findActivity,
  findSameActivity,
  insertArchiveActivity,
  insertUploadedActivity,
  usualTimezone,
  type FileActivity,
} from '../activities/index.js';
import { withTransaction } from '../db/index.js';
import { searchStored } from '../efforts/index.js';
import type { ArchiveReason } from '../i18n/index.js';
import type { Logger } from '../log.js';
import { utcOffsetSeconds } from '../time-zones.js';
import { CsvError, readActivitiesCsv, type CsvActivity } from './csv.js';
import { kindOfName, readActivityFile, SkipFileError, unsafeName } from './files.js';
import { LIMITS } from './limits.js';
import { ArchiveReasonError, because, englishReason } from './reasons.js';
import { sportFromText } from './sports.js';
import { ObjectMissingError, type ObjectStore } from './storage.js';
import {
  claimUpload,
  finishUpload,
  getUpload,
  hasPlan,
  pendingFiles,
  refreshCounts,
  releaseUpload,
  saveOutcome,
  savePlan,
  type PendingFile,
  type PlannedFile,
} from './store.js';
import { deriveActivity, TrackError, type DerivedActivity } from './track.js';
import { isZip, openArchive, readWhole, SourceReadError, ZipError, type Archive, type ArchiveEntry, type RangeSource } from './zip.js';

export interface ArchiveDeps {
  pool: pg.Pool;
  log: Logger;
  store: ObjectStore;
}

export interface ArchiveSliceOptions {
  /** No new file starts after this long; the rest goes to the next slice. */
  timeBudgetMs: number;
  /** Files read per look-up of pending work. */
  batchSize: number;
  /** The lease; longer than the budget plus the slowest file. */
  leaseSeconds: number;
  now: () => number;
}

export const DEFAULT_ARCHIVE_SLICE: ArchiveSliceOptions = {
  // The function may run 540 s; one file takes well under a second, the largest a few.
  timeBudgetMs: 300_000,
  batchSize: 50,
  leaseSeconds: 420,
  now: () => Date.now(),
};

export type ArchiveSliceOutcome =
  | { kind: 'done'; processed: number }
  | { kind: 'more'; processed: number }
  | { kind: 'busy' }
  | { kind: 'missing' }
  | { kind: 'failed'; error: string };

/** A failure of the upload as a whole (not a readable archive, too large): recorded, never retried. */
class UploadRefused extends ArchiveReasonError {}

const CSV_ONLY_BASE = 1_000_000_000; // Plan rows for the CSV's manual activities sit after every real entry index.

function basename(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** Reads every directory entry once and decides what each one is: the plan a slice works through. */
async function planZip(deps: ArchiveDeps, archive: Archive): Promise<PlannedFile[]> {
  if (archive.entryCount > LIMITS.maxEntries) throw new UploadRefused(because('tooManyEntries', archive.entryCount, LIMITS.maxEntries));
  const planned: PlannedFile[] = [];
  let csvEntry: ArchiveEntry | undefined;
  let total = 0;
  for await (const entry of archive.entries()) {
    if (entry.directory) continue;
    const unsafe = unsafeName(entry.name);
    const kind = kindOfName(entry.name);
    if (!unsafe && basename(entry.name) === 'activities.csv' && entry.name.split('/').length <= 2) {
      csvEntry ??= entry;
      continue;
    }
    if (!kind && !unsafe) continue; // Photos, profile and the other parts of an export are not activities.
    const skip = (reason: ArchiveReason) => planned.push({ index: entry.index, name: entry.name.slice(0, 1024), status: 'skipped', reason });
    if (unsafe) skip(because('refused', unsafe));
    else if (entry.encrypted) skip(because('encrypted'));
    else if (entry.uncompressedSize > LIMITS.maxEntryBytes) skip(because('fileTooLarge', LIMITS.maxEntryBytes / 1024 ** 2));
    else if (entry.uncompressedSize > LIMITS.ratioCheckAboveBytes && entry.uncompressedSize > LIMITS.maxCompressionRatio * Math.max(1, entry.compressedSize)) {
      skip(because('refused', because('zipBomb')));
    } else {
      total += entry.uncompressedSize;
      if (total > LIMITS.maxTotalBytes) skip(because('archiveTooLarge'));
      else planned.push({ index: entry.index, name: entry.name, status: 'pending' });
    }
  }
  if (!csvEntry) return planned;

  // The export's list: which file is which Strava activity, and the activities that have no file at all.
  let csv: CsvActivity[];
  try {
    if (csvEntry.uncompressedSize > LIMITS.maxCsvBytes) throw new CsvError(because('csvTooLarge'));
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of await archive.open(csvEntry)) {
      size += (chunk as Buffer).length;
      if (size > LIMITS.maxCsvBytes) throw new CsvError(because('csvTooLarge'));
      chunks.push(chunk as Buffer);
    }
    csv = readActivitiesCsv(Buffer.concat(chunks));
  } catch (error) {
    if (error instanceof SourceReadError) throw error;
    const reason = error instanceof CsvError || error instanceof ZipError ? error.reason : because('csvUnreadable', (error as Error)?.message ?? String(error));
    deps.log.warn('Archive CSV unreadable; its files are imported without Strava ids', { reason: englishReason(reason) });
    planned.push({
      index: csvEntry.index,
      name: csvEntry.name,
      status: 'failed',
      reason: because('matchedByTimeInstead', reason),
    });
    return planned;
  }
  const prefix = csvEntry.name.slice(0, csvEntry.name.length - 'activities.csv'.length);
  const byName = new Map(csv.filter((row) => row.filename).map((row) => [prefix + row.filename!, row]));
  const linked = new Set<number>();
  for (const file of planned) {
    const row = byName.get(file.name);
    if (!row) continue;
    file.stravaId = row.id;
    file.csv = row;
    linked.add(row.id);
  }
  let extra = 0;
  for (const row of csv) {
    if (linked.has(row.id)) continue;
    linked.add(row.id);
    // A manual activity (or one whose file is missing): its summary still fills the history.
    planned.push({
      index: CSV_ONLY_BASE + extra++,
      name: `activities.csv: ${row.name || row.id}`.slice(0, 1024),
      status: 'pending',
      stravaId: row.id,
      csv: row,
    });
  }
  return planned;
}

function defaultName(sportType: string, localHour: number): string {
  const part = localHour < 5 ? 'Night' : localHour < 12 ? 'Morning' : localHour < 17 ? 'Afternoon' : localHour < 21 ? 'Evening' : 'Night';
  const word = sportType.replace(/([a-z])([A-Z])/g, '$1 $2');
  return `${part} ${word}`;
}

/** Offset in seconds of an IANA zone at an instant; undefined for a zone Intl does not know. */
function zoneOffsetS(zone: string, at: Date): number | undefined {
  try {
    return utcOffsetSeconds(zone, at.getTime());
  } catch {
    return undefined;
  }
}

interface AthleteContext {
  athleteId: number;
  /** Strava's label of the athlete's usual zone, "(GMT+01:00) Europe/Berlin", for files that state no offset. */
  timezone: string | undefined;
}

function csvFields(csv: Record<string, unknown> | null): CsvActivity | undefined {
  if (!csv) return undefined;
  const row = csv as unknown as CsvActivity;
  return { ...row, startDate: row.startDate ? new Date(row.startDate as unknown as string) : null };
}

/** The activity as it will be stored: the file's track, the CSV's summary (Strava's own figures) where it has them. */
function fileActivity(ctx: AthleteContext, derived: DerivedActivity | undefined, csv: CsvActivity | undefined, origin: Record<string, unknown>): FileActivity {
  const startDate = derived?.startDate ?? csv?.startDate;
  if (!startDate || Number.isNaN(startDate.getTime())) throw new SkipFileError(because('noStartTime'));
  const zone = ctx.timezone?.replace(/^\([^)]*\)\s*/, '');
  const offset = derived?.utcOffsetS ?? (zone ? zoneOffsetS(zone, startDate) : undefined) ?? 0;
  const local = new Date(startDate.getTime() + offset * 1000);
  const sportType = sportFromText(csv?.type) ?? derived?.sportType ?? 'Workout';
  const pick = (fromCsv: number | null | undefined, fromFile: number | undefined) =>
    typeof fromCsv === 'number' && Number.isFinite(fromCsv) ? fromCsv : (fromFile ?? 0);
  const distance = pick(csv?.distance, derived?.distance);
  const movingTime = pick(csv?.movingTime, derived?.movingTime);
  return {
    name: csv?.name || derived?.name || defaultName(sportType, local.getUTCHours()),
    sportType,
    startDate,
    startDateLocal: local.toISOString().slice(0, 19),
    timezone: derived?.utcOffsetS === undefined && zone ? (ctx.timezone ?? null) : null,
    distance,
    movingTime,
    elapsedTime: pick(csv?.elapsedTime, derived?.elapsedTime),
    totalElevationGain: pick(csv?.elevationGain, derived?.elevationGain),
    averageSpeed: movingTime > 0 && distance > 0 ? distance / movingTime : null,
    maxSpeed: derived?.maxSpeed ?? null,
    averageHeartrate: derived?.averageHeartrate ?? null,
    maxHeartrate: csv?.maxHeartrate ?? derived?.maxHeartrate ?? null,
    manual: !derived,
    summaryPolyline: derived?.summaryPolyline ?? null,
    origin,
  };
}

type Outcome = { status: 'imported' | 'merged' | 'duplicate' | 'skipped' | 'failed'; reason?: ArchiveReason; activityId?: number };

/** Stores one file's activity by the merge rules, in the same transaction as its outcome. */
async function storeActivity(client: pg.PoolClient, ctx: AthleteContext, file: PendingFile, derived: DerivedActivity | undefined): Promise<Outcome> {
  const csv = csvFields(file.csv);
  const activity = fileActivity(ctx, derived, csv, { file: file.name });
  const streams = derived?.streams ?? {};
  if (file.stravaId) {
    const existing = await findActivity(client, file.stravaId);
    if (existing && existing.athleteId !== ctx.athleteId) return { status: 'failed', reason: because('stravaIdOfAnotherAthlete') };
    if (existing) {
      // The API's summary stays; the file brings the streams it may lack.
      const attached = await attachFileStreams(client, ctx.athleteId, existing.id, streams);
      return attached ? { status: 'merged', activityId: existing.id } : { status: 'duplicate', reason: because('alreadyImported'), activityId: existing.id };
    }
    await insertArchiveActivity(client, ctx.athleteId, file.stravaId, activity);
    await attachFileStreams(client, ctx.athleteId, file.stravaId, streams);
    return { status: 'imported', activityId: file.stravaId };
  }
  const same = await findSameActivity(client, ctx.athleteId, activity.startDate, activity.distance);
  if (same) {
    const attached = !same.hasStreams && (await attachFileStreams(client, ctx.athleteId, same.id, streams));
    return attached ? { status: 'merged', activityId: same.id } : { status: 'duplicate', reason: because('sameActivityThere'), activityId: same.id };
  }
  const id = await insertUploadedActivity(client, ctx.athleteId, activity);
  await attachFileStreams(client, ctx.athleteId, id, streams);
  return { status: 'imported', activityId: id };
}

/** Reads and stores one planned file. File-level problems become its outcome; a failing store read throws (retry). */
async function importFile(
  deps: ArchiveDeps,
  ctx: AthleteContext,
  uploadId: string,
  file: PendingFile,
  read: () => Promise<DerivedActivity | undefined>,
): Promise<Outcome> {
  let derived: DerivedActivity | undefined;
  let outcome: Outcome | undefined;
  try {
    derived = await read();
  } catch (error) {
    if (error instanceof SourceReadError || (error as Error)?.cause instanceof SourceReadError) throw error;
    if (error instanceof SkipFileError || error instanceof TrackError || error instanceof ZipError) outcome = { status: 'skipped', reason: error.reason };
    else outcome = { status: 'skipped', reason: because('fileUnreadable', (error as Error)?.message ?? String(error)) };
  }
  return withTransaction(deps.pool, async (client) => {
    if (!outcome) {
      try {
        outcome = await storeActivity(client, ctx, file, derived);
      } catch (error) {
        if (!(error instanceof SkipFileError)) throw error;
        outcome = { status: 'skipped', reason: error.reason };
      }
    }
    await saveOutcome(client, uploadId, file.index, outcome);
    return outcome;
  });
}

/**
 * Best efforts from the streams the files just brought (the efforts capability's search of stored streams, which
 * costs no Strava request), so they are on the athlete's page when the import ends rather than after the next
 * update_tokens run. A failure here never fails the import: update_tokens' enrichment finds what is left.
 */
async function searchEfforts(deps: ArchiveDeps, log: Logger, athleteId: number, limit: number, more: () => boolean): Promise<void> {
  try {
    let searched = await searchStored(deps.pool, athleteId, limit);
    while (searched === limit && more()) searched = await searchStored(deps.pool, athleteId, limit);
  } catch (error) {
    log.warn('Best efforts of the imported files were not searched; update_tokens will', { error });
  }
}

/**
 * Runs one slice of an upload's import: plans it on the first slice, then imports pending files until the time
 * budget is spent. Throwing means a passing failure (the store or the database): the message is retried and the
 * slice resumes at the first file without an outcome.
 */
export async function runArchiveSlice(deps: ArchiveDeps, uploadId: string, options: Partial<ArchiveSliceOptions> = {}): Promise<ArchiveSliceOutcome> {
  const opts = { ...DEFAULT_ARCHIVE_SLICE, ...options };
  const started = opts.now();
  const upload = await getUpload(deps.pool, uploadId);
  if (!upload) return { kind: 'missing' };
  if (upload.status === 'done' || upload.status === 'failed') return { kind: 'done', processed: 0 };
  const claim = await claimUpload(deps.pool, uploadId, opts.leaseSeconds);
  if (!claim) return { kind: 'busy' };
  const log = deps.log.child({ uploadId, athleteId: upload.athleteId });
  let archive: Archive | undefined;
  let processed = 0;
  try {
    let source: RangeSource;
    try {
      source = await deps.store.source(upload.objectKey);
    } catch (error) {
      if (error instanceof ObjectMissingError) throw new UploadRefused(because('uploadGone'));
      throw error;
    }
    if (source.size > LIMITS.maxUploadBytes) throw new UploadRefused(because('uploadTooLarge', LIMITS.maxUploadBytes / 1024 ** 3));
    const zipped = await isZip(source);
    if (zipped) {
      try {
        archive = await openArchive(source);
      } catch (error) {
        if (error instanceof ZipError) throw new UploadRefused(error.reason);
        throw error;
      }
    }
    if (!(await hasPlan(deps.pool, uploadId))) {
      let plan: PlannedFile[];
      if (archive) {
        try {
          plan = await planZip(deps, archive);
        } catch (error) {
          if (error instanceof ZipError) throw new UploadRefused(error.reason);
          throw error;
        }
        // A second pass over the directory follows, so the entries are read afresh.
        archive.close();
        archive = await openArchive(source);
      } else {
        plan = [
          kindOfName(upload.fileName)
            ? { index: 0, name: upload.fileName, status: 'pending' }
            : { index: 0, name: upload.fileName, status: 'skipped', reason: because('notZipNorActivityFile') },
        ];
      }
      if (plan.length === 0) throw new UploadRefused(because('noActivityFiles'));
      await savePlan(deps.pool, uploadId, upload.athleteId, plan);
      log.info('Archive import planned', { files: plan.length, zipped });
    }
    const ctx: AthleteContext = { athleteId: upload.athleteId, timezone: await usualTimezone(deps.pool, upload.athleteId) };
    const entries = archive?.entries();
    let current: ArchiveEntry | undefined;
    const entryAt = async (index: number): Promise<ArchiveEntry | undefined> => {
      // Pending files come in index order, so the directory is walked forward once per slice.
      while (entries && (!current || current.index < index)) {
        const next = await entries.next();
        if (next.done) return undefined;
        current = next.value;
      }
      return current?.index === index ? current : undefined;
    };
    for (;;) {
      const batch = await pendingFiles(deps.pool, uploadId, opts.batchSize);
      if (batch.length === 0) {
        await searchEfforts(deps, log, upload.athleteId, opts.batchSize, () => opts.now() - started <= opts.timeBudgetMs);
        await refreshCounts(deps.pool, uploadId);
        await finishUpload(deps.pool, uploadId, 'done');
        await deps.store.delete(upload.objectKey);
        log.info('Archive import finished', { processed });
        return { kind: 'done', processed };
      }
      for (const file of batch) {
        // At least one file per slice, so a slow start (planning a huge archive) can never stall the import.
        if (processed > 0 && opts.now() - started > opts.timeBudgetMs) {
          await searchEfforts(deps, log, upload.athleteId, opts.batchSize, () => false);
          await refreshCounts(deps.pool, uploadId);
          return { kind: 'more', processed };
        }
        const read = async (): Promise<DerivedActivity | undefined> => {
          if (file.index >= CSV_ONLY_BASE) return undefined;
          if (!archive) return deriveActivity(await readActivityFile(upload.fileName, readWhole(source)));
          const entry = await entryAt(file.index);
          if (!entry) throw new SkipFileError(because('entryMissing'));
          return deriveActivity(await readActivityFile(entry.name, await archive.open(entry)));
        };
        await importFile(deps, ctx, uploadId, file, read);
        processed++;
      }
      await searchEfforts(deps, log, upload.athleteId, batch.length, () => false);
      await refreshCounts(deps.pool, uploadId);
    }
  } catch (error) {
    if (error instanceof UploadRefused) {
      await finishUpload(deps.pool, uploadId, 'failed', error.reason);
      await deps.store.delete(upload.objectKey).catch(() => undefined);
      log.warn('Archive upload refused', { reason: error.message });
      return { kind: 'failed', error: error.message };
    }
    await releaseUpload(deps.pool, uploadId, claim, (error as Error)?.message ?? String(error)).catch(() => undefined);
    throw error;
  } finally {
    archive?.close();
    await releaseUpload(deps.pool, uploadId, claim).catch(() => undefined);
  }
}
