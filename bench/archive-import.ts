// Benchmark: importing a Strava export of 2,000 one-hour activities (streams at one sample a second) with no Strava request: time,
// peak memory of the importing process, stored bytes per activity-hour; against the API path's request count and time at the Standard Tier's read limits.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { writeStravaExport, type ExportActivity } from '../dev/archive/strava-export.js';
import { upsertConnectedAthlete } from '../shared/athletes/index.js';
import { runArchiveSlice, startUpload } from '../shared/archive/index.js';
import { LocalObjectStore } from '../shared/platform/local-object-store.js';
import { createLogger } from '../shared/log.js';
import { freshDatabase } from '../test/helpers/database.js';

const COUNT = Number(process.env.BENCH_ACTIVITIES ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3600);
const ATHLETE = 42;
// Standard Tier, per application (API-NOTES.md): reads 100 per 15 minutes and 1,000 a day; the import takes at most 80% of the day.
const READ_15 = 100;
const READ_DAY = 1000;
const BACKGROUND_SHARE_DAY = 0.8;

/** A deterministic one-hour outing: a wobbling loop with hills, heart rate, cadence and (for rides) power. */
function activity(i: number): ExportActivity {
  const ride = i % 3 === 0;
  const speed = ride ? 7.5 : 3.1;
  const start = Date.UTC(2019, 0, 1, 6) + i * 86_400_000 * 0.9;
  const lat0 = 52.45 + (i % 17) * 0.01;
  const lng0 = 13.35 + (i % 13) * 0.01;
  const time: number[] = [];
  const latlng: [number, number][] = [];
  const altitude: number[] = [];
  const distance: number[] = [];
  const velocity: number[] = [];
  const heartrate: number[] = [];
  const cadence: number[] = [];
  const watts: number[] = [];
  let d = 0;
  for (let t = 0; t < SECONDS; t++) {
    const v = speed * (1 + 0.15 * Math.sin(t / 97 + i));
    d += v;
    const a = (2 * Math.PI * d) / (speed * SECONDS);
    time.push(t);
    latlng.push([+(lat0 + 0.03 * Math.sin(a) + 0.0004 * Math.sin(a * 23)).toFixed(6), +(lng0 + 0.05 * (1 - Math.cos(a))).toFixed(6)]);
    altitude.push(+(40 + 12 * Math.sin(a * 3) + 3 * Math.sin(t / 40)).toFixed(1));
    distance.push(+d.toFixed(1));
    velocity.push(+v.toFixed(2));
    heartrate.push(Math.round(135 + 15 * Math.sin(t / 300) + 5 * Math.sin(t / 31)));
    cadence.push(ride ? Math.round(88 + 6 * Math.sin(t / 50)) : Math.round(84 + 3 * Math.sin(t / 70)));
    if (ride) watts.push(Math.round(190 + 60 * Math.sin(t / 45)));
  }
  return {
    id: 3_000_000_000 + i,
    name: `${ride ? 'Ride' : 'Run'} ${i}`,
    sportType: ride ? 'Ride' : 'Run',
    startDate: start,
    utcOffsetS: 3600,
    elapsedTime: SECONDS,
    movingTime: SECONDS,
    distance: +d.toFixed(1),
    elevationGain: 150,
    maxHeartrate: 160,
    commute: false,
    streams: { time, latlng, altitude, distance, velocity_smooth: velocity, heartrate, cadence, ...(ride ? { watts } : {}) },
  };
}

async function buildArchive(path: string): Promise<number> {
  if (existsSync(path)) return 0;
  const started = performance.now();
  const partial = `${path}.part`;
  const out = createWriteStream(partial);
  await writeStravaExport(
    (function* () {
      for (let i = 0; i < COUNT; i++) yield activity(i);
    })(),
    (chunk) => (out.write(chunk) ? undefined : new Promise<void>((resolve) => out.once('drain', () => resolve()))),
  );
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  renameSync(partial, path);
  return performance.now() - started;
}

/**
 * This process's own peak resident memory. On Linux, getrusage's maxRSS is not that: the kernel carries the
 * high-water mark of the forked parent's image across exec, so a child of a large parent reports the parent's size
 * (seen here: 618 MB reported for an import whose own peak was 320 MB). /proc/self/status's VmHWM is this process's
 * alone; elsewhere maxRSS is the figure there is.
 */
