// Each statistic on hand-built data with known answers, in SQL and in the in-memory reference, which must agree.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { localNow, weekStart } from '../../shared/stats/calendar.js';
import { forecast, weeksSoFar, yearRates } from '../../shared/stats/derive.js';
import { computeResultsStats, eddingtonOf, loadAllActivities, streaksOf, type MemoryActivity } from './oracle.js';
import { bestWeek, eddington, loadResultsStats, streaks } from '../../shared/stats/results.js';
import { RIDE_TYPES, RUN_TYPES } from '../../shared/stats/sports.js';
import type { SummaryActivity } from '../../shared/strava/types.js';
import { activityMaker, athleteMaker, databaseForFile } from './fixtures.js';

const act = activityMaker(1_000, { sport_type: 'Ride', moving_time: 3600, total_elevation_gain: 100 });
const db = databaseForFile();
/** A fresh athlete holding exactly these activities. */
const athleteWith = athleteMaker(() => db.pool, 500);

describe('Eddington number', () => {
  test('largest E with E days of at least E km; same-day rides add up; other sports do not count', async () => {
    // Days (km): 12, 9+3=12 (two rides), 5, 4, 4, 1 → sorted 12, 12, 5, 4, 4, 1 → E = 4 (four days ≥ 4 km, not five ≥ 5).
    const activities = [
      act('2025-03-01T08:00:00', { distance: 12_000 }),
      act('2025-03-02T08:00:00', { distance: 9_000 }),
      act('2025-03-02T18:00:00', { distance: 3_000, sport_type: 'GravelRide' }),
      act('2025-03-03T08:00:00', { distance: 5_000 }),
      act('2025-03-04T08:00:00', { distance: 4_000 }),
      act('2025-03-05T08:00:00', { distance: 4_000 }),
      act('2025-03-06T08:00:00', { distance: 1_000 }),
      act('2025-03-07T08:00:00', { distance: 50_000, sport_type: 'Run' }),
    ];
    const id = await athleteWith(activities);
    assert.equal(await eddington(db.pool, id, RIDE_TYPES, 1000, '2030-01-01T00:00:00'), 4);
    assert.equal(await eddington(db.pool, id, RUN_TYPES, 1000, '2030-01-01T00:00:00'), 1, 'one run day of 50 km: E = 1');
    // In miles: 12 km = 7.46 mi, 12 km, 5 km = 3.1 mi, 4 km = 2.49 mi … → three days ≥ 3 mi? 7.46, 7.46, 3.1 → E = 3.
    assert.equal(await eddington(db.pool, id, RIDE_TYPES, 1609.344, '2030-01-01T00:00:00'), 3);
    const memory = await loadAllActivities(db.pool, id);
    assert.equal(eddingtonOf(memory, RIDE_TYPES, 1000), 4);
    assert.equal(eddingtonOf(memory, RIDE_TYPES, 1609.344), 3);
  });

  test('no activities: zero; the day is the local one, not UTC', async () => {
    const empty = await athleteWith([]);
    assert.equal(await eddington(db.pool, empty, RIDE_TYPES, 1000, '2030-01-01T00:00:00'), 0);
    // Two rides of 1.5 km at 23:30 and 00:30 local are two days (E = 1), even though both fall on one UTC day.
    const id = await athleteWith([
      act('2025-03-01T23:30:00', { distance: 1_500, utc: '2025-03-01T22:30:00' }),
      act('2025-03-02T00:30:00', { distance: 1_500, utc: '2025-03-01T23:30:00' }),
    ]);
    assert.equal(await eddington(db.pool, id, RIDE_TYPES, 1000, '2030-01-01T00:00:00'), 1);
  });
});

