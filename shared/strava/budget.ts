// The Strava rate-limit budget every instance shares through Postgres: usage seen on answers, and a background quota.
import type { Queryable } from '../db/index.js';
import type { Logger } from '../log.js';
import type { RateLimitUsage } from './types.js';

export const QUARTER_HOUR_MS = 15 * 60_000;
export const DAY_MS = 24 * 60 * 60_000;

/** Strava's documented defaults, assumed until the first answer states the application's real limits. */
export const DOCUMENTED_LIMITS = { overall: { limit15: 200, limitDaily: 2000 }, read: { limit15: 100, limitDaily: 1000 } } as const;

/**
 * Background work (history imports) may use this share of each limit, in percent. The rest is headroom for what
 * an athlete is waiting on (sign-in, pages): a 15-minute window refills soon, so it gets the larger reserve.
 */
export interface BudgetPolicy {
  backgroundPercent15: number;
  backgroundPercentDaily: number;
}

export const DEFAULT_BUDGET_POLICY: BudgetPolicy = Object.freeze({ backgroundPercent15: 70, backgroundPercentDaily: 80 });

export type Reservation =
  | { granted: true }
  /** Not now: `retryAt` is when the window that ran out resets. */
  | { granted: false; limit: 'fifteen_minute' | 'daily'; retryAt: Date };

export interface BudgetSnapshot {
  windowStart: Date;
  dayStart: Date;
  usage15: number;
  usageDaily: number;
  readUsage15: number;
  readUsageDaily: number;
  limit15: number | null;
  limitDaily: number | null;
  readLimit15: number | null;
  readLimitDaily: number | null;
  observedAt: Date | null;
}

export interface StravaBudget {
  /** Remembers the usage Strava reported (the client's `onRateLimit`). Never waits: writes are coalesced. */
  observe(usage: RateLimitUsage): void;
  /** Resolves once every observation so far is written. */
  flush(): Promise<void>;
  /**
   * Takes one background request from the shared quota, atomically across instances, or says when to come back.
   * Call it right before each background request.
   */
  reserveBackground(): Promise<Reservation>;
  /** The same decision without taking anything (for deciding whether to start work at all). */
  checkBackground(): Promise<Reservation>;
  /** When background work may go on after Strava answered 429 with this usage. */
  resumeAfterRateLimit(usage: RateLimitUsage | undefined): Date;
  snapshot(): Promise<BudgetSnapshot | undefined>;
  /** The clock windows are cut with (injectable, so tests can move past a reset). */
  now(): Date;
}

export interface StravaBudgetOptions {
  pool: Queryable;
  /** One budget per Strava API application. */
  clientId: string;
  log: Logger;
  now?: () => Date;
  policy?: Partial<BudgetPolicy>;
}

export function windowStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS);
}

export function dayStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

interface Observation {
  windowStart: number;
  dayStart: number;
  usage: RateLimitUsage;
  observedAt: Date;
}

interface BudgetRow {
  window_start: Date;
  day_start: Date;
  usage_15: number;
  usage_day: number;
  read_usage_15: number;
  read_usage_day: number;
  limit_15: number | null;
  limit_day: number | null;
  read_limit_15: number | null;
  read_limit_day: number | null;
  observed_at: Date | null;
}

const cap = (limit: number | null, fallback: number, percent: number): number => Math.floor(((limit ?? fallback) * percent) / 100);

