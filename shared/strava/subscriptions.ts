// Strava's webhook subscription (one per application): view, create, delete, its record in the database, and the id the receiver checks events against.
import type { Queryable } from '../db/index.js';
import type { Logger } from '../log.js';
import type { ApiHostSelector } from './api-host.js';
import { type ApplicationSignal, StravaClient } from './client.js';
import { StravaError } from './errors.js';
import type { RateLimitUsage } from './types.js';

export interface SubscriptionClientOptions {
  /**
   * The API host: the runtime client's selector (Strava's host schedule, with its fallback, shared with every other
   * call), or a fixed base URL.
   */
  apiBaseUrl: string | ApiHostSelector;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** The shared budget's observer, so subscription calls count like every other. */
  onRateLimit?: (usage: RateLimitUsage) => void;
  /** The application status tracker's observer, so an "Inactive" answer here pauses background work like any other. */
  onApplicationSignal?: (signal: ApplicationSignal) => void;
}

export interface PushSubscription {
  id: number;
  application_id?: number;
  callback_url: string;
  created_at?: string;
  updated_at?: string;
}

/** Through the one Strava HTTP core: the same errors, timeouts, host choice and rate-limit accounting as every other call. */
function call<T>(options: SubscriptionClientOptions, method: 'GET' | 'POST' | 'DELETE', path: string, body?: URLSearchParams): Promise<T> {
  // The host the selector chooses now (Strava's schedule, or a fallback every other call already found), pinned for
  // this call: a subscription call that times out must not move the whole process to the other host, nor send a
  // create Strava may already have accepted a second time.
  const apiBaseUrl = typeof options.apiBaseUrl === 'string' ? options.apiBaseUrl : options.apiBaseUrl.current().baseUrl;
  const client = new StravaClient({
    apiBaseUrl,
    // Subscriptions live on the API host; the OAuth host is never asked here.
    oauthBaseUrl: apiBaseUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.onRateLimit ? { onRateLimit: options.onRateLimit } : {}),
    ...(options.onApplicationSignal ? { onApplicationSignal: options.onApplicationSignal } : {}),
  });
  // Create waits for Strava's own validation GET to the callback (up to two seconds).
  return client.applicationRequest<T>(method, `/push_subscriptions${path}`, body, { timeoutMs: options.timeoutMs ?? 15_000 });
}

/** The application's subscription, or undefined when it has none. */
export async function viewSubscription(options: SubscriptionClientOptions): Promise<PushSubscription | undefined> {
  const list = await call<PushSubscription[] | undefined>(options, 'GET', '');
  return Array.isArray(list) ? list[0] : undefined;
}

/**
 * Creates the subscription. Strava first calls `callbackUrl` with the hub.challenge GET, so the app must be running
 * there with the same verify token.
 */
export async function createSubscription(options: SubscriptionClientOptions, callbackUrl: string, verifyToken: string): Promise<{ id: number }> {
  if (callbackUrl.length > 255) throw new RangeError('Strava accepts callback URLs of at most 255 characters');
  return call<{ id: number }>(options, 'POST', '', new URLSearchParams({ callback_url: callbackUrl, verify_token: verifyToken }));
}

export async function deleteSubscription(options: SubscriptionClientOptions, id: number): Promise<void> {
  await call<void>(options, 'DELETE', `/${encodeURIComponent(String(id))}`);
}

/** Strava's explanation of a refused create, e.g. "callback url: GET to callback URL does not return 200". */
export function describeStravaRefusal(error: unknown): string {
  if (!(error instanceof StravaError)) return error instanceof Error ? error.message : String(error);
  const details = error.fault?.errors?.map((e) => [e.field, e.code].filter(Boolean).join(': ')).filter(Boolean) ?? [];
  return details.length > 0 ? `${error.message} (${details.join('; ')})` : error.message;
}

/** The subscription as last seen at Strava or created here; `id` null when Strava says there is none. */
export interface RecordedSubscription {
  id: number | null;
  callbackUrl: string | null;
  checkedAt: Date;
}

/** Remembers the application's subscription (after creating, deleting or viewing it at Strava), for every instance. */
export async function recordSubscription(db: Queryable, clientId: string, subscription: { id: number; callback_url?: string } | null): Promise<void> {
  await db.query(
    `insert into strava_push_subscription (client_id, subscription_id, callback_url, checked_at) values ($1::text, $2::bigint, $3::text, now())
     on conflict (client_id) do update set subscription_id = excluded.subscription_id, callback_url = excluded.callback_url, checked_at = now()`,
    [clientId, subscription?.id ?? null, subscription?.callback_url ?? null],
  );
}

export async function readRecordedSubscription(db: Queryable, clientId: string): Promise<RecordedSubscription | undefined> {
  const { rows } = await db.query<{ id: string | null; callback_url: string | null; checked_at: Date }>(
    'select subscription_id::text as id, callback_url, checked_at from strava_push_subscription where client_id = $1::text',
    [clientId],
  );
  const row = rows[0];
  return row ? { id: row.id === null ? null : Number(row.id), callbackUrl: row.callback_url, checkedAt: row.checked_at } : undefined;
}

