// How many activities the whole history holds, estimated from Strava's athlete stats while the import runs.
import { RIDE_TYPES, RUN_TYPES } from '../stats/index.js';

/**
 * The sport types Strava's all-time totals count, by their buckets (rides, runs, swims); every other sport (walks,
 * hikes, workouts…) is left out of them, as are activities not visible to Everyone.
 */
export const STATS_COUNTED_SPORTS: readonly string[] = [...RIDE_TYPES, ...RUN_TYPES, 'Swim'];

/** Below this many counted activities imported, their share says too little to scale the total by. */
export const MIN_SAMPLE = 20;

export interface EstimateInput {
  /** Runs, rides and swims in Strava's all-time totals; null when Strava was not asked or could not say. */
  statsCount: number | null;
  /** Activities imported so far (newest back to where the import has reached). */
  imported: number;
  /** Of those, the ones Strava's totals count: a run, ride or swim visible to Everyone. */
  importedCounted: number;
}

/**
 * The whole history's size, "about": Strava's count scaled by how many activities each counted one stands for in what
 * is already in (an athlete who also walks, or keeps some runs private, has more than Strava's totals say). Rounded
 * to tens from 200 up, so it does not read as exact. Undefined when there is nothing to go on, or when the import
 * has already passed it (the page then says how many so far, not "1,210 of about 1,180").
 */
export function estimateTotal(input: EstimateInput): number | undefined {
  const { statsCount, imported, importedCounted } = input;
  if (statsCount === null || statsCount <= 0) return undefined;
  const perCounted = importedCounted >= MIN_SAMPLE ? imported / importedCounted : 1;
  const raw = statsCount * perCounted;
  const estimate = raw >= 200 ? Math.round(raw / 10) * 10 : Math.round(raw);
  return estimate > imported ? estimate : undefined;
}

/** Runs, rides and swims across Strava's all-time totals. */
export function statsCountOf(stats: {
  all_ride_totals?: { count?: unknown };
  all_run_totals?: { count?: unknown };
  all_swim_totals?: { count?: unknown };
}): number | null {
  const counts = [stats.all_ride_totals, stats.all_run_totals, stats.all_swim_totals].map((total) => total?.count);
  // An answer without the three counts (or with nonsense in them) is no estimate at all.
  if (!counts.every((count): count is number => typeof count === 'number' && Number.isSafeInteger(count) && count >= 0)) return null;
  return counts.reduce((sum, count) => sum + count, 0);
}
