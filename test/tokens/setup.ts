// Shared setup for the token tests: a sandbox, a fresh database, "instances" with their own pools, and seeded athletes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { upsertConnectedAthlete } from '../../shared/athletes/store.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { StravaClient } from '../../shared/strava/client.js';
import { createTokenCipher, type TokenCipher } from '../../shared/tokens/cipher.js';
import type { TokenDeps } from '../../shared/tokens/refresh.js';
import { saveTokens } from '../../shared/tokens/store.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../dev/sandbox/server.js';
import { freshDatabase, ignoreTerminationOnClose, type TestDatabase } from '../helpers/database.js';
import type { ChildCommand, ChildMessage } from './child-instance.js';

export const SCOPES = ['read', 'activity:read_all'];

/** What an instance's Strava client did, seen from its side of the wire. */
export interface StravaTraffic {
  inFlight: number;
  maxInFlight: number;
  /** Every refresh request and the status it got back. */
  refreshes: { status: number }[];
}

export interface Instance extends TokenDeps {
  pool: pg.Pool;
  strava: StravaClient;
  traffic: StravaTraffic;
  logLines: string[];
  close(): Promise<void>;
}

export interface World {
  sandbox: Sandbox;
  db: TestDatabase;
  /** One key for every instance, as in production where they share the secret. */
  encryptionKey: string;
  cipher: TokenCipher;
  instance(options?: { poolMax?: number }): Instance;
  close(): Promise<void>;
}

export async function startWorld(sandboxOptions: SandboxOptions = {}): Promise<World> {
  // Rate limits off: the tests check tokens against the API far more often than a real app would.
  const sandbox = await startSandbox({ port: 0, rateLimits: { overall: [1e9, 1e9], read: [1e9, 1e9] }, ...sandboxOptions });
  const db = await freshDatabase();
  const encryptionKey = randomBytes(32).toString('base64');
  const cipher = createTokenCipher(encryptionKey);
  const instances: Instance[] = [];
  return {
    sandbox,
    db,
    encryptionKey,
    cipher,
    instance(options = {}) {
      const instance = createInstance(sandbox, db.url, encryptionKey, options.poolMax ?? 10);
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


/** An "instance" of the product: its own pool, Strava client and logger, as a separate process would have. */
export function createInstance(sandbox: Sandbox, databaseUrl: string, encryptionKey: string, poolMax = 10): Instance {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolMax });
  ignoreTerminationOnClose(pool);
  const traffic: StravaTraffic = { inFlight: 0, maxInFlight: 0, refreshes: [] };
  const countingFetch: typeof fetch = async (input, init) => {
    const isRefresh = String(input).endsWith('/oauth/token') && String(init?.body ?? '').includes('grant_type=refresh_token');
    traffic.inFlight++;
    traffic.maxInFlight = Math.max(traffic.maxInFlight, traffic.inFlight);
    try {
      const response = await fetch(input, init);
      if (isRefresh) traffic.refreshes.push({ status: response.status });
      return response;
    } finally {
      traffic.inFlight--;
    }
  };
  const strava = new StravaClient({
    apiBaseUrl: sandbox.apiBaseUrl,
    oauthBaseUrl: sandbox.oauthBaseUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    retryDelayMs: () => 5,
    fetch: countingFetch,
  });
  const logLines: string[] = [];
  const log: Logger = createLogger({ format: 'json', level: 'debug', write: (line) => logLines.push(line) });
  return {
    pool,
    strava,
    cipher: createTokenCipher(encryptionKey),
    log,
    traffic,
    logLines,
    close: () => pool.end(),
  };
}

/**
 * Creates an athlete at the sandbox with tokens expiring in `expiresInSeconds` (an hour or less means the next
 * refresh rotates them), and stores the athlete and the tokens as connecting would.
 */
export async function seedAthlete(world: World, expiresInSeconds: number): Promise<{ athleteId: number; accessToken: string }> {
  const athleteId = world.sandbox.createAthlete({ activityCount: 0 });
  const issued = world.sandbox.issueTokens(athleteId, SCOPES, { expiresInSeconds });
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
  const { rows } = await db.query<{ status: string; status_reason: string | null }>(
    'select status, status_reason from athletes where id = $1::bigint',
    [athleteId],
  );
  return { status: rows[0]!.status, reason: rows[0]!.status_reason };
}

export async function claimState(db: pg.Pool, athleteId: number): Promise<{ claimed: boolean; expiresAt: Date }> {
  const { rows } = await db.query<{ claimed: boolean; expires_at: Date }>(
    'select refresh_claim_id is not null as claimed, expires_at from tokens where athlete_id = $1::bigint',
    [athleteId],
  );
  return { claimed: rows[0]!.claimed, expiresAt: rows[0]!.expires_at };
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
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./child-instance.ts', import.meta.url))], {
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
