// The training figures on hand-built activities with known answers (year over year, calendar, per-sport, charts), and SQL against the in-memory reference on random data
// (goals, gear and best efforts have their own capabilities' tests).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadTrainingFigures, type TrainingFigures } from '../../app/routes/training.js';
import { saveActivityEfforts } from '../../shared/efforts/index.js';
import { saveProfileGear } from '../../shared/gear/index.js';
import { setGoal } from '../../shared/goals/index.js';
import { localNow } from '../../shared/stats/calendar.js';
import { heatGrid, seriesChart, yearLinesChart } from '../../shared/stats/training-charts.js';
import {
  calendarStart,
  dailyVolume,
  sportFigures,
  SPORT_FILTERS,
  type SportFilter,
  yearOverYear,
  yearOverYearStart,
  yearTotalsByGroup,
} from '../../shared/stats/training.js';
import type { SummaryActivity } from '../../shared/strava/types.js';
import { trainingFixtures } from './fixtures.js';
import { computeTrainingFigures, loadEverything } from './training-oracle.js';

const { act, db, athleteWith } = trainingFixtures();

describe('this year against earlier years', () => {
  test('a day belongs to its local year; day numbers follow each year\u2019s own calendar; today ends the current line', async () => {
    const id = await athleteWith([
      act('2024-02-29T09:00:00', { distance: 1_000 }), // day 60 of 2024
      act('2024-12-31T23:30:00', { distance: 2_000 }), // day 366 of 2024
      act('2025-01-01T00:30:00', { distance: 4_000 }), // day 1 of 2025
      act('2025-03-01T09:00:00', { distance: 8_000 }), // day 60 of 2025
      act('2025-03-10T09:00:00', { distance: 16_000 }), // in the future of "now"
      act('2018-06-01T09:00:00', { distance: 99_000 }), // more than five years back
    ]);
    const days = (filter: SportFilter) => dailyVolume(db.pool, id, filter, yearOverYearStart(2025), '2025-03-06T12:00:00');
    const lines = yearOverYear(await days('run'), { metric: 'distance', year: 2025, dayOfYear: 65 });
    assert.deepEqual(
      lines.map((l) => [l.year, l.cumulative.length]),
      [
        [2024, 366],
        [2025, 65],
      ],
    );
    const [y2024, y2025] = lines;
    assert.deepEqual([y2024!.cumulative[58], y2024!.cumulative[59], y2024!.cumulative[364], y2024!.cumulative[365]], [0, 1_000, 1_000, 3_000]);
    assert.deepEqual([y2025!.cumulative[0], y2025!.cumulative[58], y2025!.cumulative[59], y2025!.cumulative[64]], [4_000, 4_000, 12_000, 12_000]);
    const time = yearOverYear(await days('all'), { metric: 'movingTime', year: 2025, dayOfYear: 65, earlier: 1 });
    assert.equal(time.at(-1)!.cumulative.at(-1), 2 * 3000);
    assert.deepEqual(
      yearOverYear(await days('swim'), { metric: 'distance', year: 2025, dayOfYear: 65 }).map((x) => x.year),
      [2025],
      'no swims: only this year, empty',
    );
  });
});

describe('training calendar', () => {
  test('local days (23:30 and 00:30 are two days even on one UTC day), a rest day breaks the streak, today still open', async () => {
    const id = await athleteWith([
      act('2025-05-01T23:30:00', { utc: '2025-05-01T21:30:00', moving_time: 1200 }),
      act('2025-05-02T00:30:00', { utc: '2025-05-01T22:30:00', moving_time: 600 }),
      act('2025-05-02T18:00:00', { moving_time: 3000, sport_type: 'Ride', distance: 20_000 }),
      act('2025-05-04T07:00:00', { moving_time: 8000 }),
      act('2025-05-05T07:00:00', { moving_time: 1000 }),
    ]);
    const days = await dailyVolume(db.pool, id, 'all', '2025-04-28', '2025-05-06T08:00:00');
    assert.deepEqual(days, [
      { date: '2025-05-01', distance: 10_000, movingTime: 1200, count: 1 },
      { date: '2025-05-02', distance: 30_000, movingTime: 3600, count: 2 },
      { date: '2025-05-04', distance: 10_000, movingTime: 8000, count: 1 },
      { date: '2025-05-05', distance: 10_000, movingTime: 1000, count: 1 },
    ]);
    assert.deepEqual(
      (await dailyVolume(db.pool, id, 'ride', '2025-04-28', '2025-05-06T08:00:00')).map((d) => d.date),
      ['2025-05-02'],
    );
    // 6 May, nothing yet today: the streak of the 4th and 5th is still alive.
    const grid = heatGrid(days, '2025-04-28', 2, '2025-05-06');
    assert.equal(grid.streak, 2);
    const cells = grid.weeks.flatMap((w) => w.days);
    assert.deepEqual(
      cells.filter((c) => c.inStreak).map((c) => c.date),
      ['2025-05-04', '2025-05-05'],
    );
    assert.deepEqual(
      cells.filter((c) => c.level > 0).map((c) => [c.date, c.level]),
      [
        ['2025-05-01', 1],
        ['2025-05-02', 3],
        ['2025-05-04', 4],
        ['2025-05-05', 1],
      ],
    );
    assert.equal(heatGrid(days, '2025-04-28', 2, '2025-05-07').streak, 0, 'a day without training ends it');
    assert.equal(calendarStart('2025-05-06'), '2024-05-06', 'a year of weeks ending with this one, from a Monday');
  });
});

