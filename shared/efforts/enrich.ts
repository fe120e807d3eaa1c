// Background enrichment: searches the athlete's history for best efforts, newest first, free sources before paid ones, inside the lowest share of the Strava budget.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ensureStreams, StreamsUnavailableError, type Streams } from '../activities/index.js';
import { withTransaction } from '../db/index.js';
import type { Logger } from '../log.js';
import { createStravaBudget, type BudgetPolicy, type StravaBudget } from '../strava/index.js';
import type { StravaClient } from '../strava/index.js';
import { causedByInactiveApplication, StravaRateLimitError } from '../strava/index.js';
import type { TokenCipher } from '../tokens/index.js';
import { effortsFromDetail, effortsFromStreams, type Effort } from './compute.js';
import { ELIGIBLE, saveActivityEfforts, sportOfType, type ScanSource } from './store.js';

/**
 * The enrichment's share of Strava's limits, in percent: below the 70% / 80% imports and live events stop at, so
 * whatever the enrichment spends, they always have room left, and the rest above that stays for sign-ins and pages.
 */
export const ENRICHMENT_POLICY: BudgetPolicy = Object.freeze({ backgroundPercent15: 50, backgroundPercentDaily: 60 });

export interface EnrichmentDeps {
  pool: pg.Pool;
  strava: StravaClient;
  cipher: TokenCipher;
  log: Logger;
  /** The shared budget: its clock, and the row every instance counts in. */
  budget: StravaBudget;
  config: { strava: { clientId: string } };
  /** The enrichment's own, lower view of the same budget (made from `budget` when not given). */
  enrichmentBudget?: StravaBudget;
}

export interface EnrichmentOptions {
  /** No new Strava request starts after this (epoch ms). */
  deadlineAt: number;
  /** Activities searched per database round in the free pass. */
  batchSize?: number;
  clock?: () => number;
  /** How long one run may hold an athlete before another may take over (a crashed holder's lease runs out). */
  leaseMs?: number;
}

export interface EnrichmentSummary {
  /** Activities searched from what was already stored (no Strava request). */
  fromStored: number;
  /** Activities whose streams were fetched from Strava for this. */
  fetched: number;
  /** Set when the budget (or Strava) said stop: when it may go on. */
  pausedUntil?: Date;
  /** Why the paid pass did not run at all. */
  skipped?: 'imports_first' | 'paused';
}

export function createEnrichmentBudget(deps: Pick<EnrichmentDeps, 'pool' | 'log' | 'budget' | 'config'>): StravaBudget {
  return createStravaBudget({ pool: deps.pool, clientId: deps.config.strava.clientId, log: deps.log, now: () => deps.budget.now(), policy: ENRICHMENT_POLICY });
}

/** What one activity holds, from Strava's detail (runs) or its streams; undefined when neither is stored. */
function effortsOf(sportType: string, raw: unknown, streams: Streams | null): { source: ScanSource; efforts: Effort[] } | undefined {
  const sport = sportOfType(sportType);
  if (!sport) return { source: 'none', efforts: [] };
  // Strava's own word for a run wins, when its detail carried one with efforts in it.
  const fromDetail = sport === 'run' ? effortsFromDetail(raw) : undefined;
  if (fromDetail && fromDetail.length > 0) return { source: 'strava', efforts: fromDetail };
  if (streams) {
    const efforts = effortsFromStreams(streams, sport);
    return { source: efforts.length > 0 || streams.time ? 'streams' : 'none', efforts };
  }
  if (fromDetail) return { source: 'strava', efforts: [] };
  return undefined;
}

/**
 * Searches one athlete's unsearched activities that already have a detail or streams stored (all of them, or the one
 * given): no Strava request.
 */
export async function searchStored(pool: pg.Pool, athleteId: number, limit: number, activityId?: number): Promise<number> {
  const { rows } = await pool.query<{ id: number; sportType: string; raw: unknown; streams: Streams | null }>(
    `select a.id, a.sport_type as "sportType", jsonb_build_object('best_efforts', a.raw->'best_efforts') as raw, s.streams
     from activities a
     left join activity_streams s on s.activity_id = a.id
     where ${ELIGIBLE} and ($3::bigint is null or a.id = $3::bigint)
       and not exists (select 1 from effort_scans sc where sc.activity_id = a.id)
       and (a.raw ? 'best_efforts' or s.activity_id is not null)
     order by a.start_date_local desc
     limit $2::integer`,
    [athleteId, limit, activityId ?? null],
  );
  for (const row of rows) {
    const found = effortsOf(row.sportType, row.raw, row.streams);
    if (found) await saveActivityEfforts(pool, athleteId, Number(row.id), found.efforts, found.source);
  }
  return rows.length;
}

/**
 * Searches one activity whose streams were just fetched and kept (the activity page asked for them): its best efforts
 * show at once, and the enrichment will not pay for it again.
 */
export async function searchFetchedStreams(pool: pg.Pool, athleteId: number, activityId: number): Promise<void> {
  await searchStored(pool, athleteId, 1, activityId);
}

/** Searches one activity whose detail the event processor just stored (the live path; costs nothing more). */
export async function searchDetail(
  db: pg.Pool | pg.PoolClient,
  athleteId: number,
  activity: { id: number; sport_type?: string; type?: string; [k: string]: unknown },
): Promise<void> {
  const sportType = activity.sport_type ?? activity.type ?? '';
  if (sportOfType(sportType) !== 'run') return;
  const efforts = effortsFromDetail(activity);
  if (efforts === undefined) return;
  await saveActivityEfforts(db, athleteId, activity.id, efforts, 'strava');
}

