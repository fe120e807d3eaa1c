// Which Strava API host to call: the configured one, or the one Strava's schedule says, falling back to the other when it cannot be reached.

/** Strava's API until 2027-06-01. */
export const LEGACY_API_BASE_URL = 'https://www.strava.com/api/v3';
/** Strava's API from 2027-06-01 (developer program update, June 2026); it accepts tokens only in headers. */
export const NEXT_API_BASE_URL = 'https://www.api-v3.strava.com';
export const NEXT_API_FROM = new Date('2027-06-01T00:00:00Z');

export type ApiHostReason =
  /** STRAVA_API_BASE_URL is set: used as it is, never switched. */
  | 'configured'
  /** The host Strava's schedule names for today. */
  | 'scheduled'
  /** The scheduled host could not be reached and the other one answered. */
  | 'fallback';

export interface ApiHostChoice {
  baseUrl: string;
  reason: ApiHostReason;
  /** Since when a fallback has been in use. */
  since?: Date;
}

export interface ApiHostOptions {
  /** STRAVA_API_BASE_URL: when set, the only host. */
  configured?: string | undefined;
  legacy?: string;
  next?: string;
  switchAt?: Date;
  now?: () => Date;
  /**
   * A fallback is trusted this long before the scheduled host is tried first again: Strava may bring the new host up
   * late, or retire the old one early, and neither should need anyone to redeploy.
   */
  recheckMs?: number;
  /** Told whenever the host in use changes (for one log line per switch). */
  onChange?: (choice: ApiHostChoice, previous: ApiHostChoice) => void;
}

/**
 * Decides the base URL for each API call. The decision is per process; every instance reaches the same one on its
 * own because it depends only on the date and on what Strava's hosts answer.
 */
export class ApiHostSelector {
  private readonly legacy: string;
  private readonly next: string;
  private readonly switchAt: Date;
  private readonly now: () => Date;
  private readonly recheckMs: number;
  private fallback: { baseUrl: string; since: Date; until: number } | undefined;
  private lastReported: ApiHostChoice | undefined;

  constructor(private readonly options: ApiHostOptions = {}) {
    this.legacy = trim(options.legacy ?? LEGACY_API_BASE_URL);
    this.next = trim(options.next ?? NEXT_API_BASE_URL);
    this.switchAt = options.switchAt ?? NEXT_API_FROM;
    this.now = options.now ?? (() => new Date());
    this.recheckMs = options.recheckMs ?? 60 * 60_000;
  }

  get configured(): boolean {
    return this.options.configured !== undefined;
  }

  /** The host Strava's schedule names for `at`, ignoring any fallback. */
  scheduled(at = this.now()): string {
    return at.getTime() >= this.switchAt.getTime() ? this.next : this.legacy;
  }

  current(): ApiHostChoice {
    if (this.options.configured !== undefined) return { baseUrl: trim(this.options.configured), reason: 'configured' };
    const at = this.now();
    const scheduled = this.scheduled(at);
    const choice: ApiHostChoice =
      this.fallback && this.fallback.baseUrl !== scheduled && at.getTime() < this.fallback.until
        ? { baseUrl: this.fallback.baseUrl, reason: 'fallback', since: this.fallback.since }
        : { baseUrl: scheduled, reason: 'scheduled' };
    this.report(choice);
    return choice;
  }

  /** The other host, to try once when the current one cannot be reached; none when the host is configured. */
  alternative(baseUrl: string): string | undefined {
    if (this.options.configured !== undefined) return undefined;
    return trim(baseUrl) === this.next ? this.legacy : this.next;
  }

  /** `baseUrl` answered after the current host could not be reached: use it until the next recheck. */
  usedFallback(baseUrl: string): void {
    if (this.options.configured !== undefined) return;
    const at = this.now();
    const url = trim(baseUrl);
    if (url === this.scheduled(at)) {
      // The scheduled host answered after all: drop any fallback.
      this.fallback = undefined;
    } else {
      this.fallback = { baseUrl: url, since: this.fallback?.baseUrl === url ? this.fallback.since : at, until: at.getTime() + this.recheckMs };
    }
    this.current();
  }

  private report(choice: ApiHostChoice): void {
    const previous = this.lastReported;
    this.lastReported = choice;
    if (previous && (previous.baseUrl !== choice.baseUrl || previous.reason !== choice.reason)) this.options.onChange?.(choice, previous);
  }
}

function trim(url: string): string {
  return url.replace(/\/+$/, '');
}
