// Per-source throttle for failed webhook calls (wrong path secret, wrong verify token): guessing gets slow, Strava is never delayed.
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

export interface FailureThrottle {
  /** Whether `source` may try again; a source that has used its allowance is refused until it refills. */
  allowed(source: string): boolean;
  /** Counts one failure of `source`. */
  failed(source: string): void;
}

export interface FailureThrottleOptions {
  /** Failures a source may make at once before it is refused. */
  burst?: number;
  /** Failures a second it regains. */
  perSecond?: number;
  /** Sources remembered at once; the least recently seen are forgotten first, so a spray of addresses costs bounded memory. */
  maxSources?: number;
  now?: () => number;
}

/**
 * A token bucket per source that only failures drain. Strava's pushes carry the right path secret and are never
 * counted or refused, whatever address they share with a guesser.
 */
export function createFailureThrottle(options: FailureThrottleOptions = {}): FailureThrottle {
  const burst = options.burst ?? 20;
  const perSecond = options.perSecond ?? 1;
  const maxSources = options.maxSources ?? 10_000;
  const now = options.now ?? Date.now;
  // A Map keeps insertion order: deleting and re-inserting on each touch makes its first key the least recent.
  const buckets = new Map<string, { tokens: number; at: number }>();

  function current(source: string): { tokens: number; at: number } {
    const t = now();
    const bucket = buckets.get(source) ?? { tokens: burst, at: t };
    bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
    bucket.at = t;
    buckets.delete(source);
    buckets.set(source, bucket);
    if (buckets.size > maxSources) buckets.delete(buckets.keys().next().value!);
    return bucket;
  }

  return {
    allowed: (source) => current(source).tokens >= 1,
    failed(source) {
      const bucket = current(source);
      bucket.tokens = Math.max(0, bucket.tokens - 1);
    },
  };
}

/**
 * Who is calling: App Engine's own client address header (set by Google's front end, which overwrites any value a
 * client sends), else the socket's peer. X-Forwarded-For is not used: a client writes whatever it likes there.
 */
export function sourceOf(c: Context, trustAppEngineHeader: boolean): string {
  if (trustAppEngineHeader) {
    const appEngine = c.req.header('x-appengine-user-ip');
    if (appEngine) return appEngine;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket.
    return 'unknown';
  }
}
