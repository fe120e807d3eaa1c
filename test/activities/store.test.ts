// Activity storage and totals over a real database, on hand-built data with known answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { latestActivityWithDistance, recentActivities, upsertActivities } from '../../shared/activities/store.js';
import { deleteAthlete, upsertConnectedAthlete } from '../../shared/athletes/store.js';
import { athleteTimeZone, ianaZone, totalsByPeriod } from '../../shared/stats/totals.js';
import type { SummaryActivity } from '../../shared/strava/types.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

let db: TestDatabase;
const ATHLETE = 42;
let nextId = 9_000_000_001;

function activity(local: string, fields: Partial<SummaryActivity> = {}): SummaryActivity {
  return {
    id: nextId++,
    athlete: { id: ATHLETE },
    name: 'Run',
    sport_type: 'Run',
    start_date: `${local}Z`,
    start_date_local: `${local}Z`,
    timezone: '(GMT+01:00) Europe/Berlin',
    distance: 10_000,
    moving_time: 3000,
    elapsed_time: 3100,
    total_elevation_gain: 50,
    ...fields,
  };
}

before(async () => {
  db = await freshDatabase();
  await upsertConnectedAthlete(db.pool, { id: ATHLETE, firstname: 'Ada', lastname: 'L', measurement_preference: 'meters' }, ['read']);
});
after(() => db.close());

test('totals by sport for week (from Monday), month, year and all time on the local calendar', async () => {
  // "Now" is Wednesday 2025-06-11 10:00 in Berlin (08:00 UTC, summer time).
  const now = new Date('2025-06-11T08:00:00Z');
  await upsertActivities(
    db.pool,
    ATHLETE,
    [
      activity('2025-06-09T00:30:00'), // Monday just after midnight: this week
      activity('2025-06-08T23:30:00'), // Sunday before: last week, this month
      activity('2025-06-10T18:00:00', { sport_type: 'Ride', distance: 40_000, moving_time: 5400, total_elevation_gain: 300 }),
      activity('2025-05-31T09:00:00'), // last month, this year
      activity('2024-12-31T23:59:00'), // last year
      activity('2025-06-11T10:30:00'), // later today in Berlin (now is 10:00 CEST): not yet counted
      activity('2025-06-10T12:00:00', { sport_type: 'WeightTraining', distance: 0, total_elevation_gain: 0 }),
    ],
    now,
  );
  const totals = await totalsByPeriod(db.pool, ATHLETE, now, 'Europe/Berlin');
  const pick = (period: keyof typeof totals, sport: string) => totals[period].find((row) => row.sportType === sport);
  assert.equal(pick('week', 'Run')?.count, 1);
  assert.equal(pick('week', 'Run')?.distance, 10_000);
  assert.equal(pick('week', 'Ride')?.count, 1);
  assert.equal(pick('week', 'Ride')?.elevationGain, 300);
  assert.equal(pick('week', 'WeightTraining')?.count, 1);
  assert.equal(pick('month', 'Run')?.count, 2);
  assert.equal(pick('year', 'Run')?.count, 3);
  assert.equal(pick('all', 'Run')?.count, 4);
  assert.equal(pick('all', 'Run')?.movingTime, 4 * 3000);
  // Sports are ordered by count within a period.
  assert.equal(totals.all[0]!.sportType, 'Run');
});

test('the athlete time zone comes from the latest activity; unknown zones fall back to UTC', async () => {
  assert.equal(await athleteTimeZone(db.pool, ATHLETE), 'Europe/Berlin');
  assert.equal(ianaZone('(GMT-08:00) America/Los_Angeles'), 'America/Los_Angeles');
  assert.equal(ianaZone('(GMT+00:00) Mars/Olympus'), 'UTC');
  assert.equal(ianaZone(null), 'UTC');
});

test('upserts are idempotent and a stale write never overwrites newer data', async () => {
  const a = activity('2025-01-01T10:00:00', { name: 'Original' });
  await upsertActivities(db.pool, ATHLETE, [a], new Date('2025-01-02T00:00:00Z'));
  await upsertActivities(db.pool, ATHLETE, [{ ...a, name: 'Newer' }], new Date('2025-01-03T00:00:00Z'));
  await upsertActivities(db.pool, ATHLETE, [{ ...a, name: 'Stale' }], new Date('2025-01-02T12:00:00Z'));
  await upsertActivities(db.pool, ATHLETE, [{ ...a, name: 'Newer' }], new Date('2025-01-03T00:00:00Z'));
  const { rows } = await db.pool.query('select name, count(*) over ()::int as n from activities where id = $1::bigint', [a.id]);
  assert.equal(rows[0].name, 'Newer');
  assert.equal(rows[0].n, 1);
});

test('an activity id cannot be taken over by another athlete', async () => {
  await upsertConnectedAthlete(db.pool, { id: 43, firstname: 'Eve' }, ['read']);
  const a = activity('2025-02-01T10:00:00', { name: 'Mine' });
  await upsertActivities(db.pool, ATHLETE, [a], new Date('2025-02-02T00:00:00Z'));
  await upsertActivities(db.pool, 43, [{ ...a, name: 'Stolen' }], new Date('2025-02-03T00:00:00Z'));
  const { rows } = await db.pool.query('select athlete_id, name from activities where id = $1::bigint', [a.id]);
  assert.deepEqual(rows[0], { athlete_id: ATHLETE, name: 'Mine' });
});

test('latest with distance skips zero-distance activities; recent is newest first', async () => {
  const latest = await latestActivityWithDistance(db.pool, ATHLETE);
  assert.ok(latest && latest.distance > 0);
  const recent = await recentActivities(db.pool, ATHLETE, 3);
  assert.equal(recent.length, 3);
  assert.ok(recent[0]!.startDate >= recent[1]!.startDate && recent[1]!.startDate >= recent[2]!.startDate);
});

test('deleting an athlete removes their tokens and activities too', async () => {
  await deleteAthlete(db.pool, ATHLETE);
  const { rows } = await db.pool.query('select count(*)::int as n from activities where athlete_id = $1::bigint', [ATHLETE]);
  assert.equal(rows[0].n, 0);
});