/** The policy's decision for a row at an instant; pure, so the SQL reservation and the explanation agree. */
export function evaluateBudget(row: BudgetRow | undefined, at: Date, policy: BudgetPolicy): Reservation {
  if (!row) return { granted: true };
  const w = windowStart(at).getTime();
  const d = dayStart(at).getTime();
  const same15 = row.window_start.getTime() >= w;
  const sameDay = row.day_start.getTime() >= d;
  const p15 = policy.backgroundPercent15;
  const pDay = policy.backgroundPercentDaily;
  const dailyOut =
    sameDay &&
    (row.usage_day >= cap(row.limit_day, DOCUMENTED_LIMITS.overall.limitDaily, pDay) ||
      row.read_usage_day >= cap(row.read_limit_day, DOCUMENTED_LIMITS.read.limitDaily, pDay));
  if (dailyOut) return { granted: false, limit: 'daily', retryAt: new Date(Math.max(row.day_start.getTime(), d) + DAY_MS) };
  const quarterOut =
    same15 &&
    (row.usage_15 >= cap(row.limit_15, DOCUMENTED_LIMITS.overall.limit15, p15) ||
      row.read_usage_15 >= cap(row.read_limit_15, DOCUMENTED_LIMITS.read.limit15, p15));
  if (quarterOut) return { granted: false, limit: 'fifteen_minute', retryAt: new Date(Math.max(row.window_start.getTime(), w) + QUARTER_HOUR_MS) };
  return { granted: true };
}

const ROW_COLUMNS = `window_start, day_start, usage_15, usage_day, read_usage_15, read_usage_day,
  limit_15, limit_day, read_limit_15, read_limit_day, observed_at`;

/** The budget as it stands at one instant, for people to read (the admin page). */
export interface BudgetUsageNow extends Omit<BudgetSnapshot, 'limit15' | 'limitDaily' | 'readLimit15' | 'readLimitDaily'> {
  limit15: number;
  limitDaily: number;
  readLimit15: number;
  readLimitDaily: number;
  /** True while no answer has stated the application's own limits and Strava's documented defaults stand in. */
  assumedLimits: boolean;
}

function toSnapshot(row: BudgetRow): BudgetSnapshot {
  return {
    windowStart: row.window_start,
    dayStart: row.day_start,
    usage15: row.usage_15,
    usageDaily: row.usage_day,
    readUsage15: row.read_usage_15,
    readUsageDaily: row.read_usage_day,
    limit15: row.limit_15,
    limitDaily: row.limit_day,
    readLimit15: row.read_limit_15,
    readLimitDaily: row.read_limit_day,
    observedAt: row.observed_at,
  };
}

/**
 * Usage in the quarter hour and the UTC day containing `at`: a window that has reset since the last figures counts as
 * zero, as Strava counts it. Undefined when no Strava answer has been recorded for this application yet.
 */
export async function readBudgetUsage(db: Queryable, clientId: string, at: Date): Promise<BudgetUsageNow | undefined> {
  const { rows } = await db.query<BudgetRow>(`select ${ROW_COLUMNS} from strava_budget where client_id = $1::text`, [clientId]);
  if (!rows[0]) return undefined;
  const seen = toSnapshot(rows[0]);
  const w = windowStart(at);
  const d = dayStart(at);
  const same15 = seen.windowStart.getTime() >= w.getTime();
  const sameDay = seen.dayStart.getTime() >= d.getTime();
  return {
    windowStart: w,
    dayStart: d,
    usage15: same15 ? seen.usage15 : 0,
    usageDaily: sameDay ? seen.usageDaily : 0,
    readUsage15: same15 ? seen.readUsage15 : 0,
    readUsageDaily: sameDay ? seen.readUsageDaily : 0,
    limit15: seen.limit15 ?? DOCUMENTED_LIMITS.overall.limit15,
    limitDaily: seen.limitDaily ?? DOCUMENTED_LIMITS.overall.limitDaily,
    readLimit15: seen.readLimit15 ?? DOCUMENTED_LIMITS.read.limit15,
    readLimitDaily: seen.readLimitDaily ?? DOCUMENTED_LIMITS.read.limitDaily,
    assumedLimits: seen.limit15 === null || seen.limitDaily === null,
    observedAt: seen.observedAt,
  };
}

