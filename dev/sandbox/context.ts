// What every route file shares: resolved options, clock, store, token service, limiter, faults and counters.

import type { AccessTokenRecord, Store } from './state.js';
import type { TokenService } from './tokens.js';
import type { RateLimiter } from './ratelimit.js';
import type { FaultInjector } from './faults.js';
import type { WebhookService } from './webhooks.js';

export interface Counters {
  tokenRefreshes: number;
  tokenExchanges: number;
  apiRequests: number;
  byRoute: Record<string, number>;
}

export interface SandboxContext {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly applicationName: string;
  /** Extra redirect host allowed besides localhost and 127.0.0.1 (the app's "callback domain"). */
  readonly callbackDomain: string | null;
  readonly now: () => Date;
  readonly store: Store;
  readonly tokens: TokenService;
  readonly limiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly webhooks: WebhookService;
  readonly counters: Counters;
  readonly latency: { ms: number };
  /** Public origin (known once the server listens); used for absolute URLs such as avatars. */
  origin: string;
  readonly log: ((line: string) => void) | undefined;
}

/** Hono environment shared by the route files. */
export interface SandboxEnv {
  Variables: {
    auth: AccessTokenRecord;
  };
}