function peakRssMb(): number {
  const status = existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '';
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return (hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024;
}

/** The import itself, in a process of its own so its peak memory is the import's alone. */
async function importInChild(
  archive: string,
  databaseUrl: string,
): Promise<{ ms: number; maxRssMb: number; slices: number; reads: number; failed: number; files: number }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--import-only', archive, databaseUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the import process exited with ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

async function importOnly(archive: string, databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const log = createLogger({ format: 'json', level: 'error' });
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const store = new LocalObjectStore(dir, () => 'local');
  const size = statSync(archive).size;
  const { upload } = await startUpload({ pool, store, log }, ATHLETE, { fileName: 'export.zip', size, origin: 'http://localhost' });
  const { createReadStream } = await import('node:fs');
  await store.receive(upload.objectKey, 0, createReadStream(archive), size);
  const started = performance.now();
  let slices = 0;
  for (;;) {
    slices++;
    const outcome = await runArchiveSlice({ pool, log, store }, upload.id);
    if (outcome.kind !== 'more') break;
  }
  const ms = performance.now() - started;
  const {
    rows: [row],
  } = await pool.query('select total_files, failed_files from archive_uploads where id = $1::uuid', [upload.id]);
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb: peakRssMb(), slices, reads: 0, failed: row.failed_files, files: row.total_files })}\n`);
}

/** Bytes the athlete's file-derived streams take in the database (for the benchmark's bytes per hour). */
async function storedStreamBytes(db: pg.Pool, athleteId: number): Promise<{ bytes: number; activities: number }> {
  const { rows } = await db.query<{ bytes: string | number | null; activities: string | number }>(
    `select sum(pg_column_size(streams)) as bytes, count(*) as activities from activity_streams where athlete_id = $1::bigint`,
    [athleteId],
  );
  return { bytes: Number(rows[0]?.bytes ?? 0), activities: Number(rows[0]?.activities ?? 0) };
}

async function main(): Promise<void> {
  const cacheDir = join(tmpdir(), 'trainingroom-bench');
  if (!existsSync(cacheDir)) (await import('node:fs')).mkdirSync(cacheDir, { recursive: true });
  const archive = join(cacheDir, `export-${COUNT}x${SECONDS}s.zip`);
  const buildMs = await buildArchive(archive);
  const archiveBytes = statSync(archive).size;
  const db = await freshDatabase();
  await upsertConnectedAthlete(db.pool, { id: ATHLETE, firstname: 'Bench', lastname: 'Athlete' }, ['read', 'activity:read_all']);
  const result = await importInChild(archive, db.url);
  const stored = await storedStreamBytes(db.pool, ATHLETE);
  const hours = (
    await db.pool.query<{ hours: number }>(`select sum(elapsed_time)::float8 / 3600 as hours from activities where athlete_id = $1::bigint`, [ATHLETE])
  ).rows[0]!.hours;
  await db.close();

  // The API path for the same history: one list request per 200 activities, then one streams request per activity.
  const apiRequests = Math.ceil(COUNT / 200) + COUNT;
  const perDay = READ_DAY * BACKGROUND_SHARE_DAY;
  const apiDays = apiRequests / perDay;
  const fifteenMinuteBound = (apiRequests / READ_15) * 0.25; // hours, if only the 15-minute window limited it
  const mb = (b: number) => (b / 1024 ** 2).toFixed(1);
  const lines = [
    `Archive import benchmark: ${COUNT} activities × ${SECONDS / 3600} h of streams at 1 Hz (${mb(archiveBytes)} MB ZIP${buildMs ? `, built in ${(buildMs / 1000).toFixed(0)} s` : ', cached'})`,
    `  archive path:  ${(result.ms / 1000).toFixed(1)} s for ${result.files} files in ${result.slices} slice(s), ${result.failed} failed; ${(COUNT / (result.ms / 1000)).toFixed(1)} activities/s; 0 Strava requests`,
    `  peak memory:   ${result.maxRssMb.toFixed(0)} MB resident in the importing process (goal < 512 MB)`,
    `  stored:        ${mb(stored.bytes)} MB of streams for ${stored.activities} activities, ${(stored.bytes / hours / 1024).toFixed(1)} KB per activity-hour (the ZIP: ${(archiveBytes / hours / 1024).toFixed(1)} KB per hour)`,
    `  API path:      ${apiRequests} read requests (${Math.ceil(COUNT / 200)} list pages + ${COUNT} streams); at the Standard Tier's ${READ_DAY} reads a day (${BACKGROUND_SHARE_DAY * 100}% for imports) ${apiDays.toFixed(1)} days of the whole application's budget (≥ ${fifteenMinuteBound.toFixed(1)} h even under the 15-minute limit alone)`,
    `  ratio:         the archive path is ${((apiDays * 86_400_000) / result.ms).toFixed(0)}× faster than the API path at the read limit`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[2] === '--import-only') {
  importOnly(process.argv[3]!, process.argv[4]!).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