describe('streaks', () => {
  const days = ['2025-01-01', '2025-01-02', '2025-01-03', '2025-01-05', '2025-01-09', '2025-01-10'];

  test('longest run of consecutive days and the current one; two activities on a day count once', async () => {
    const id = await athleteWith([...days.map((d) => act(`${d}T07:00:00`)), act('2025-01-02T19:00:00')]);
    // Today 2025-01-10 with an activity: current streak 2 (9th and 10th).
    assert.deepEqual(await streaks(db.pool, id, '2025-01-10', '2025-01-10T23:00:00'), {
      current: 2,
      longest: 3,
      longestFrom: '2025-01-01',
      longestTo: '2025-01-03',
    });
    // Tomorrow morning, before any activity: the streak is still open.
    assert.equal((await streaks(db.pool, id, '2025-01-11', '2025-01-11T06:00:00')).current, 2);
    // The day after that it is broken.
    assert.equal((await streaks(db.pool, id, '2025-01-12', '2025-01-12T06:00:00')).current, 0);
    const memory = await loadAllActivities(db.pool, id);
    assert.deepEqual(streaksOf(memory, '2025-01-10'), { current: 2, longest: 3, longestFrom: '2025-01-01', longestTo: '2025-01-03' });
    assert.equal(streaksOf(memory, '2025-01-12').current, 0);
  });

  test('a streak across a year boundary and a month boundary is one streak', async () => {
    const id = await athleteWith(['2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02'].map((d) => act(`${d}T12:00:00`)));
    const result = await streaks(db.pool, id, '2025-01-02', '2025-01-02T20:00:00');
    assert.deepEqual(result, { current: 4, longest: 4, longestFrom: '2024-12-30', longestTo: '2025-01-02' });
  });

  test('no activities: zero streaks', async () => {
    assert.deepEqual(await streaks(db.pool, await athleteWith([]), '2025-01-01', '2025-01-01T12:00:00'), {
      current: 0,
      longest: 0,
      longestFrom: null,
      longestTo: null,
    });
  });
});

describe('best week', () => {
  test('the Monday-to-Sunday local week with the most moving time', async () => {
    const id = await athleteWith([
      act('2025-02-03T08:00:00', { moving_time: 3600 }), // Mon
      act('2025-02-09T23:59:00', { moving_time: 3600 }), // Sun of the same week: 2 h
      act('2025-02-10T00:01:00', { moving_time: 5000 }), // next Monday: 1.39 h
      act('2025-02-17T08:00:00', { moving_time: 7000, distance: 1 }), // 1.94 h: less than 2 h
    ]);
    assert.deepEqual(await bestWeek(db.pool, id, '2030-01-01T00:00:00'), { weekStart: '2025-02-03', movingTime: 7200, distance: 20_000, count: 2 });
  });
});

describe('forecast and weekly average', () => {
  test('pure arithmetic: keeps the pace so far; at least one week', () => {
    assert.equal(forecast(1000, 73, 365), 5000);
    assert.equal(forecast(1000, 366, 366), 1000);
    assert.equal(forecast(0, 100, 365), 0);
    assert.equal(weeksSoFar(3), 1, 'the first days of January count as one week');
    assert.equal(weeksSoFar(70), 10);
    const [all, ride] = yearRates(
      [
        { sportType: 'Ride', count: 10, distance: 700_000, movingTime: 70 * 3600, elevationGain: 7000 },
        { sportType: 'Run', count: 5, distance: 50_000, movingTime: 5 * 3600, elevationGain: 500 },
      ],
      { dayOfYear: 70, daysInYear: 365 },
    );
    assert.equal(all!.count, 15);
    assert.equal(all!.distance, 750_000);
    assert.equal(ride!.weekly.distance, 70_000);
    assert.equal(ride!.forecast.distance, (700_000 * 365) / 70);
    assert.equal(ride!.forecast.elevationGain, (7000 * 365) / 70);
  });

  test('"now" is the athlete\u2019s local calendar: day of year, leap years, new year in one zone but not in UTC', () => {
    assert.deepEqual(localNow(new Date('2025-03-14T12:00:00Z'), 'UTC'), {
      wallClock: '2025-03-14T12:00:00',
      today: '2025-03-14',
      year: 2025,
      dayOfYear: 73,
      daysInYear: 365,
    });
    assert.equal(localNow(new Date('2024-12-31T12:00:00Z'), 'UTC').dayOfYear, 366);
    // 23:30 UTC on 31 December is already 1 January in Berlin and still 31 December in New York.
    const berlin = localNow(new Date('2024-12-31T23:30:00Z'), 'Europe/Berlin');
    assert.deepEqual([berlin.year, berlin.dayOfYear, berlin.today], [2025, 1, '2025-01-01']);
    const newYork = localNow(new Date('2024-12-31T23:30:00Z'), 'America/New_York');
    assert.deepEqual([newYork.year, newYork.dayOfYear], [2024, 366]);
    assert.equal(weekStart('2025-01-01'), '2024-12-30', 'weeks run Monday to Sunday across the new year');
  });

  test('year totals use start_date_local: an activity at 23:30 on 31 December local belongs to the old year', async () => {
    // Recorded in Tokyo: 2024-12-31 23:30 local is 14:30 UTC; in Los Angeles 2025-01-01 00:30 local is 08:30 UTC.
    const id = await athleteWith([
      act('2024-12-31T23:30:00', { utc: '2024-12-31T14:30:00', distance: 11_000, timezone: '(GMT+09:00) Asia/Tokyo' }),
      act('2025-01-01T00:30:00', { utc: '2025-01-01T08:30:00', distance: 22_000, timezone: '(GMT-08:00) America/Los_Angeles' }),
      act('2025-01-05T10:00:00', { utc: '2025-01-05T18:00:00', distance: 33_000, timezone: '(GMT-08:00) America/Los_Angeles' }),
    ]);
    // Now: 14 January 2025 noon in Los Angeles, day 14 of the year: two weeks.
    const now = new Date('2025-01-14T20:00:00Z');
    const stats = await loadResultsStats(db.pool, id, now, 'America/Los_Angeles', 'metric');
    assert.equal(stats.now.dayOfYear, 14);
    assert.deepEqual(
      stats.totals.year.map((r) => [r.sportType, r.count, r.distance]),
      [['Ride', 2, 55_000]],
    );
    const [all] = yearRates(stats.totals.year, stats.now);
    assert.equal(all!.weekly.distance, 55_000 / 2);
    assert.equal(all!.forecast.distance, (55_000 * 365) / 14);
    // The week of Monday 30 December 2024 runs to Sunday 5 January: it holds all three, across the new year.
    const week = stats.weekly.filter((w) => w.weekStart === '2024-12-30');
    assert.deepEqual(
      week.map((w) => [w.group, w.distance]),
      [['ride', 66_000]],
    );
  });
});

