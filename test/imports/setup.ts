// Shared setup for the history import tests: a sandbox on a movable clock, a fresh database, and "instances" that record their Strava traffic.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { upsertConnectedAthlete } from '../../shared/athletes/store.js';
import { createLogger } from '../../shared/log.js';
import { createStravaBudget, type BudgetPolicy, type StravaBudget } from '../../shared/strava/budget.js';
import { StravaClient } from '../../shared/strava/client.js';
import { createTokenCipher, type TokenCipher } from '../../shared/tokens/cipher.js';
import { saveTokens } from '../../shared/tokens/store.js';
import type { ImportDeps } from '../../shared/imports/run.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../dev/sandbox/server.js';
import { freshDatabase, ignoreTerminationOnClose, type TestDatabase } from '../helpers/database.js';

export const SCOPES = ['read', 'activity:read_all'];
const LIST_PATH = '/athlete/activities';

/** One Strava request as the instance saw it. */
export interface SeenRequest {
  path: string;
  before: number | undefined;
  perPage: number | undefined;
  status: number;
}

export interface Instance extends ImportDeps {
  budget: StravaBudget;
  requests: SeenRequest[];
  /** Requests for the activity list, in order. */
  listRequests(): SeenRequest[];
  logLines: string[];
  close(): Promise<void>;
}

export interface World {
  sandbox: Sandbox;
  db: TestDatabase;
  /** Base64, as TOKEN_ENCRYPTION_KEY takes it; one key for every instance. */
  encryptionKey: string;
  cipher: TokenCipher;
  /** The clock the sandbox and every budget share; `advance` moves it. */
  clock: { now(): Date; advance(ms: number): void; set(at: Date): void };
  instance(options?: { policy?: Partial<BudgetPolicy> }): Instance;
  close(): Promise<void>;
}

/**
 * One minute into the current quarter hour. Near the real time, because token expiry is judged by the database's
 * clock; the sandbox's tokens live ten days so moving the shared clock forward never expires them.
 */
export const START = Math.floor(Date.now() / 900_000) * 900_000 + 60_000;
export const TOKEN_TTL_SECONDS = 10 * 24 * 3600;

export async function startWorld(sandboxOptions: SandboxOptions = {}): Promise<World> {
  let at = START;
  const clock = {
    now: () => new Date(at),
    advance: (ms: number) => {
      at += ms;
    },
    set: (when: Date) => {
      at = when.getTime();
    },
  };
  const sandbox = await startSandbox({ port: 0, now: clock.now, accessTokenTtlSeconds: TOKEN_TTL_SECONDS, ...sandboxOptions });
  const db = await freshDatabase();
  const encryptionKey = randomBytes(32).toString('base64');
  const cipher = createTokenCipher(encryptionKey);
  const instances: Instance[] = [];
  return {
    sandbox,
    db,
    encryptionKey,
    cipher,
    clock,
    instance(options = {}) {
      const instance = createInstance(sandbox, db.url, encryptionKey, clock.now, options.policy);
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


/** An "instance" of the product as a separate process would have it: its own pool, client, budget writer and logger. */
function createInstance(sandbox: Sandbox, databaseUrl: string, encryptionKey: string, now: () => Date, policy?: Partial<BudgetPolicy>): Instance {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
  ignoreTerminationOnClose(pool);
  const logLines: string[] = [];
  const log = createLogger({ format: 'json', level: 'debug', write: (line) => logLines.push(line) });
  const requests: SeenRequest[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const response = await fetch(input, init);
    const before = url.searchParams.get('before');
    const perPage = url.searchParams.get('per_page');
    requests.push({
      path: url.pathname.replace(/^\/api\/v3/, ''),
      before: before === null ? undefined : Number(before),
      perPage: perPage === null ? undefined : Number(perPage),
      status: response.status,
    });
    return response;
  };
  const budget = createStravaBudget({ pool, clientId: sandbox.clientId, log, now, ...(policy ? { policy } : {}) });
  const strava = new StravaClient({
    apiBaseUrl: sandbox.apiBaseUrl,
    oauthBaseUrl: sandbox.oauthBaseUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    retryDelayMs: () => 5,
    fetch: recordingFetch,
    onRateLimit: (usage) => budget.observe(usage),
  });
  return {
    pool,
    strava,
    budget,
    cipher: createTokenCipher(encryptionKey),
    log,
    logLines,
    requests,
    listRequests: () => requests.filter((r) => r.path === LIST_PATH),
    async close() {
      await budget.flush();
      await pool.end();
    },
  };
}

/** An athlete at the sandbox with `activityCount` activities, connected here as the connect flow would leave them. */
export async function seedAthlete(world: World, activityCount: number): Promise<{ athleteId: number; accessToken: string }> {
  const athleteId = world.sandbox.createAthlete({ activityCount });
  const issued = world.sandbox.issueTokens(athleteId, SCOPES);
  await upsertConnectedAthlete(world.db.pool, { id: athleteId, firstname: 'Test', lastname: String(athleteId) }, SCOPES);
  await saveTokens(world.db.pool, world.cipher, athleteId, {
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: new Date(issued.expires_at * 1000),
  });
  return { athleteId, accessToken: issued.access_token };
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

/** Lines that carry a token value anywhere: the tests assert there are none. */
export function linesWithSecrets(lines: readonly string[], secrets: readonly string[]): string[] {
  return lines.filter((line) => secrets.some((secret) => line.includes(secret)));
}
