// The one test world: a Strava sandbox, a fresh database, and "instances" of the product built by createServices, each with its own pool as a separate process would have.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startSandbox, type Sandbox, type SandboxOptions } from '../dev/sandbox/server.js';
import { upsertConnectedAthlete } from '../shared/athletes/index.js';
import { createLogger } from '../shared/log.js';
import { loadConfig, type Config } from '../shared/platform/config.js';
import { assembleRuntime } from '../shared/platform/runtime.js';
import { loadSecrets, type Secrets } from '../shared/platform/secrets.js';
import { createServices, type Services } from '../shared/services.js';
import { DAY_MS } from '../shared/strava/budget.js';
import { type BudgetPolicy, QUARTER_HOUR_MS } from '../shared/strava/index.js';
import { createTokenCipher, saveTokens, type TokenCipher } from '../shared/tokens/index.js';
import { freshDatabase, ignoreTerminationOnClose, type TestDatabase } from './helpers/database.js';
import { productEnvironment, type TestParts } from './helpers/environment.js';
import type { ChildCommand, ChildMessage } from './tokens/child-protocol.js';

export const SCOPES = ['read', 'activity:read_all'];
const LIST_PATH = '/athlete/activities';

/**
 * One minute into the current quarter hour. Near the real time, because token expiry is judged by the database's
 * clock; the sandbox's tokens live ten days so moving the shared clock forward never expires them. Never in the last
 * half hour of a UTC day (then an hour earlier): the budget tests move the clock "later the same day", and Strava's
 * daily limit resets at midnight UTC.
 */
export const START = startNear(Date.now());

