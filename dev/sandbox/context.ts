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

/** The application's standing at Strava and the hosts it is served on; switched through the control API. */
export interface ApplicationSettings {
  /** inactive: every API and token call answers 403 Application/Status/Inactive. */
  status: 'active' | 'inactive';
  /** Athletes the application may serve; one more is refused at the consent step. null: no limit. */
  athleteLimit: number | null;
  /** The old host (www.strava.com/api/v3): serving, redirecting to the new host, or gone (connections dropped). */
  legacyHost: 'serve' | 'redirect' | 'gone';
  /** The new host (www.api-v3.strava.com): serving, or not up yet (connections dropped). */
  nextHost: 'serve' | 'down';
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
  readonly application: ApplicationSettings;
  /** Where the new host listens, once it does (for redirects from the old one). */
  nextHostUrl: string;
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
