// Fault injection: the next N requests matching a method and path prefix answer a chosen status.

export interface FaultMatch {
  method?: string;
  pathPrefix: string;
}

interface Rule {
  method: string | null;
  pathPrefix: string;
  status: number;
  remaining: number;
}

/**
 * Prefixes under /api, /oauth or /sandbox are taken as given; anything else is read as relative to /api/v3,
 * so both failNext({ pathPrefix: '/api/v3/athlete' }) and failNext({ pathPrefix: '/athlete' }) work.
 */
export function normalisePrefix(prefix: string): string {
  const p = prefix.startsWith('/') ? prefix : `/${prefix}`;
  if (p.startsWith('/api/') || p === '/api' || p.startsWith('/oauth') || p.startsWith('/sandbox')) return p;
  return `/api/v3${p}`;
}

export class FaultInjector {
  private rules: Rule[] = [];

  /** times = 0 cancels what is left of earlier rules for the same method and prefix (handy in a `finally`). */
  add(match: FaultMatch, status: number, times = 1): void {
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`failNext: not an HTTP status: ${status}`);
    if (!Number.isInteger(times) || times < 0) throw new Error(`failNext: times must be a non-negative integer, got ${times}`);
    const method = match.method?.toUpperCase() ?? null;
    const pathPrefix = normalisePrefix(match.pathPrefix);
    if (times === 0) {
      this.rules = this.rules.filter((r) => r.method !== method || r.pathPrefix !== pathPrefix);
      return;
    }
    this.rules.push({ method, pathPrefix, status, remaining: times });
  }

  /** Consumes one use of the first matching rule and returns its status, or null. */
  take(method: string, path: string): number | null {
    const index = this.rules.findIndex((r) => (r.method === null || r.method === method.toUpperCase()) && path.startsWith(r.pathPrefix));
    if (index < 0) return null;
    const rule = this.rules[index]!;
    rule.remaining--;
    if (rule.remaining <= 0) this.rules.splice(index, 1);
    return rule.status;
  }
}