function startNear(nowMs: number): number {
  const quarter = Math.floor(nowMs / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  const nearMidnight = quarter % DAY_MS >= DAY_MS - 2 * QUARTER_HOUR_MS;
  return (nearMidnight ? quarter - 4 * QUARTER_HOUR_MS : quarter) + 60_000;
}

export const TOKEN_TTL_SECONDS = 10 * 24 * 3600;

/** What an instance's Strava client did, seen from its side of the wire. */
export interface StravaTraffic {
  inFlight: number;
  maxInFlight: number;
  /** Every refresh request and the status it got back. */
  refreshes: { status: number }[];
}

/** One Strava request as the instance saw it. */
export interface SeenRequest {
  path: string;
  before: number | undefined;
  perPage: number | undefined;
  status: number;
}

/** An instance of the product: the services every entry point builds, plus what the tests read off its wire and logs. */
export interface Instance extends Services {
  traffic: StravaTraffic;
  requests: SeenRequest[];
  /** Requests for the activity list, in order. */
  listRequests(): SeenRequest[];
  logLines: string[];
}

export interface InstanceOptions {
  poolMax?: number;
  policy?: Partial<BudgetPolicy>;
}

export interface World {
  sandbox: Sandbox;
  db: TestDatabase;
  /** Base64, as TOKEN_ENCRYPTION_KEY takes it; one key for every instance, as in production where they share the secret. */
  encryptionKey: string;
  cipher: TokenCipher;
  /** The clock the sandbox and every budget share; `advance` moves it (real time unless the world was made movable). */
  clock: { now(): Date; advance(ms: number): void; set(at: Date): void };
  instance(options?: InstanceOptions): Instance;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** The history import tests move one clock for the sandbox and every budget, from START. */
  movableClock?: boolean;
}

/**
 * The token and event tests' world (rate limits off: they check tokens against the API far more often than a real
 * app would); `{ movableClock: true }` is the history import tests' world, with the sandbox's own rate limits.
 */
export async function startWorld(sandboxOptions: SandboxOptions = {}, options: WorldOptions = {}): Promise<World> {
  let at = START;
  const clock = options.movableClock
    ? {
        now: () => new Date(at),
        advance: (ms: number) => {
          at += ms;
        },
        set: (when: Date) => {
          at = when.getTime();
        },
      }
    : {
        now: () => new Date(),
        advance: () => {
          throw new Error('this world runs on the real clock');
        },
        set: () => {
          throw new Error('this world runs on the real clock');
        },
      };
  const sandbox = await startSandbox(
    options.movableClock
      ? { port: 0, now: clock.now, accessTokenTtlSeconds: TOKEN_TTL_SECONDS, ...sandboxOptions }
      : // Limits as good as off, yet small enough for the budget's integer arithmetic: every instance's client reports them to the budget, and some tests lift its shares a hundredfold.
        { port: 0, rateLimits: { overall: [1e5, 1e5], read: [1e5, 1e5] }, ...sandboxOptions },
  );
  const db = await freshDatabase();
  const encryptionKey = randomBytes(32).toString('base64');
  const instances: Instance[] = [];
  const base = await instanceBase(sandbox, db.url, encryptionKey);
  return {
    sandbox,
    db,
    encryptionKey,
    cipher: createTokenCipher(encryptionKey),
    clock,
    instance(instanceOptions = {}) {
      const instance = buildInstance(base, {
        poolMax: instanceOptions.poolMax ?? (options.movableClock ? 5 : 10),
        ...(options.movableClock ? { budgetNow: clock.now } : {}),
        ...(instanceOptions.policy ? { policy: instanceOptions.policy } : {}),
      });
      instances.push(instance);
      return instance;
    },
    async close() {
      for (const instance of instances) await instance.close();
      await db.close();
      await sandbox.close();
    },
  };
}

interface InstanceBase {
  config: Config;
  secrets: Secrets;
}

/** Config and secrets as a deployment would set them for this sandbox and database (shared by every instance). */
async function instanceBase(sandbox: TestParts['sandbox'], databaseUrl: string, encryptionKey: string): Promise<InstanceBase> {
  const env = {
    ...productEnvironment({ sandbox, databaseUrl, encryptionKey }),
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    LOG_FORMAT: 'json',
  };
  return { config: loadConfig(env), secrets: await loadSecrets({ env }) };
}

/** An instance against another database (or with another key), for tests that need one outside the world. */
export async function createInstance(sandbox: TestParts['sandbox'], databaseUrl: string, encryptionKey: string, poolMax = 10): Promise<Instance> {
  return buildInstance(await instanceBase(sandbox, databaseUrl, encryptionKey), { poolMax });
}

/**
 * The services a deployment builds, for the benchmarks: createServices around this sandbox and an open database, with
 * production's settings (Strava retry delays, the budget's policy, logging only errors), so a figure is what production
 * would see. `stravaFetch` lets a benchmark count what goes over the wire. Closing them leaves the database open.
 */
export async function deployedServices(
  sandbox: TestParts['sandbox'],
  db: Pick<TestDatabase, 'url' | 'pool'>,
  options: { stravaFetch?: typeof fetch } = {},
): Promise<Services> {
  const base = await instanceBase(sandbox, db.url, randomBytes(32).toString('base64'));
  const log = createLogger({ format: 'pretty', level: 'error' });
  const database = { pool: db.pool, close: async () => undefined };
  return createServices(assembleRuntime(base.config, base.secrets, database, { log, ...(options.stravaFetch ? { stravaFetch: options.stravaFetch } : {}) }));
}

function buildInstance(base: InstanceBase, options: { poolMax: number; budgetNow?: () => Date; policy?: Partial<BudgetPolicy> }): Instance {
  if (base.config.database.kind !== 'url') throw new Error('the test world reaches its database by URL');
  const pool = new pg.Pool({ connectionString: base.config.database.url, max: options.poolMax });
  ignoreTerminationOnClose(pool);
  const logLines: string[] = [];
  const log = createLogger({ format: 'json', level: 'debug', write: (line) => logLines.push(line) });
  const traffic: StravaTraffic = { inFlight: 0, maxInFlight: 0, refreshes: [] };
  const requests: SeenRequest[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const isRefresh = url.pathname.endsWith('/oauth/token') && String(init?.body ?? '').includes('grant_type=refresh_token');
    traffic.inFlight++;
    traffic.maxInFlight = Math.max(traffic.maxInFlight, traffic.inFlight);
    try {
      const response = await fetch(input, init);
      if (isRefresh) traffic.refreshes.push({ status: response.status });
      const before = url.searchParams.get('before');
      const perPage = url.searchParams.get('per_page');
      requests.push({
        path: url.pathname.replace(/^\/api\/v3/, ''),
        before: before === null ? undefined : Number(before),
        perPage: perPage === null ? undefined : Number(perPage),
        status: response.status,
      });
      return response;
    } finally {
      traffic.inFlight--;
    }
  };
  const runtime = assembleRuntime(
    base.config,
    base.secrets,
    { pool, close: () => pool.end() },
    {
      log,
      stravaRetryDelayMs: () => 5,
      stravaFetch: recordingFetch,
      ...(options.budgetNow ? { budgetNow: options.budgetNow } : {}),
      ...(options.policy ? { budgetPolicy: options.policy } : {}),
    },
  );
  return {
    ...createServices(runtime),
    traffic,
    requests,
    listRequests: () => requests.filter((r) => r.path === LIST_PATH),
    logLines,
  };
}

/**
 * Creates an athlete at the sandbox with `activities` activities and tokens (expiring in `expiresInSeconds` when
 * given: an hour or less means the next refresh rotates them), and stores the athlete and the tokens as connecting
 * would.
 */
export async function seedAthlete(
  world: World,
  options: { activities?: number; expiresInSeconds?: number } = {},
): Promise<{ athleteId: number; accessToken: string }> {
  const athleteId = world.sandbox.createAthlete({ activityCount: options.activities ?? 0 });
  const issued =
    options.expiresInSeconds === undefined
      ? world.sandbox.issueTokens(athleteId, SCOPES)
      : world.sandbox.issueTokens(athleteId, SCOPES, { expiresInSeconds: options.expiresInSeconds });
  await upsertConnectedAthlete(world.db.pool, { id: athleteId, firstname: 'Test', lastname: String(athleteId) }, SCOPES);
  await saveTokens(world.db.pool, world.cipher, athleteId, {
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: new Date(issued.expires_at * 1000),
  });
  return { athleteId, accessToken: issued.access_token };
}

/** Whether Strava (the sandbox) accepts this access token for this athlete. */
export async function tokenWorks(instance: Instance, accessToken: string, athleteId: number): Promise<boolean> {
  try {
    const athlete = await instance.strava.getAthlete(accessToken);
    return athlete.id === athleteId;
  } catch {
    return false;
  }
}

export async function athleteStatus(db: pg.Pool, athleteId: number): Promise<{ status: string; reason: string | null }> {
  const { rows } = await db.query<{ status: string; status_reason: string | null }>('select status, status_reason from athletes where id = $1::bigint', [
    athleteId,
  ]);
  return { status: rows[0]!.status, reason: rows[0]!.status_reason };
}

export async function claimState(db: pg.Pool, athleteId: number): Promise<{ claimed: boolean; expiresAt: Date }> {
  const { rows } = await db.query<{ claimed: boolean; expires_at: Date }>(
    'select refresh_claim_id is not null as claimed, expires_at from tokens where athlete_id = $1::bigint',
    [athleteId],
  );
  return { claimed: rows[0]!.claimed, expiresAt: rows[0]!.expires_at };
}

export async function activityStats(db: pg.Pool, athleteId: number): Promise<{ count: number; distinct: number; oldest: Date | null; newest: Date | null }> {
  const { rows } = await db.query<{ count: number; distinct: number; oldest: Date | null; newest: Date | null }>(
    `select count(*)::integer as count, count(distinct id)::integer as distinct, min(start_date) as oldest, max(start_date) as newest
     from activities where athlete_id = $1::bigint`,
    [athleteId],
  );
  return rows[0]!;
}

/** The sandbox's own count of list requests, whatever client made them. */
export function sandboxListCalls(world: World): number {
  return world.sandbox.counters.byRoute['GET /athlete/activities'] ?? 0;
}

/**
 * update_tokens' summary as a test expects it, duration zeroed: the counts given, nothing stopped early, the
 * application active, and no background work unless `extra` says so.
 */
export function jobSummary(
  counts: { due: number; refreshed: number; unchanged: number; failed: number; disconnected: number; skipped: number },
  extra: {
    stoppedEarly?: boolean;
    importsResumed?: number | null;
    applicationInactive?: boolean;
    eventsRetried?: number | null;
    uploadsResumed?: number | null;
  } = {},
) {
  return {
    ...counts,
    stoppedEarly: false,
    importsResumed: null,
    applicationInactive: false,
    eventsRetried: null,
    uploadsResumed: null,
    durationMs: 0,
    ...extra,
  };
}

/** Lines that carry a token value anywhere: the tests assert there are none. */
export function linesWithSecrets(lines: readonly string[], secrets: readonly string[]): string[] {
  return lines.filter((line) => secrets.some((secret) => line.includes(secret)));
}

export interface ChildInstance {
  /** Sends the command and resolves with the child's final message. */
  run(command: ChildCommand): Promise<Extract<ChildMessage, { type: 'done' | 'failed' }>>;
  /** Resolves when the child reports that Strava answered a refresh (crash mode). */
  answered(): Promise<number>;
  kill(): Promise<void>;
}

/** Starts another instance as a real child process and waits until it is connected and ready. */
export async function spawnInstance(world: World): Promise<ChildInstance> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./tokens/child-instance.ts', import.meta.url))], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      CHILD_DATABASE_URL: world.db.url,
      CHILD_STRAVA_API_BASE_URL: world.sandbox.apiBaseUrl,
      CHILD_STRAVA_OAUTH_BASE_URL: world.sandbox.oauthBaseUrl,
      CHILD_STRAVA_CLIENT_ID: world.sandbox.clientId,
      CHILD_STRAVA_CLIENT_SECRET: world.sandbox.clientSecret,
      CHILD_TOKEN_ENCRYPTION_KEY: world.encryptionKey,
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const messages: ChildMessage[] = [];
  const waiters: (() => void)[] = [];
  child.on('message', (message: ChildMessage) => {
    messages.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  async function next<T extends ChildMessage['type']>(types: T[]): Promise<Extract<ChildMessage, { type: T }>> {
    for (;;) {
      const found = messages.find((m) => (types as string[]).includes(m.type));
      if (found) {
        messages.splice(messages.indexOf(found), 1);
        return found as Extract<ChildMessage, { type: T }>;
      }
      const woken = new Promise<'message'>((resolve) => waiters.push(() => resolve('message')));
      const why = await Promise.race([woken, exited.then(() => 'exited' as const)]);
      if (why === 'exited' && !messages.some((m) => (types as string[]).includes(m.type))) {
        throw new Error(`child instance exited while the test waited for ${types.join('/')}`);
      }
    }
  }
  await next(['ready']);
  return {
    async run(command) {
      child.send(command);
      return next(['done', 'failed']);
    },
    async answered() {
      return (await next(['answered'])).athleteId;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
