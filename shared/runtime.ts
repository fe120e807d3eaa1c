// Builds what every entry point needs from config and secrets: logger, database, Strava client and budget, token cipher.
import type pg from 'pg';
import type { Config } from './config.js';
import { openDatabase } from './db/pool.js';
import { createLogger, registerSecretValues, type Logger } from './log.js';
import type { Secrets } from './secrets.js';
import { createStravaBudget, type StravaBudget } from './strava/budget.js';
import { StravaClient } from './strava/client.js';
import { createTokenCipher, type TokenCipher } from './tokens/cipher.js';

export interface Runtime {
  config: Config;
  secrets: Secrets;
  log: Logger;
  pool: pg.Pool;
  strava: StravaClient;
  /** Strava rate-limit usage shared by every instance; background work asks it before each request. */
  budget: StravaBudget;
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
}

export async function createRuntime(config: Config, secrets: Secrets, options: RuntimeOptions = {}): Promise<Runtime> {
  registerSecretValues(Object.values(secrets));
  const log = options.log ?? createLogger({ format: config.log.format, level: config.log.level });
  const database = await openDatabase(config.database, { max: options.poolMax, password: secrets.databasePassword });
  database.pool.on('error', (error) => log.error('Idle database connection failed', { error }));
  const budget = createStravaBudget({
    pool: database.pool,
    clientId: config.strava.clientId,
    log,
    ...(options.budgetNow ? { now: options.budgetNow } : {}),
  });
  const strava = new StravaClient({
    apiBaseUrl: config.strava.apiBaseUrl,
    oauthBaseUrl: config.strava.oauthBaseUrl,
    clientId: config.strava.clientId,
    clientSecret: secrets.stravaClientSecret ?? '',
    ...(options.stravaRetryDelayMs ? { retryDelayMs: options.stravaRetryDelayMs } : {}),
    onRateLimit: (usage) => budget.observe(usage),
  });
  return {
    config,
    secrets,
    log,
    pool: database.pool,
    strava,
    budget,
    cipher: createTokenCipher(secrets.tokenEncryptionKey ?? ''),
    close: async () => {
      await budget.flush();
      await database.close();
    },
  };
}
