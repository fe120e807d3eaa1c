// Goals on hand-built activities with known answers: the pace each week needs, leap years, the athlete's local year.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadTrainingFigures } from '../../app/routes/training.js';
import { goalProgress, setGoal } from '../../shared/goals/index.js';
import { localNow } from '../../shared/stats/calendar.js';
import { trainingFixtures } from '../stats/fixtures.js';

const { act, db, athleteWith } = trainingFixtures();

describe('goals', () => {
  test('where to be and what each week needs, across a leap year, on the last day, and once reached', () => {
    const goal = { sportGroup: 'run' as const, metric: 'distance' as const, target: 366_000 };
    // 29 February 2024 is day 60 of 366: an even pace puts 60 km behind you by tonight.
    const leap = goalProgress(goal, 50_000, { dayOfYear: 60, daysInYear: 366 });
    assert.equal(leap.expected, 60_000);
    assert.equal(leap.ahead, -10_000);
    assert.equal(leap.daysLeft, 307, 'today is still open');
    assert.ok(Math.abs(leap.neededPerWeek - (316_000 * 7) / 307) < 1e-9, 'the 316 km left over 307 days, per 7');
    // 1 March 2025 is day 60 of 365.
    assert.equal(goalProgress({ ...goal, target: 365_000 }, 0, { dayOfYear: 60, daysInYear: 365 }).expected, 60_000);
    // 31 December: what is missing is due today, a week's worth in one day.
    const last = goalProgress(goal, 365_000, { dayOfYear: 366, daysInYear: 366 });
    assert.deepEqual([last.daysLeft, last.neededPerWeek, last.expected], [1, 7_000, 366_000]);
    const done = goalProgress(goal, 400_000, { dayOfYear: 300, daysInYear: 366 });
    assert.deepEqual([done.reached, done.neededPerWeek], [true, 0]);
  });

  test('measured on the athlete\u2019s local year: just past midnight in Berlin it is already the new year', async () => {
    const id = await athleteWith([
      act('2024-12-31T20:00:00', { utc: '2024-12-31T19:00:00', distance: 7_000 }),
      act('2025-01-01T00:10:00', { utc: '2024-12-31T23:10:00', distance: 5_000 }),
    ]);
    await setGoal(db.pool, id, 'run', { metric: 'distance', target: 1_000_000 });
    const instant = new Date('2024-12-31T23:30:00Z');
    const berlin = await loadTrainingFigures(db.pool, id, 'all', localNow(instant, 'Europe/Berlin'));
    assert.equal(berlin.now.year, 2025);
    assert.equal(berlin.groupTotals.get('run')!.distance, 5_000);
    assert.equal(goalProgress(berlin.goals[0]!, 5_000, berlin.now).expected, 1_000_000 / 365);
    const london = await loadTrainingFigures(db.pool, id, 'all', localNow(instant, 'Europe/London'));
    assert.equal(london.now.year, 2024);
    assert.equal(london.groupTotals.get('run')!.distance, 7_000, 'in London the 00:10 Berlin run has not started yet');
    assert.equal(goalProgress(london.goals[0]!, 7_000, london.now).expected, 1_000_000, 'the last day of 2024: the whole goal');
  });
});