describe('SQL and the in-memory reference agree', () => {
  test('on a varied year of activities', async () => {
    const list: SummaryActivity[] = [];
    const sports = ['Ride', 'Run', 'Swim', 'Walk', 'WeightTraining', 'TrailRun', 'VirtualRide'];
    let seed = 7;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 400; i++) {
      const day = new Date(Date.UTC(2024, 0, 1) + Math.floor(rnd() * 560) * 86_400_000).toISOString().slice(0, 10);
      const hour = String(Math.floor(rnd() * 24)).padStart(2, '0');
      list.push(
        act(`${day}T${hour}:15:00`, {
          sport_type: sports[i % sports.length]!,
          distance: Math.round(rnd() * 60_000),
          moving_time: Math.round(rnd() * 10_000),
          total_elevation_gain: Math.round(rnd() * 900),
        }),
      );
    }
    const id = await athleteWith(list);
    const now = new Date('2025-06-20T10:00:00Z');
    for (const units of ['metric', 'imperial'] as const) {
      const sql = await loadResultsStats(db.pool, id, now, 'Europe/Berlin', units);
      const memory = computeResultsStats(await loadAllActivities(db.pool, id), now, 'Europe/Berlin', units);
      const round = (value: unknown) => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v)));
      const sortTotals = (stats: typeof sql) =>
        Object.fromEntries(Object.entries(stats.totals).map(([k, rows]) => [k, [...rows].sort((a, b) => a.sportType.localeCompare(b.sportType))]));
      assert.deepEqual(round({ ...sql, totals: sortTotals(sql) }), round({ ...memory, totals: sortTotals(memory) }));
    }
  });

  test('an activity in the future (clock skew) counts nowhere', async () => {
    const id = await athleteWith([act('2025-06-21T10:00:00', { distance: 99_000 })]);
    const stats = await loadResultsStats(db.pool, id, new Date('2025-06-20T10:00:00Z'), 'UTC', 'metric');
    assert.equal(stats.eddington.ride, 0);
    assert.equal(stats.longest, null);
    const memory: MemoryActivity[] = await loadAllActivities(db.pool, id);
    assert.equal(computeResultsStats(memory, new Date('2025-06-20T10:00:00Z'), 'UTC', 'metric').longest, null);
  });
});