async function claim(pool: pg.Pool, athleteId: number, now: Date, leaseMs: number): Promise<string | undefined> {
  const id = randomUUID();
  await pool.query('insert into effort_enrichment (athlete_id) values ($1::bigint) on conflict do nothing', [athleteId]);
  const { rowCount } = await pool.query(
    `update effort_enrichment set claim_id = $2::uuid, claimed_until = $3::timestamptz + make_interval(secs => $4::float8 / 1000), updated_at = now()
     where athlete_id = $1::bigint and (claimed_until is null or claimed_until < $3::timestamptz)
       and (next_attempt_at is null or next_attempt_at <= $3::timestamptz)`,
    [athleteId, id, now, leaseMs],
  );
  return rowCount === 1 ? id : undefined;
}

async function release(pool: pg.Pool, athleteId: number, claimId: string, fields: { nextAttemptAt?: Date | null; error?: string | null }): Promise<void> {
  await pool.query(
    `update effort_enrichment set claim_id = null, claimed_until = null,
       next_attempt_at = case when $3::boolean then $4::timestamptz else next_attempt_at end,
       last_error = case when $5::boolean then $6::text else last_error end, updated_at = now()
     where athlete_id = $1::bigint and claim_id = $2::uuid`,
    [athleteId, claimId, fields.nextAttemptAt !== undefined, fields.nextAttemptAt ?? null, fields.error !== undefined, fields.error ?? null],
  );
}

/** The newest activity of the athlete still to search that has nothing stored to search it with. */
async function nextToFetch(pool: pg.Pool, athleteId: number): Promise<{ id: number; sportType: string } | undefined> {
  const { rows } = await pool.query<{ id: number; sportType: string }>(
    `select a.id, a.sport_type as "sportType" from activities a
     where ${ELIGIBLE} and a.id > 0
       and not exists (select 1 from effort_scans sc where sc.activity_id = a.id)
       and not exists (select 1 from activity_streams s where s.activity_id = a.id)
     order by a.start_date_local desc limit 1`,
    [athleteId],
  );
  return rows[0] ? { id: Number(rows[0].id), sportType: rows[0].sportType } : undefined;
}

/**
 * One run of the enrichment (update_tokens calls it after tokens, imports and deferred events). First every athlete's
 * activities that can be searched from stored details and streams (free); then, while no history import is waiting to
 * run and the enrichment's share allows, one Strava streams request per activity, newest first. Every activity's
 * streams are stored (the activity page reuses them) before its efforts, and each step commits on its own, so a crash
 * at any point loses at most the request in flight and the next run carries on from the next unsearched activity.
 */
export async function runEnrichment(deps: EnrichmentDeps, options: EnrichmentOptions): Promise<EnrichmentSummary> {
  const clock = options.clock ?? Date.now;
  const batch = options.batchSize ?? 200;
  const budget = deps.enrichmentBudget ?? createEnrichmentBudget(deps);
  const summary: EnrichmentSummary = { fromStored: 0, fetched: 0 };
  const { rows: athletes } = await deps.pool.query<{ id: number }>(`select id from athletes where status = 'connected' order by id`);

  for (const { id } of athletes) {
    for (;;) {
      const n = await searchStored(deps.pool, Number(id), batch);
      summary.fromStored += n;
      if (n < batch || clock() >= options.deadlineAt) break;
    }
  }

  // Imports come first: while one has work to do now, the enrichment spends nothing.
  const { rows: busy } = await deps.pool.query(`select 1 from imports where status in ('pending', 'running') limit 1`);
  if (busy.length > 0) return { ...summary, skipped: 'imports_first' };

  for (const { id } of athletes) {
    const athleteId = Number(id);
    if (clock() >= options.deadlineAt) break;
    const claimId = await claim(deps.pool, athleteId, budget.now(), options.leaseMs ?? 10 * 60_000);
    if (!claimId) continue;
    let stopAll: Date | undefined;
    let error: string | null = null;
    try {
      while (clock() < options.deadlineAt) {
        const next = await nextToFetch(deps.pool, athleteId);
        if (!next) break;
        const granted = await budget.reserveBackground();
        if (!granted.granted) {
          stopAll = granted.retryAt;
          break;
        }
        let streams: Streams;
        try {
          // Without the live search's hook: the enrichment saves what it finds itself, below.
          streams = await ensureStreams({ pool: deps.pool, strava: deps.strava, cipher: deps.cipher, log: deps.log }, athleteId, next.id);
        } catch (failure) {
          const cause = failure instanceof StreamsUnavailableError ? failure.cause : failure;
          if (cause instanceof StravaRateLimitError) stopAll = deps.budget.resumeAfterRateLimit(cause.usage);
          else if (causedByInactiveApplication(cause)) stopAll = new Date(budget.now().getTime() + 15 * 60_000);
          else error = failure instanceof Error ? failure.message : String(failure);
          break;
        }
        summary.fetched++;
        await deps.pool.query('update effort_enrichment set fetched = fetched + 1 where athlete_id = $1::bigint', [athleteId]);
        const found = effortsOf(next.sportType, null, streams) ?? { source: 'none' as const, efforts: [] };
        await withTransaction(deps.pool, (client) => saveActivityEfforts(client, athleteId, next.id, found.efforts, found.source));
      }
    } finally {
      await release(deps.pool, athleteId, claimId, { ...(stopAll ? { nextAttemptAt: stopAll } : {}), error });
    }
    if (stopAll) {
      // The budget is shared: every other athlete would be refused too.
      summary.pausedUntil = stopAll;
      await deps.pool.query('update effort_enrichment set next_attempt_at = greatest(coalesce(next_attempt_at, $1::timestamptz), $1::timestamptz)', [stopAll]);
      break;
    }
  }
  if (summary.fromStored > 0 || summary.fetched > 0 || summary.pausedUntil) deps.log.info('Best efforts enrichment ran', { ...summary });
  return summary;
}
