// Benchmark: update_tokens on 10,000 due athletes (sandbox at 50 ms) with its concurrency vs one at a time, plus DB round trips.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Queryable } from '../shared/db/index.js';
import type { TokenCipher } from '../shared/tokens/index.js';
import { loadUpdateTokensSettings } from '../shared/platform/job-config.js';
import { tokenContext } from '../shared/tokens/index.js';
import { refreshDueTokens, type RefreshJobSummary } from '../shared/tokens/index.js';
import { deployedServices } from '../test/harness.js';
import { freshDatabase } from '../test/helpers/database.js';
import type { SandboxCommand, SeededAthlete } from './sandbox-process.js';

const ATHLETES = Number(process.env.BENCH_ATHLETES ?? 10_000);
const SAMPLE = Number(process.env.BENCH_BASELINE_SAMPLE ?? 300);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
// The deployed default unless overridden, so the figure is the one production would see.
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? loadUpdateTokensSettings({}).concurrency);
const HORIZON_MS = loadUpdateTokensSettings({}).horizonMs;
const SCOPES = ['read', 'activity:read_all'];

/** The sandbox in its own process (it has its own CPU work, as Strava does), driven over IPC. */
interface RemoteSandbox {
  apiBaseUrl: string;
  oauthBaseUrl: string;
  clientId: string;
  clientSecret: string;
  seed(count: number): Promise<SeededAthlete[]>;
  setLatency(ms: number): Promise<void>;
  tokenRefreshes(): Promise<number>;
  close(): void;
}

async function startRemoteSandbox(): Promise<RemoteSandbox> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./sandbox-process.ts', import.meta.url))], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: ((message: Record<string, unknown>) => void)[] = [];
  child.on('message', (message: Record<string, unknown>) => replies.shift()?.(message));
  const reply = () => new Promise<Record<string, unknown>>((resolve) => replies.push(resolve));
  const ask = (command: SandboxCommand) => {
    const answer = reply();
    child.send(command);
    return answer;
  };
  const ready = (await reply()) as unknown as { apiBaseUrl: string; oauthBaseUrl: string; clientId: string; clientSecret: string };
  return {
    apiBaseUrl: ready.apiBaseUrl,
    oauthBaseUrl: ready.oauthBaseUrl,
    clientId: ready.clientId,
    clientSecret: ready.clientSecret,
    seed: async (count) => (await ask({ type: 'seed', count, scopes: SCOPES, expiresInSeconds: 30 * 60 })).athletes as SeededAthlete[],
    setLatency: async (ms) => void (await ask({ type: 'latency', ms })),
    tokenRefreshes: async () => ((await ask({ type: 'counters' })).counters as { tokenRefreshes: number }).tokenRefreshes,
    close: () => child.disconnect(),
  };
}

/** Athletes at the sandbox with tokens 30 minutes from expiry (so every refresh rotates), stored as connect would. */
async function seed(sandbox: RemoteSandbox, pool: pg.Pool, cipher: TokenCipher, count: number): Promise<void> {
  const CHUNK = 1000;
  for (let start = 0; start < count; start += CHUNK) {
    const athletes = await sandbox.seed(Math.min(CHUNK, count - start));
    const ids = athletes.map((a) => a.id);
    await pool.query(
      `insert into athletes (id, firstname, lastname, scopes)
       select id, 'Bench', id::text, $2::text[] from unnest($1::bigint[]) as id`,
      [ids, SCOPES],
    );
    await pool.query(
      `insert into tokens (athlete_id, access_token, refresh_token, expires_at)
       select * from unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::timestamptz[])`,
      [
        ids,
        athletes.map((a) => cipher.encrypt(a.access_token, tokenContext(a.id, 'access'))),
        athletes.map((a) => cipher.encrypt(a.refresh_token, tokenContext(a.id, 'refresh'))),
        athletes.map((a) => new Date(a.expires_at * 1000)),
      ],
    );
  }
}