export function createStravaBudget(options: StravaBudgetOptions): StravaBudget {
  const { pool, clientId, log } = options;
  const now = options.now ?? (() => new Date());
  const policy: BudgetPolicy = { ...DEFAULT_BUDGET_POLICY, ...options.policy };

  // Observations waiting to be written: only the highest per window matters, so a burst becomes one write.
  let pending: Observation | undefined;
  let writing: Promise<void> | undefined;
  let lastWritten: Observation | undefined;

  function newer(a: Observation, b: Observation | undefined): boolean {
    if (!b) return true;
    if (a.windowStart !== b.windowStart) return a.windowStart > b.windowStart;
    const ua = a.usage;
    const ub = b.usage;
    return (
      ua.overall.usage15 > ub.overall.usage15 ||
      ua.overall.usageDaily > ub.overall.usageDaily ||
      (ua.read?.usage15 ?? 0) > (ub.read?.usage15 ?? 0) ||
      (ua.read?.usageDaily ?? 0) > (ub.read?.usageDaily ?? 0) ||
      ua.overall.limit15 !== ub.overall.limit15 ||
      ua.overall.limitDaily !== ub.overall.limitDaily
    );
  }

  /** Within one window the highest figures win (answers arrive out of order); a later window replaces an earlier. */
  function merge(a: Observation | undefined, b: Observation): Observation {
    if (!a || b.windowStart > a.windowStart) return b;
    if (b.windowStart < a.windowStart) return a;
    const max = (x: { usage15: number; usageDaily: number } | undefined, y: typeof x) =>
      x && y ? { usage15: Math.max(x.usage15, y.usage15), usageDaily: Math.max(x.usageDaily, y.usageDaily) } : (y ?? x);
    const overall = { ...b.usage.overall, ...max(a.usage.overall, b.usage.overall)! };
    const read = (b.usage.read ?? a.usage.read) ? { ...(b.usage.read ?? a.usage.read)!, ...max(a.usage.read, b.usage.read)! } : undefined;
    return { ...b, usage: { ...b.usage, overall, read } };
  }

  /** A usage column as merge() sees it: a later window's figure replaces, within one window the highest wins. */
  function newerWindowWins(column: string, window: 'window_start' | 'day_start'): string {
    return `case when excluded.${window} > b.${window} then excluded.${column}
                 when excluded.${window} = b.${window} then greatest(b.${column}, excluded.${column})
                 else b.${column} end`;
  }

  async function write(o: Observation): Promise<void> {
    const { overall, read } = o.usage;
    await pool.query(
      `insert into strava_budget as b (client_id, window_start, day_start, usage_15, usage_day, read_usage_15, read_usage_day,
         limit_15, limit_day, read_limit_15, read_limit_day, observed_at)
       values ($1::text, $2::timestamptz, $3::timestamptz, $4::integer, $5::integer, $6::integer, $7::integer,
         $8::integer, $9::integer, $10::integer, $11::integer, $12::timestamptz)
       on conflict (client_id) do update set
         usage_15 = ${newerWindowWins('usage_15', 'window_start')},
         read_usage_15 = ${newerWindowWins('read_usage_15', 'window_start')},
         usage_day = ${newerWindowWins('usage_day', 'day_start')},
         read_usage_day = ${newerWindowWins('read_usage_day', 'day_start')},
         window_start = greatest(b.window_start, excluded.window_start),
         day_start = greatest(b.day_start, excluded.day_start),
         limit_15 = excluded.limit_15,
         limit_day = excluded.limit_day,
         read_limit_15 = coalesce(excluded.read_limit_15, b.read_limit_15),
         read_limit_day = coalesce(excluded.read_limit_day, b.read_limit_day),
         observed_at = greatest(b.observed_at, excluded.observed_at),
         updated_at = now()`,
      [
        clientId,
        new Date(o.windowStart),
        new Date(o.dayStart),
        overall.usage15,
        overall.usageDaily,
        read?.usage15 ?? 0,
        read?.usageDaily ?? 0,
        overall.limit15,
        overall.limitDaily,
        read?.limit15 ?? null,
        read?.limitDaily ?? null,
        o.observedAt,
      ],
    );
  }

  async function drain(): Promise<void> {
    while (pending) {
      const next = pending;
      pending = undefined;
      // Nothing new since the last write from this instance: the stored row (greatest wins) already has it.
      if (!newer(next, lastWritten)) continue;
      try {
        await write(next);
        lastWritten = next;
      } catch (error) {
        // Losing one observation only makes the budget slightly optimistic until the next answer; never fail the call.
        log.warn('Could not record Strava rate-limit usage', { error });
      }
    }
  }

  async function readRow(): Promise<BudgetRow | undefined> {
    const { rows } = await pool.query<BudgetRow>(`select ${ROW_COLUMNS} from strava_budget where client_id = $1::text`, [clientId]);
    return rows[0];
  }

  async function tryReserve(at: Date): Promise<boolean> {
    // Every expression reads the row as it was before this update, and the row lock serialises instances:
    // two instances can never both take the last request of a window.
    const { rowCount } = await pool.query(
      `update strava_budget set
         usage_15 = (case when window_start >= $2::timestamptz then usage_15 else 0 end) + 1,
         read_usage_15 = (case when window_start >= $2::timestamptz then read_usage_15 else 0 end) + 1,
         usage_day = (case when day_start >= $3::timestamptz then usage_day else 0 end) + 1,
         read_usage_day = (case when day_start >= $3::timestamptz then read_usage_day else 0 end) + 1,
         window_start = greatest(window_start, $2::timestamptz),
         day_start = greatest(day_start, $3::timestamptz),
         updated_at = now()
       where client_id = $1::text
         and (case when window_start >= $2::timestamptz then usage_15 else 0 end)
               < coalesce(limit_15, $4::integer) * $8::integer / 100
         and (case when window_start >= $2::timestamptz then read_usage_15 else 0 end)
               < coalesce(read_limit_15, $5::integer) * $8::integer / 100
         and (case when day_start >= $3::timestamptz then usage_day else 0 end)
               < coalesce(limit_day, $6::integer) * $9::integer / 100
         and (case when day_start >= $3::timestamptz then read_usage_day else 0 end)
               < coalesce(read_limit_day, $7::integer) * $9::integer / 100`,
      [
        clientId,
        windowStart(at),
        dayStart(at),
        DOCUMENTED_LIMITS.overall.limit15,
        DOCUMENTED_LIMITS.read.limit15,
        DOCUMENTED_LIMITS.overall.limitDaily,
        DOCUMENTED_LIMITS.read.limitDaily,
        policy.backgroundPercent15,
        policy.backgroundPercentDaily,
      ],
    );
    return rowCount === 1;
  }

  return {
    observe(usage) {
      const at = now();
      const observation: Observation = { windowStart: windowStart(at).getTime(), dayStart: dayStart(at).getTime(), usage, observedAt: at };
      pending = merge(pending, observation);
      writing ??= drain().finally(() => {
        writing = undefined;
      });
    },

    async flush() {
      while (writing) await writing;
    },

    async reserveBackground() {
      const at = now();
      // Observations still in flight from this instance first: they may be what closes the window.
      while (writing) await writing;
      if (await tryReserve(at)) return { granted: true };
      const row = await readRow();
      if (!row) {
        // First use for this application: start the row at zero, then take from it as usual.
        await pool.query(
          `insert into strava_budget (client_id, window_start, day_start) values ($1::text, $2::timestamptz, $3::timestamptz)
           on conflict (client_id) do nothing`,
          [clientId, windowStart(at), dayStart(at)],
        );
        if (await tryReserve(at)) return { granted: true };
      }
      const decision = evaluateBudget(row ?? (await readRow()), at, policy);
      // The update refused, so the quota is spent even if a concurrent reset makes the row look open now: try next window.
      return decision.granted ? { granted: false, limit: 'fifteen_minute', retryAt: new Date(windowStart(at).getTime() + QUARTER_HOUR_MS) } : decision;
    },

    async checkBackground() {
      while (writing) await writing;
      return evaluateBudget(await readRow(), now(), policy);
    },

    resumeAfterRateLimit(usage) {
      const at = now();
      const dailyOut =
        usage !== undefined &&
        (usage.overall.usageDaily >= usage.overall.limitDaily || (usage.read !== undefined && usage.read.usageDaily >= usage.read.limitDaily));
      return dailyOut ? new Date(dayStart(at).getTime() + DAY_MS) : new Date(windowStart(at).getTime() + QUARTER_HOUR_MS);
    },

    async snapshot() {
      const row = await readRow();
      return row ? toSnapshot(row) : undefined;
    },

    now,
  };
}