export type SubscriptionCheck = 'ours' | 'foreign' | 'unknown';

export interface SubscriptionIdCache {
  /** Whether `id` is the application's subscription, from memory only: it never waits on Strava or the database. */
  check(id: number): SubscriptionCheck;
  /** Resolves once the first load (database, then Strava when the database knows nothing) has finished or failed. */
  ready(): Promise<void>;
  /** Forget the cached id and read the record again in the background (after creating or deleting the subscription and recording it). */
  invalidate(): Promise<void>;
  /** Stops the background refresh. */
  stop(): void;
}

export interface SubscriptionIdCacheOptions {
  strava: SubscriptionClientOptions;
  db: Queryable;
  log: Logger;
  /** How often the record in the database is read again (another instance may have recreated the subscription). */
  reloadMs?: number;
  /** How often Strava itself is asked, and the least time between look-ups that a foreign id triggers. */
  stravaRecheckMs?: number;
}

/**
 * The subscription id, known before the first event and kept fresh in the background: read from the database (where
 * creating the subscription put it), asked of Strava when the database has nothing or the record is old, never on a
 * request's path. Strava allows two seconds for an answer; a look-up at Strava alone can take longer.
 */
export function createSubscriptionIdCache(options: SubscriptionIdCacheOptions): SubscriptionIdCache {
  const reloadMs = options.reloadMs ?? 60_000;
  const recheckMs = options.stravaRecheckMs ?? 15 * 60_000;
  const clientId = options.strava.clientId;
  let known: number | null | undefined;
  let lastAskedStrava = 0;
  let loading: Promise<void> | undefined;
  let stopped = false;

  async function askStrava(): Promise<void> {
    lastAskedStrava = Date.now();
    const subscription = await viewSubscription(options.strava);
    known = subscription?.id ?? null;
    await recordSubscription(options.db, clientId, subscription ?? null);
  }

  async function load(forceStrava: boolean): Promise<void> {
    try {
      const recorded = await readRecordedSubscription(options.db, clientId);
      if (recorded) known = recorded.id;
      const stale = !recorded || Date.now() - recorded.checkedAt.getTime() > recheckMs;
      if (forceStrava || stale) await askStrava();
    } catch (error) {
      // What is known stays known; the next reload tries again.
      options.log.warn('Could not refresh the webhook subscription id', { error });
    }
  }

  function refresh(forceStrava = false): Promise<void> {
    loading ??= load(forceStrava).finally(() => {
      loading = undefined;
    });
    return loading;
  }

  const first = refresh();
  const timer = setInterval(() => void refresh(), reloadMs);
  // The server keeps the process alive; this timer should not on its own.
  timer.unref();

  return {
    check(id) {
      // Nothing on record, or Strava said there is no subscription (perhaps created since by a tool that records
      // nothing): not knowing is not a reason to drop what may be Strava's event.
      if (known === undefined || known === null) {
        if (known === undefined) void refresh();
        return 'unknown';
      }
      if (known === id) return 'ours';
      // Perhaps recreated elsewhere: ask Strava again, but never more often than the recheck interval, so forged
      // events cannot make us hammer Strava.
      if (!stopped && Date.now() - lastAskedStrava >= Math.min(recheckMs, 60_000)) {
        lastAskedStrava = Date.now();
        void refresh(true);
      }
      return 'foreign';
    },
    ready: () => first,
    invalidate() {
      // The caller has just recorded what it did at Strava: the database has the answer, no need to ask Strava.
      known = undefined;
      return refresh();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** The callback URL for this deployment: <public base URL>/webhook, plus the path secret when one is set. */
export function webhookCallbackUrl(publicBaseUrl: string, pathSecret: string | undefined): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/webhook${pathSecret ? `/${encodeURIComponent(pathSecret)}` : ''}`;
}

/**
 * Makes `callbackUrl` the application's subscription through Strava's validation round trip: an existing subscription
 * to another URL (or to this one, when `recreate`) is deleted first, since Strava allows only one.
 */
export async function ensureSubscription(
  options: SubscriptionClientOptions,
  callbackUrl: string,
  verifyToken: string,
  settings: { recreate?: boolean } = {},
  /** Where to record the subscription for the webhook receiver (the database); omitted by tools without one. */
  recordIn?: Queryable,
): Promise<{ id: number; created: boolean }> {
  const existing = await viewSubscription(options);
  if (existing && existing.callback_url === callbackUrl && !settings.recreate) {
    if (recordIn) await recordSubscription(recordIn, options.clientId, existing);
    return { id: existing.id, created: false };
  }
  if (existing) await deleteSubscription(options, existing.id);
  const { id } = await createSubscription(options, callbackUrl, verifyToken);
  // Known to every instance before Strava's first event arrives.
  if (recordIn) await recordSubscription(recordIn, options.clientId, { id, callback_url: callbackUrl });
  return { id, created: true };
}
