// The update_tokens job's settings, read once from the environment and checked, like the main config.
import { ConfigError, isProduction, type EnvVarName } from './config.js';
import { REFRESH_WINDOW_MS } from '../tokens/index.js';

export interface UpdateTokensSettings {
  readonly requireAuth: boolean;
  /** Service account email the OIDC token must carry; set whenever requireAuth is. */
  readonly invoker: string | undefined;
  readonly intervalMs: number;
  /** interval + margin: a token is refreshed by the last run before it would fall inside the margin. */
  readonly horizonMs: number;
  readonly concurrency: number;
  readonly timeBudgetMs: number;
  /** Athletes claimed per statement: the concurrency, so a claimed athlete waits at most about one refresh. */
  readonly batchSize: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: EnvVarName): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function positiveInteger(env: Env, name: EnvVarName, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive whole number, got ${raw}.`);
  return value;
}

function flag(env: Env, name: EnvVarName, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got ${raw}.`);
}

export function loadUpdateTokensSettings(env: Env = process.env): UpdateTokensSettings {
  // Fail closed: a deployed job checks its caller unless told not to.
  const requireAuth = flag(env, 'UPDATE_TOKENS_REQUIRE_AUTH', isProduction(env));
  const invoker = read(env, 'UPDATE_TOKENS_INVOKER');
  if (requireAuth && invoker === undefined) {
    throw new ConfigError(
      'UPDATE_TOKENS_INVOKER is missing: the service account email Cloud Scheduler calls update_tokens as (or set UPDATE_TOKENS_REQUIRE_AUTH=false).',
    );
  }
  const intervalMs = positiveInteger(env, 'UPDATE_TOKENS_INTERVAL_MINUTES', 30) * 60_000;
  const concurrency = positiveInteger(env, 'UPDATE_TOKENS_CONCURRENCY', 10);
  const marginMs = positiveInteger(env, 'UPDATE_TOKENS_MARGIN_MINUTES', REFRESH_WINDOW_MS / 60_000) * 60_000;
  return Object.freeze({
    requireAuth,
    invoker,
    intervalMs,
    horizonMs: intervalMs + marginMs,
    concurrency,
    timeBudgetMs: positiveInteger(env, 'UPDATE_TOKENS_TIME_BUDGET_SECONDS', 420) * 1000,
    batchSize: concurrency,
  });
}
