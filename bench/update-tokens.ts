// Benchmark: the update_tokens job refreshing 10,000 due athletes against a sandbox answering in 50 ms, with its
// concurrency, against the same job one athlete at a time (measured on a sample and scaled). Also database round trips.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Queryable } from '../shared/db/types.js';
import { createLogger } from '../shared/log.js';
import { StravaClient } from '../shared/strava/client.js';
import { createTokenCipher, type TokenCipher } from '../shared/tokens/cipher.js';
import { loadUpdateTokensSettings } from '../shared/tokens/job-config.js';
import { tokenContext } from '../shared/tokens/refresh.js';
import { refreshDueTokens, type RefreshJobSummary } from '../shared/tokens/refresh-job.js';
import { startSandbox, type Sandbox } from '../dev/sandbox/server.js';
import { freshDatabase } from '../test/helpers/database.js';

const ATHLETES = Number(process.env.BENCH_ATHLETES ?? 10_000);
const SAMPLE = Number(process.env.BENCH_BASELINE_SAMPLE ?? 300);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
// The deployed default unless overridden, so the figure is the one production would see.
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? loadUpdateTokensSettings({}).concurrency);
const HORIZON_MS = loadUpdateTokensSettings({}).horizonMs;
const SCOPES = ['read', 'activity:read_all'];

/** Athletes at the sandbox with tokens 30 minutes from expiry (so every refresh rotates), stored as connect would. */
async function seed(sandbox: Sandbox, pool: pg.Pool, cipher: TokenCipher, count: number): Promise<void> {
  const CHUNK = 1000;
  for (let start = 0; start < count; start += CHUNK) {
    const ids: number[] = [];
    const access: Buffer[] = [];
    const refresh: Buffer[] = [];
    const expires: Date[] = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const id = sandbox.createAthlete({ activityCount: 0 });
      const tokens = sandbox.issueTokens(id, SCOPES, { expiresInSeconds: 30 * 60 });
      ids.push(id);
      access.push(cipher.encrypt(tokens.access_token, tokenContext(id, 'access')));
      refresh.push(cipher.encrypt(tokens.refresh_token, tokenContext(id, 'refresh')));
      expires.push(new Date(tokens.expires_at * 1000));
    }
    await pool.query(
      `insert into athletes (id, firstname, lastname, scopes)
       select id, 'Bench', id::text, $2::text[] from unnest($1::bigint[]) as id`,
      [ids, SCOPES],
    );
    await pool.query(
      `insert into tokens (athlete_id, access_token, refresh_token, expires_at)
       select * from unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::timestamptz[])`,
      [ids, access, refresh, expires],
    );
  }
}

