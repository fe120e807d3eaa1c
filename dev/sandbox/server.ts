// Starts a local Strava sandbox on a real port and exposes helpers for tests and benchmarks.

import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp, createNextHostApp } from './app.js';
import type { ApplicationSettings, Counters, SandboxContext } from './context.js';
import { FaultInjector } from './faults.js';
import { RateLimiter, STRAVA_DEFAULT_LIMITS } from './ratelimit.js';
import { isScope, orderScopes } from './scopes.js';
import { DEFAULT_SEED, DEMO_ATHLETE_ID, type RuntimeActivityFields } from './seed.js';
import { Store } from './state.js';
import { TokenService } from './tokens.js';
import { WebhookService, type WebhookDelivery, type WebhookEvent, type WebhookOptions } from './webhooks.js';

export interface SandboxOptions {
  /** 0 = random free port; default 8090. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The one registered API application; default '12345'. */
  clientId?: string;
  /** Default 'sandbox-client-secret'. */
  clientSecret?: string;
  /** Added delay on every API/OAuth response (for benchmarks); default 0. */
  latencyMs?: number;
  /** [15-minute, daily]; defaults Strava's: overall 200,2000; read 100,1000. */
  rateLimits?: { overall?: [number, number]; read?: [number, number] };
  /** Default 21600. */
  accessTokenTtlSeconds?: number;
  /** If set, persist grants/tokens/runtime athletes and activities as JSON here so a restart keeps issued tokens valid. */
  statePath?: string;
  /** Deterministic data; default fixed. */
  seed?: number;
  /** Injectable clock (tests); default real time. */
  now?: () => Date;
  /** Optional request log, one line per request (never tokens or codes). */
  log?: (line: string) => void;
  /** The application's callback domain: redirect hosts allowed besides localhost and 127.0.0.1 (subdomains too). */
  callbackDomain?: string;
  /** Webhook push timing: Strava's two-second timeout and three attempts by default; tests shorten the retry delay. */
  webhooks?: WebhookOptions;
  /** The application's standing (active, athlete limit, which hosts answer); switchable later with setApplication. */
  application?: Partial<ApplicationSettings>;
}

export interface Sandbox {
  url: string;
  /** The API as on Strava's old host, https://www.strava.com/api/v3. */
  apiBaseUrl: string;
  /** The API as on Strava's new host from 2027-06-01, https://www.api-v3.strava.com (its own port, at the root). */
  nextApiBaseUrl: string;
  oauthBaseUrl: string;
  clientId: string;
  clientSecret: string;
  demoAthleteId: number;
  close(): Promise<void>;
  createAthlete(p?: { firstname?: string; lastname?: string; measurementPreference?: 'meters' | 'feet'; activityCount?: number }): number;
  issueTokens(
    athleteId: number,
    scopes?: string[],
    opts?: { expiresInSeconds?: number },
  ): { access_token: string; refresh_token: string; expires_at: number; scope: string };
  addActivity(athleteId: number, a: RuntimeActivityFields): number;
  counters: Counters;
  failNext(match: { method?: string; pathPrefix: string }, status: number, times?: number): void;
  setLatency(ms: number): void;
  /** Switches what POST /sandbox/application switches: inactive application, athlete limit, hosts up or down. */
  setApplication(settings: Partial<ApplicationSettings>): void;
  /** Every webhook event generated (pushed or not), oldest first. */
  webhookEvents: WebhookEvent[];
  /** Every push to the callback and the status of each attempt. */
  webhookDeliveries: WebhookDelivery[];
  /** The application's webhook subscription, if any. */
  webhookSubscription(): { id: number; callbackUrl: string } | null;
  /** Pushes any body to the subscription's callback, with Strava's retries (forged or malformed events in tests). */
  pushToWebhook(body: unknown): void;
  /** Resolves when every webhook push has been delivered or has run out of attempts. */
  webhooksIdle(): Promise<void>;
}

const DEFAULT_SCOPES = ['read', 'activity:read_all'];