/** Counts every statement sent, so round trips per athlete can be printed. */
function countingPool(pool: pg.Pool): { pool: Queryable; count: () => number; reset: () => void } {
  let queries = 0;
  const wrapped = {
    query: ((...args: Parameters<pg.Pool['query']>) => {
      queries++;
      return (pool.query as (...a: unknown[]) => unknown)(...args);
    }) as pg.Pool['query'],
  };
  return { pool: wrapped, count: () => queries, reset: () => (queries = 0) };
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
  const sandbox = await startRemoteSandbox();
  const db = await freshDatabase({ max: CONCURRENCY + 2 });
  // pg's pool.end() resolves before its sockets close; dropping the database can still reach them.
  db.pool.on('error', () => undefined);
  let inFlight = 0;
  let maxInFlight = 0;
  // The services a deployment builds (its Strava client, with the rate-limit accounting, and its cipher), with a fetch
  // that counts requests in flight.
  const services = await deployedServices(sandbox, db, {
    stravaFetch: async (input, init) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    },
  });
  const { cipher } = services;
  // The job's own statements are counted: it is handed a counting view of the services' pool.
  const counter = countingPool(services.pool);
  // Counts Strava answers; the baseline's clock, so it stops after exactly SAMPLE refreshes (see below).
  let answers = 0;
  // Tokens only: the deferred-event retries the services add to the job are not what this measures.
  const deps = { ...services, retryDeferredEvents: undefined, pool: counter.pool, hooks: { afterStravaAnswer: () => void answers++ } };
  const job = { horizonMs: HORIZON_MS, batchSize: CONCURRENCY };

  async function timedRun(
    concurrency: number,
    expected: number,
    limit: Partial<{ deadlineMs: number; now: () => number }>,
  ): Promise<{ ms: number; queries: number; summary: RefreshJobSummary }> {
    counter.reset();
    maxInFlight = 0;
    const refreshesBefore = await sandbox.tokenRefreshes();
    const started = performance.now();
    const summary = await refreshDueTokens(deps, { ...job, deadlineMs: 3_600_000, ...limit, concurrency });
    const ms = performance.now() - started;
    const refreshes = (await sandbox.tokenRefreshes()) - refreshesBefore;
    if (summary.refreshed !== expected || summary.failed !== 0 || refreshes !== expected) {
      throw new Error(`run did not refresh exactly ${expected}: ${JSON.stringify(summary)}`);
    }
    return { ms, queries: counter.count(), summary };
  }

  try {
    process.stdout.write(`update_tokens benchmark: ${ATHLETES} athletes due, sandbox latency ${LATENCY_MS} ms, concurrency ${CONCURRENCY}\n`);
    const t = performance.now();
    const seedStarted = performance.now();
    await seed(sandbox, db.pool, cipher, ATHLETES + SAMPLE);
    const seedMs = performance.now() - seedStarted;
    await sandbox.setLatency(LATENCY_MS);

    // Baseline: the same job one athlete at a time, against the same sandbox and database, on the first SAMPLE
    // athletes. Its "clock" counts Strava answers, so the deadline stops it after exactly SAMPLE refreshes.
    answers = 0;
    const baseline = await timedRun(1, SAMPLE, { deadlineMs: SAMPLE, now: () => answers });
    const baselineMaxInFlight = maxInFlight;
    const perAthleteBaselineMs = baseline.ms / SAMPLE;

    // The job as deployed, on the remaining ATHLETES.
    const concurrent = await timedRun(CONCURRENCY, ATHLETES, {});
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
      `                             (per athlete: store-and-release 1; per batch of ${CONCURRENCY}: 1 claim returning the tokens; per run: 1 count)`,
      `  sandbox refreshes:         ${await sandbox.tokenRefreshes()} (${SAMPLE} + ${ATHLETES}, each exactly once; the sandbox runs in its own process)`,
      `  machine load average:      ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')} on ${cpus().length} cores (other work on the machine slows both figures)`,
      `  setup (untimed):           seeding ${ATHLETES} athletes took ${fmt(seedMs)}; whole benchmark ${fmt(totalMs)}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    await services.close();
    await db.close();
    sandbox.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`update-tokens benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
