// Hand-built activities and the athletes holding them, for the statistics tests (one copy for every stats test file).
import { after, before } from 'node:test';
import type pg from 'pg';
import { upsertActivities } from '../../shared/activities/store.js';
import { upsertConnectedAthlete } from '../../shared/athletes/store.js';
import type { SummaryActivity } from '../../shared/strava/types.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

export type ActivityFields = Partial<SummaryActivity> & { utc?: string };

/** Makes activities on a local date-time with ids counting up from `firstId`; `defaults` set what each file's tests assume. */
export function activityMaker(firstId: number, defaults: Partial<SummaryActivity>): (local: string, fields?: ActivityFields) => SummaryActivity {
  let nextId = firstId;
  return (local, fields = {}) => {
    const { utc, ...rest } = fields;
    return {
      id: nextId++,
      athlete: { id: 0 },
      name: 'A',
      start_date: `${utc ?? local}Z`,
      start_date_local: `${local}Z`,
      timezone: '(GMT+01:00) Europe/Berlin',
      distance: 10_000,
      ...defaults,
      ...rest,
    } as SummaryActivity;
  };
}

/** A fresh athlete (ids counting up from `firstAthlete`) holding exactly the given activities. */
export function athleteMaker(pool: () => pg.Pool, firstAthlete: number): (activities: SummaryActivity[]) => Promise<number> {
  let nextAthlete = firstAthlete;
  return async (activities) => {
    const id = nextAthlete++;
    await upsertConnectedAthlete(pool(), { id, firstname: 'T' }, ['read']);
    await upsertActivities(
      pool(),
      id,
      activities.map((a) => ({ ...a, athlete: { id } })),
      new Date(),
    );
    return id;
  };
}

/** The test file's database: made before its tests, closed after them. */
export function databaseForFile(): { readonly pool: pg.Pool } {
  let db: TestDatabase | undefined;
  before(async () => {
    db = await freshDatabase();
  });
  after(() => db?.close());
  return {
    get pool() {
      if (!db) throw new Error('the database is made in before()');
      return db.pool;
    },
  };
}

/**
 * The training tests' file setup: its database, a one-hour run with 50 m of climbing to vary per activity, and fresh
 * athletes holding exactly the activities given (goals, gear, best efforts and the training figures share it).
 */
export function trainingFixtures() {
  const db = databaseForFile();
  return {
    db,
    act: activityMaker(50_000, { sport_type: 'Run', moving_time: 3000, total_elevation_gain: 50 }),
    athleteWith: athleteMaker(() => db.pool, 700),
  };
}
