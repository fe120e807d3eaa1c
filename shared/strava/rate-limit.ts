// Reads Strava's rate-limit headers ("15-minute,daily" pairs) into numbers.
import type { RateLimitUsage } from './types.js';

function pair(value: string | null): [number, number] | undefined {
  if (!value) return undefined;
  const parts = value.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n))) return undefined;
  return [parts[0]!, parts[1]!];
}

export function parseRateLimit(headers: Headers, observedAt = new Date()): RateLimitUsage | undefined {
  const limit = pair(headers.get('x-ratelimit-limit'));
  const usage = pair(headers.get('x-ratelimit-usage'));
  if (!limit || !usage) return undefined;
  const readLimit = pair(headers.get('x-readratelimit-limit'));
  const readUsage = pair(headers.get('x-readratelimit-usage'));
  return {
    overall: { limit15: limit[0], limitDaily: limit[1], usage15: usage[0], usageDaily: usage[1] },
    read: readLimit && readUsage ? { limit15: readLimit[0], limitDaily: readLimit[1], usage15: readUsage[0], usageDaily: readUsage[1] } : undefined,
    observedAt,
  };
}