/** Counts every statement sent, so round trips per athlete can be printed. */
function countingPool(pool: pg.Pool): { pool: Queryable; count: () => number; reset: () => void } {
  let queries = 0;
  const wrapped = {
    query: (async (...args: Parameters<pg.Pool['query']>) => {
      queries++;
      const t0 = performance.now();
      try { return await (pool.query as (...a: unknown[]) => Promise<unknown>)(...args); } finally { (globalThis as any).dbMs = ((globalThis as any).dbMs ?? 0) + performance.now() - t0; }
    }) as pg.Pool['query'],
  };
  return { pool: wrapped, count: () => queries, reset: () => (queries = 0) };
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
  const sandbox = await startSandbox({ port: 0, rateLimits: { overall: [1e9, 1e9], read: [1e9, 1e9] } });
  const db = await freshDatabase({ max: CONCURRENCY + 2 });
  // pg's pool.end() resolves before its sockets close; dropping the database can still reach them.
  db.pool.on('error', () => undefined);
  const cipher = createTokenCipher(randomBytes(32).toString('base64'));
  const log = createLogger({ format: 'pretty', level: 'error' });
  let inFlight = 0;
  let maxInFlight = 0;
  const strava = new StravaClient({
    apiBaseUrl: sandbox.apiBaseUrl,
    oauthBaseUrl: sandbox.oauthBaseUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    fetch: async (input, init) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      const t0 = performance.now();
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
        (globalThis as any).httpMs = ((globalThis as any).httpMs ?? 0) + performance.now() - t0;
      }
    },
  });
  const counter = countingPool(db.pool);
  const deps = { pool: counter.pool, strava, cipher, log };
  const job = { horizonMs: HORIZON_MS, deadlineMs: 3_600_000, batchSize: 500 };

  async function timedRun(concurrency: number, expected: number): Promise<{ ms: number; queries: number; summary: RefreshJobSummary }> {
    counter.reset();
    maxInFlight = 0;
    const refreshesBefore = sandbox.counters.tokenRefreshes;
    const started = performance.now();
    const summary = await refreshDueTokens(deps, { ...job, concurrency });
    const ms = performance.now() - started;
    console.log('http ms per call', (globalThis as any).httpMs / expected, 'db ms per call', (globalThis as any).dbMs / counter.count()); (globalThis as any).httpMs = 0; (globalThis as any).dbMs = 0;
    if (summary.refreshed !== expected || summary.failed !== 0 || sandbox.counters.tokenRefreshes - refreshesBefore !== expected) {
      throw new Error(`run did not refresh exactly ${expected}: ${JSON.stringify(summary)}`);
    }
    return { ms, queries: counter.count(), summary };
  }

  try {
    process.stdout.write(`update_tokens benchmark: ${ATHLETES} athletes due, sandbox latency ${LATENCY_MS} ms, concurrency ${CONCURRENCY}\n`);

    // Baseline first, on its own sample: the same job, one athlete at a time.
    let t = performance.now();
    await seed(sandbox, db.pool, cipher, SAMPLE);
    sandbox.setLatency(LATENCY_MS);
    const baseline = await timedRun(1, SAMPLE);
    const baselineMaxInFlight = maxInFlight;
    sandbox.setLatency(0);
    const perAthleteBaselineMs = baseline.ms / SAMPLE;

    const seedStarted = performance.now();
    await seed(sandbox, db.pool, cipher, ATHLETES);
    const seedMs = performance.now() - seedStarted;
    sandbox.setLatency(LATENCY_MS);
    const concurrent = await timedRun(CONCURRENCY, ATHLETES);
    const totalMs = performance.now() - t;

    const scaledBaselineMs = perAthleteBaselineMs * ATHLETES;
    const fmt = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const lines = [
      '',
      `  job, concurrency ${CONCURRENCY}:       ${fmt(concurrent.ms)} for ${ATHLETES} refreshes (${Math.round(ATHLETES / (concurrent.ms / 1000))}/s, ${(concurrent.ms / ATHLETES).toFixed(1)} ms per athlete), max ${maxInFlight} in flight`,
      `  one at a time (baseline):  ${fmt(baseline.ms)} for a sample of ${SAMPLE} (${perAthleteBaselineMs.toFixed(1)} ms per athlete, max ${baselineMaxInFlight} in flight)`,
      `                             scaled to ${ATHLETES}: ${fmt(scaledBaselineMs)} (estimate: sample time × ${ATHLETES}/${SAMPLE}, not measured)`,
      `  speed-up:                  ${(scaledBaselineMs / concurrent.ms).toFixed(1)}× (scaled baseline ÷ job)`,
      `  database round trips:      ${(concurrent.queries / ATHLETES).toFixed(3)} per athlete with concurrency (${concurrent.queries} statements), ` +
        `${(baseline.queries / SAMPLE).toFixed(3)} one at a time`,
      `                             (per athlete: claim-and-read 1 + store-and-release 1; per run: 1 count + 1 per page of ${job.batchSize})`,
      `  sandbox refreshes:         ${sandbox.counters.tokenRefreshes} (${SAMPLE} + ${ATHLETES}, each exactly once)`,
      `  setup (untimed):           seeding ${ATHLETES} athletes took ${fmt(seedMs)}; whole benchmark ${fmt(totalMs)}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    await db.close();
    await sandbox.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`update-tokens benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
