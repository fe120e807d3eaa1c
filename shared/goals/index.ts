// Yearly goals per sport: the public face (the only writer of goals) and where the athlete stands against one.
import type { Queryable } from '../db/index.js';
import type { LocalNow } from '../stats/index.js';
import { SPORT_FILTERS, type SportFilter, type Totals } from '../stats/index.js';

export type GoalMetric = 'distance' | 'time' | 'elevation';
export const GOAL_METRICS: readonly GoalMetric[] = ['distance', 'time', 'elevation'];

export interface Goal {
  sportGroup: SportFilter;
  metric: GoalMetric;
  /** Metres, seconds or metres of climbing. */
  target: number;
}

export async function listGoals(db: Queryable, athleteId: number): Promise<Goal[]> {
  const { rows } = await db.query<Goal>(`select sport_group as "sportGroup", metric, target from goals where athlete_id = $1::bigint`, [athleteId]);
  return rows.sort((a, b) => SPORT_FILTERS.indexOf(a.sportGroup) - SPORT_FILTERS.indexOf(b.sportGroup));
}

/** Sets (or, with no target, removes) the athlete's goal for a sport group. */
export async function setGoal(db: Queryable, athleteId: number, sportGroup: SportFilter, goal: { metric: GoalMetric; target: number } | null): Promise<void> {
  if (!goal) {
    await db.query('delete from goals where athlete_id = $1::bigint and sport_group = $2::text', [athleteId, sportGroup]);
    return;
  }
  await db.query(
    `insert into goals (athlete_id, sport_group, metric, target) values ($1::bigint, $2::text, $3::text, $4::float8)
     on conflict (athlete_id, sport_group) do update set metric = excluded.metric, target = excluded.target, updated_at = now()`,
    [athleteId, sportGroup, goal.metric, goal.target],
  );
}

export interface GoalProgress extends Goal {
  done: number;
  /** done ÷ target, 0 to any (over 1 once reached). */
  fraction: number;
  /** Where an even pace through the year puts the athlete by the end of today. */
  expected: number;
  /** done − expected: ahead when positive. */
  ahead: number;
  /** What each week from today to 31 December must bring to make it; 0 once reached. */
  neededPerWeek: number;
  daysLeft: number;
  reached: boolean;
}

export const measureOf = (totals: Totals, metric: GoalMetric): number =>
  metric === 'distance' ? totals.distance : metric === 'time' ? totals.movingTime : totals.elevationGain;

/**
 * Pure arithmetic on the local calendar: today counts as a day gone for "where you should be" (as the forecast counts
 * it) and as a day left for "needed per week" (it is not over), so on 31 December the remainder is due in that day.
 */
export function goalProgress(goal: Goal, done: number, now: Pick<LocalNow, 'dayOfYear' | 'daysInYear'>): GoalProgress {
  const expected = (goal.target * now.dayOfYear) / now.daysInYear;
  const daysLeft = now.daysInYear - now.dayOfYear + 1;
  const remaining = Math.max(0, goal.target - done);
  return {
    ...goal,
    done,
    fraction: done / goal.target,
    expected,
    ahead: done - expected,
    neededPerWeek: remaining / (daysLeft / 7),
    daysLeft,
    reached: done >= goal.target,
  };
}
