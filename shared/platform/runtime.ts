// Builds what every entry point needs from config and secrets: logger, database, Strava client and budget, token cipher.
import type pg from 'pg';
import type { Config } from './config.js';
import { openDatabase } from './db/pool.js';
import { createLogger, registerSecretValues, type Logger } from '../log.js';
import type { Secrets } from './secrets.js';
import { type BudgetPolicy, createStravaBudget, type StravaBudget } from '../strava/index.js';
import { ApiHostSelector } from '../strava/index.js';
import { createApplicationStatusTracker, type ApplicationStatusTracker } from '../strava/index.js';
import { StravaClient } from '../strava/index.js';
import { createTokenCipher, type TokenCipher } from '../tokens/index.js';

export interface Runtime {
  config: Config;
  secrets: Secrets;
  log: Logger;
  pool: pg.Pool;
  strava: StravaClient;
  /** Strava rate-limit usage shared by every instance; background work asks it before each request. */
  budget: StravaBudget;
  /** Whether Strava says the API application is inactive, shared by every instance. */
  application: ApplicationStatusTracker;
  cipher: TokenCipher;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  log?: Logger;
  /** Overrides for tests: fewer connections, no retry delays. */
  poolMax?: number;
  stravaRetryDelayMs?: (attempt: number) => number;
  /** The clock rate-limit windows are cut with (tests move it past a reset). */
  budgetNow?: () => Date;
  /** Which API host to use; by default STRAVA_API_BASE_URL, or Strava's schedule with a fallback. */
  apiHost?: ApiHostSelector;
  /** Tests: a stricter budget, and a fetch that records what the Strava client sent. */
  budgetPolicy?: Partial<BudgetPolicy>;
  stravaFetch?: typeof fetch;
}

/**
 * The cipher of a service granted no token key (importArchive never calls Strava, so Secret Manager gives it none):
 * the one wiring still builds, and any use of a token there fails loudly instead of reading or writing garbage.
 * Services that read the key cannot start without it (loadSecrets needs it), so this never hides a missing key.
 */
function withoutTokenKey(): TokenCipher {
  const refuse = (): never => {
    throw new Error('This service holds no TOKEN_ENCRYPTION_KEY: it may not read or write Strava tokens');
  };
  return { encrypt: refuse, decrypt: refuse };
}

export async function createRuntime(config: Config, secrets: Secrets, options: RuntimeOptions = {}): Promise<Runtime> {
  registerSecretValues(Object.values(secrets));
  const log = options.log ?? createLogger({ format: config.log.format, level: config.log.level });
  const database = await openDatabase(config.database, { max: options.poolMax, password: secrets.databasePassword });
  database.pool.on('error', (error) => log.error('Idle database connection failed', { error }));
  return assembleRuntime(config, secrets, database, { ...options, log });
}

/** The runtime around a database already open; the test harness builds its several "instances" this way. */
export function assembleRuntime(
  config: Config,
  secrets: Secrets,
  database: { pool: pg.Pool; close(): Promise<void> },
  options: RuntimeOptions & { log: Logger },
): Runtime {
  const { log } = options;
  const budget = createStravaBudget({
    pool: database.pool,
    clientId: config.strava.clientId,
    log,
    ...(options.budgetNow ? { now: options.budgetNow } : {}),
    ...(options.budgetPolicy ? { policy: options.budgetPolicy } : {}),
  });
  const application = createApplicationStatusTracker({ pool: database.pool, clientId: config.strava.clientId, log });
  const apiHost =
    options.apiHost ??
    new ApiHostSelector({
      configured: config.strava.apiBaseUrlOverride,
      onChange: (choice, previous) => log.warn('Strava API host changed', { from: previous.baseUrl, to: choice.baseUrl, reason: choice.reason }),
    });
  const strava = new StravaClient({
    apiBaseUrl: apiHost,
    oauthBaseUrl: config.strava.oauthBaseUrl,
    clientId: config.strava.clientId,
    clientSecret: secrets.stravaClientSecret ?? '',
    ...(options.stravaRetryDelayMs ? { retryDelayMs: options.stravaRetryDelayMs } : {}),
    ...(options.stravaFetch ? { fetch: options.stravaFetch } : {}),
    onRateLimit: (usage) => budget.observe(usage),
    onApplicationSignal: (signal) => application.signal(signal),
  });
  return {
    config,
    secrets,
    log,
    pool: database.pool,
    strava,
    budget,
    application,
    cipher: secrets.tokenEncryptionKey === undefined ? withoutTokenKey() : createTokenCipher(secrets.tokenEncryptionKey),
    close: async () => {
      await budget.flush();
      await application.flush();
      await database.close();
    },
  };
}
