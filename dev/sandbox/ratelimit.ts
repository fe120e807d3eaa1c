// Per-application rate limits with Strava's fixed windows (quarter hours, UTC days) and usage headers.

export type LimitPair = [number, number];

export interface RateLimits {
  overall: LimitPair;
  read: LimitPair;
}

export const STRAVA_DEFAULT_LIMITS: RateLimits = { overall: [200, 2000], read: [100, 1000] };

const QUARTER_HOUR_MS = 15 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RateLimitResult {
  allowed: boolean;
  headers: Record<string, string>;
}

export class RateLimiter {
  private quarter = -1;
  private day = -1;
  // [15-minute, daily] counts.
  private overall: LimitPair = [0, 0];
  private read: LimitPair = [0, 0];

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => Date,
  ) {}

  /** Windows are aligned to the clock, not to the first request: :00/:15/:30/:45 and midnight UTC. */
  private roll(): void {
    const ms = this.now().getTime();
    const quarter = Math.floor(ms / QUARTER_HOUR_MS);
    const day = Math.floor(ms / DAY_MS);
    if (quarter !== this.quarter) {
      this.quarter = quarter;
      this.overall[0] = 0;
      this.read[0] = 0;
    }
    if (day !== this.day) {
      this.day = day;
      this.overall[1] = 0;
      this.read[1] = 0;
    }
  }

  /** Counts one request. Rejected requests still count toward the daily totals, as Strava's do. */
  hit(isRead: boolean): RateLimitResult {
    this.roll();
    const within = (usage: LimitPair, limit: LimitPair): boolean => usage[0] < limit[0] && usage[1] < limit[1];
    const allowed = within(this.overall, this.limits.overall) && (!isRead || within(this.read, this.limits.read));
    if (allowed) {
      this.overall[0]++;
      if (isRead) this.read[0]++;
    }
    this.overall[1]++;
    if (isRead) this.read[1]++;
    return { allowed, headers: this.headers() };
  }

  /** Current usage without counting anything (for answers that are not charged, like 401s). */
  headers(): Record<string, string> {
    this.roll();
    return {
      'X-RateLimit-Limit': this.limits.overall.join(','),
      'X-RateLimit-Usage': this.overall.join(','),
      'X-ReadRateLimit-Limit': this.limits.read.join(','),
      'X-ReadRateLimit-Usage': this.read.join(','),
    };
  }
}