describe('per-sport figures', () => {
  test('this year and all time per group, the longest, and "other" holds every sport outside the groups', async () => {
    const id = await athleteWith([
      act('2024-06-01T08:00:00', { distance: 21_000, moving_time: 6300, total_elevation_gain: 120 }),
      act('2025-02-01T08:00:00', { distance: 10_000, moving_time: 3000, total_elevation_gain: 40, sport_type: 'TrailRun' }),
      act('2025-02-02T08:00:00', { distance: 40_000, moving_time: 4800, sport_type: 'GravelRide' }),
      act('2025-02-03T08:00:00', { distance: 1_500, moving_time: 1800, sport_type: 'Swim', total_elevation_gain: 0 }),
      act('2025-02-04T08:00:00', { distance: 0, moving_time: 3600, sport_type: 'Yoga', total_elevation_gain: 0 }),
      act('2025-02-05T08:00:00', { distance: 2_000, moving_time: 2400, sport_type: 'Pickleball', total_elevation_gain: 0 }),
    ]);
    const runs = await sportFigures(db.pool, id, 'run', '2025-01-01', '2025-03-01T00:00:00');
    assert.deepEqual(runs.year, { count: 1, distance: 10_000, movingTime: 3000, elevationGain: 40 });
    assert.deepEqual(runs.all, { count: 2, distance: 31_000, movingTime: 9300, elevationGain: 160 });
    assert.deepEqual(runs.longest, { id: runs.longest!.id, name: 'A', date: '2024-06-01', distance: 21_000, movingTime: 6300 });
    const other = await sportFigures(db.pool, id, 'other', '2025-01-01', '2025-03-01T00:00:00');
    assert.deepEqual([other.all.count, other.all.movingTime, other.longest?.distance], [2, 6000, 2_000]);
    const swims = await sportFigures(db.pool, id, 'swim', '2025-01-01', '2025-03-01T00:00:00');
    assert.deepEqual(swims.year, { count: 1, distance: 1_500, movingTime: 1800, elevationGain: 0 });
    const walks = await sportFigures(db.pool, id, 'walk', '2025-01-01', '2025-03-01T00:00:00');
    assert.deepEqual([walks.all.count, walks.longest], [0, null], 'an empty state, not an error');
    const groups = await yearTotalsByGroup(db.pool, id, '2025-01-01', '2025-03-01T00:00:00');
    assert.deepEqual([groups.get('all')!.count, groups.get('ride')!.distance, groups.get('other')!.movingTime], [5, 40_000, 6000]);
  });
});

/** Maps and float noise out of the way, so SQL and memory compare as plain data. */
function plain(f: TrainingFigures) {
  return JSON.parse(
    JSON.stringify({ ...f, groupTotals: Object.fromEntries(f.groupTotals) }, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v)),
  );
}

test('SQL and the slow obvious computation agree on random activities, efforts and gear, for every sport', async () => {
  let seed = 11;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const sports = ['Run', 'Ride', 'Swim', 'Walk', 'Hike', 'TrailRun', 'VirtualRide', 'Yoga', 'Pickleball', 'GravelRide'];
  const gearIds = ['b1', 'b2', 'g1', 'g2', null];
  const list: SummaryActivity[] = [];
  for (let i = 0; i < 500; i++) {
    const day = new Date(Date.UTC(2019, 0, 1) + Math.floor(rnd() * 2600) * 86_400_000).toISOString().slice(0, 10);
    const hidden = rnd() < 0.05;
    const time = hidden ? '00:00:01' : `${String(Math.floor(rnd() * 24)).padStart(2, '0')}:${String(Math.floor(rnd() * 60)).padStart(2, '0')}:00`;
    list.push(
      act(`${day}T${time}`, {
        sport_type: sports[Math.floor(rnd() * sports.length)]!,
        distance: Math.round(rnd() * 60_000),
        moving_time: Math.round(rnd() * 10_000),
        total_elevation_gain: Math.round(rnd() * 900),
        manual: rnd() < 0.05,
        ...(rnd() < 0.8 ? { gear_id: gearIds[Math.floor(rnd() * gearIds.length)] } : {}),
      }),
    );
  }
  const id = await athleteWith(list);
  const { rows } = await db.pool.query<{ id: number; sport: string }>('select id, sport_type as sport from activities where athlete_id = $1::bigint', [id]);
  for (const row of rows) {
    if (rnd() < 0.3) continue;
    const keys = row.sport.includes('Ride') ? ['ride_10k', 'ride_20k', 'ride_40k'] : ['run_400m', 'run_1k', 'run_5k', 'run_10k'];
    const efforts = keys.filter(() => rnd() < 0.7).map((effort) => ({ effort, elapsedTime: 60 + Math.floor(rnd() * 40) }));
    await saveActivityEfforts(db.pool, id, Number(row.id), efforts, rnd() < 0.5 ? 'strava' : 'streams');
  }
  await saveProfileGear(db.pool, id, {
    bikes: [
      { id: 'b1', name: 'Road', primary: true, distance: 5_000_000 },
      { id: 'b2', name: 'Old', retired: true, distance: 10 },
    ],
    shoes: [
      { id: 'g1', name: 'Daily', primary: true, distance: 0 },
      { id: 'g2', name: 'Race', distance: 300_000 },
    ],
  });
  await setGoal(db.pool, id, 'all', { metric: 'time', target: 400 * 3600 });
  await setGoal(db.pool, id, 'ride', { metric: 'elevation', target: 20_000 });

  const data = await loadEverything(db.pool, id);
  for (const [instant, zone] of [
    ['2025-06-20T10:00:00Z', 'Europe/Berlin'],
    ['2024-12-31T23:30:00Z', 'Asia/Tokyo'],
    ['2024-02-29T12:00:00Z', 'America/Los_Angeles'],
  ] as const) {
    const now = localNow(new Date(instant), zone);
    for (const filter of SPORT_FILTERS) {
      const sql = await loadTrainingFigures(db.pool, id, filter, now);
      const memory = computeTrainingFigures(data, filter, now);
      assert.deepEqual(plain(sql), plain(memory), `${filter} at ${instant} in ${zone}`);
    }
  }
});