function originFor(host: string, port: number): string {
  // A wildcard bind is reachable locally through the loopback address.
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const now = options.now ?? (() => new Date());
  const host = options.host ?? '127.0.0.1';
  const clientId = options.clientId ?? '12345';
  const clientSecret = options.clientSecret ?? 'sandbox-client-secret';
  const store = new Store({ seed: options.seed ?? DEFAULT_SEED, statePath: options.statePath, now, log: options.log });
  const counters: Counters = { tokenRefreshes: 0, tokenExchanges: 0, apiRequests: 0, byRoute: {} };
  const ctx: SandboxContext = {
    clientId,
    clientSecret,
    applicationName: `Sandbox Application ${clientId}`,
    callbackDomain: options.callbackDomain ?? null,
    now,
    store,
    tokens: new TokenService(store, now, options.accessTokenTtlSeconds ?? 21_600),
    limiter: new RateLimiter(
      {
        overall: options.rateLimits?.overall ?? STRAVA_DEFAULT_LIMITS.overall,
        read: options.rateLimits?.read ?? STRAVA_DEFAULT_LIMITS.read,
      },
      now,
    ),
    faults: new FaultInjector(),
    webhooks: new WebhookService(store, now, options.log, options.webhooks),
    counters,
    latency: { ms: Math.max(0, options.latencyMs ?? 0) },
    application: { status: 'active', athleteLimit: null, legacyHost: 'serve', nextHost: 'serve', ...options.application },
    nextHostUrl: '',
    origin: '',
    log: options.log,
  };
  const app = createApp(ctx);

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 8090, hostname: host }) as Server;
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = originFor(host, port);
  ctx.origin = url;
  const nextServer = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: createNextHostApp(ctx).fetch, port: 0, hostname: host }) as Server;
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  ctx.nextHostUrl = originFor(host, (nextServer.address() as AddressInfo).port);

  let closed: Promise<void> | null = null;
  return {
    url,
    apiBaseUrl: `${url}/api/v3`,
    nextApiBaseUrl: ctx.nextHostUrl,
    oauthBaseUrl: `${url}/oauth`,
    clientId,
    clientSecret,
    demoAthleteId: DEMO_ATHLETE_ID,
    counters,
    close() {
      ctx.webhooks.stop();
      const stop = (s: Server) =>
        new Promise<void>((resolve, reject) => {
          s.close((err) => (err ? reject(err) : resolve()));
          // Keep-alive sockets from fetch would otherwise hold close() open until they time out.
          s.closeAllConnections();
        });
      closed ??= Promise.all([stop(server), stop(nextServer)]).then(() => undefined);
      return closed;
    },
    createAthlete(p = {}) {
      return store.createAthlete(p);
    },
    issueTokens(athleteId, scopes = DEFAULT_SCOPES, opts = {}) {
      if (!store.athletes.has(athleteId)) throw new Error(`issueTokens: no sandbox athlete ${athleteId}`);
      const unknown = scopes.filter((s) => !isScope(s));
      if (unknown.length > 0) throw new Error(`issueTokens: unknown scopes ${unknown.join(', ')}`);
      // Behave as if the athlete had (also) approved these scopes, so approval_prompt=auto and deauthorize work as usual.
      const previous = ctx.tokens.grantedScopes(athleteId, clientId) ?? [];
      ctx.tokens.recordGrant(athleteId, clientId, orderScopes([...previous, ...scopes]));
      const t = ctx.tokens.issue(athleteId, clientId, scopes, opts.expiresInSeconds);
      return { access_token: t.access_token, refresh_token: t.refresh_token, expires_at: t.expires_at, scope: t.scope };
    },
    addActivity(athleteId, a) {
      return store.addActivity(athleteId, a);
    },
    failNext(match, status, times = 1) {
      ctx.faults.add(match, status, times);
    },
    setLatency(ms) {
      ctx.latency.ms = Math.max(0, ms);
    },
    setApplication(settings) {
      Object.assign(ctx.application, settings);
    },
    webhookEvents: ctx.webhooks.events,
    webhookDeliveries: ctx.webhooks.deliveries,
    webhookSubscription() {
      const s = ctx.webhooks.subscription;
      return s ? { id: s.id, callbackUrl: s.callbackUrl } : null;
    },
    pushToWebhook(body) {
      ctx.webhooks.push(body);
    },
    webhooksIdle() {
      return ctx.webhooks.idle();
    },
  };
}
