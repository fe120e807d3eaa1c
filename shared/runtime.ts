// Builds what every entry point needs from config and secrets: logger, database, Strava client, token cipher.
import type pg from 'pg';
import type { Config } from './config.js';
import { openDatabase } from './db/pool.js';
import { createLogger, registerSecretValues, type Logger } from './log.js';
import type { Secrets } from './secrets.js';
import { StravaClient } from './strava/client.js';
import { createTokenCipher, type TokenCipher } from './tokens/cipher.js';

export interface Runtime {
  config: Config;
  secrets: Secrets;
  log: Logger;
  pool: pg.Pool;
  strava: StravaClient;
  cipher: TokenCipher;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  log?: Logger;
  /** Overrides for tests: fewer connections, no retry delays. */
  poolMax?: number;
  stravaRetryDelayMs?: (attempt: number) => number;
}

export async function createRuntime(config: Config, secrets: Secrets, options: RuntimeOptions = {}): Promise<Runtime> {
  registerSecretValues(Object.values(secrets));
  const log = options.log ?? createLogger({ format: config.log.format, level: config.log.level });
  const database = await openDatabase(config.database, { max: options.poolMax, password: secrets.databasePassword });
  database.pool.on('error', (error) => log.error('Idle database connection failed', { error }));
  const strava = new StravaClient({
    apiBaseUrl: config.strava.apiBaseUrl,
    oauthBaseUrl: config.strava.oauthBaseUrl,
    clientId: config.strava.clientId,
    clientSecret: secrets.stravaClientSecret ?? '',
    ...(options.stravaRetryDelayMs ? { retryDelayMs: options.stravaRetryDelayMs } : {}),
  });
  return {
    config,
    secrets,
    log,
    pool: database.pool,
    strava,
    cipher: createTokenCipher(secrets.tokenEncryptionKey ?? ''),
    close: () => database.close(),
  };
}