describe('training charts', () => {
  // Drawn in per cent across and pixels down, so the SVG stretches to any width and its text keeps its real size.
  test('year lines: day 1 at the left edge, 31 December at the right, this year on top in orange, month ticks in per cent', () => {
    const leap = Array.from({ length: 366 }, (_, i) => (i + 1) * 1000);
    const chart = yearLinesChart(
      [
        { year: 2024, cumulative: leap },
        { year: 2025, cumulative: [5000, 5000, 9000] },
      ],
      {
        height: 220,
        currentYear: 2025,
        scale: (v) => v / 1000,
        formatTick: (v) => `${v} km`,
        monthTicks: [
          { day: 1, label: 'Jan' },
          { day: 182, label: 'Jul' },
        ],
        title: (year, total) => `${year}: ${total / 1000} km`,
      },
    );
    assert.deepEqual(
      chart.lines.map((l) => [l.label, l.stroke, l.title]),
      [
        ['2024', '#4d4d57', '2024: 366 km'],
        ['2025', '#fc4c02', '2025: 9 km'],
      ],
    );
    const [earlier, current] = chart.lines;
    assert.match(earlier!.d, /^M0 /, 'the year starts at the left edge');
    assert.match(earlier!.d, /L1000 33\.3$/, 'the leap day ends at the right edge: 366 of a 400 km scale, 180 px tall from 18 px down');
    assert.match(current!.d, /^M0 [\d.]+L5\.5 [\d.]+$/, 'today (day 3) ends the current line');
    assert.deepEqual(
      chart.xTicks.map((t) => [t.at, t.label, t.anchor]),
      [
        [0, 'Jan', 'start'],
        [49.59, 'Jul', 'middle'],
      ],
    );
    assert.deepEqual(chart.yTicks.at(-1), { at: 18, label: '400 km', anchor: 'start' });
  });

  test('bests over years: years spread across the width, dots at the same places as the line, names thinned on a long history', () => {
    const years = Array.from({ length: 10 }, (_, i) => 2017 + i);
    const chart = seriesChart([{ label: '5 km', stroke: '#000', points: years.map((x) => ({ x, value: 90 + (x - 2017), title: String(x) })) }], {
      height: 200,
      xs: years,
      minY: 80,
      maxY: 100,
      formatY: (v) => `${v}%`,
    });
    const [line] = chart.lines;
    assert.deepEqual([line!.dots[0]!.x, line!.dots.at(-1)!.x], [3, 97]);
    assert.match(line!.d, /^M30 [\d.]+L/);
    assert.match(line!.d, /L970 [\d.]+$/);
    assert.deepEqual(
      chart.xTicks.map((t) => t.label),
      ['2018', '2020', '2022', '2024', '2026'],
      'every second year named, ending with this one',
    );
    assert.equal(chart.xTicks.at(-1)!.anchor, 'end');
  });

  test('calendar weeks: a column per week from a Monday, a month named over the week of its first day', () => {
    const grid = heatGrid([], '2025-04-28', 6, '2025-06-08');
    assert.deepEqual(
      grid.weeks.map((w) => [w.days[0]!.date, w.month]),
      [
        ['2025-04-28', '2025-05-01'],
        ['2025-05-05', null],
        ['2025-05-12', null],
        ['2025-05-19', null],
        ['2025-05-26', '2025-06-01'],
        ['2025-06-02', null],
      ],
    );
    assert.ok(grid.weeks.every((w) => w.days.length === 7));
    assert.deepEqual(grid.weeks.flatMap((w) => w.days).filter((d) => d.future).length, 0, 'the last day shown is today, a Sunday');
  });
});
