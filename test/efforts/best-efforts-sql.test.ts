// Best efforts in SQL on hand-built activities with known answers: the fastest per distance, each local year, Strava's own kept.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bestEfforts, bestEffortsByYear, saveActivityEfforts } from '../../shared/efforts/index.js';
import { trainingFixtures } from '../stats/fixtures.js';

const { act, db, athleteWith } = trainingFixtures();

describe('best efforts in SQL', () => {
  test('the fastest per distance links to its activity; "each year" follows the local calendar', async () => {
    const id = await athleteWith([
      act('2024-12-31T23:30:00', { utc: '2024-12-31T14:30:00', name: 'New Year\u2019s Eve', timezone: '(GMT+09:00) Asia/Tokyo' }),
      act('2025-01-01T10:00:00', { name: 'New Year' }),
      act('2025-03-01T10:00:00', { name: 'Spring' }),
    ]);
    const [eve, newYear, spring] = (
      await db.pool.query<{ id: number }>('select id from activities where athlete_id = $1::bigint order by start_date_local', [id])
    ).rows.map((r) => Number(r.id));
    // Each activity's efforts (distance key and elapsed seconds) and where they came from.
    const saved: [number, [string, number][], 'strava' | 'streams'][] = [
      [
        eve!,
        [
          ['run_1k', 230],
          ['run_5k', 1300],
        ],
        'strava',
      ],
      [newYear!, [['run_1k', 240]], 'streams'],
      [
        spring!,
        [
          ['run_1k', 235],
          ['run_5k', 1250],
        ],
        'streams',
      ],
    ];
    for (const [activityId, efforts, source] of saved) {
      await saveActivityEfforts(
        db.pool,
        id,
        activityId,
        efforts.map(([effort, elapsedTime]) => ({ effort, elapsedTime })),
        source,
      );
    }
    assert.deepEqual(
      (await bestEfforts(db.pool, id)).map((b) => [b.effort, b.elapsedTime, b.activityName, b.date]),
      [
        ['run_1k', 230, 'New Year\u2019s Eve', '2024-12-31'],
        ['run_5k', 1250, 'Spring', '2025-03-01'],
      ],
    );
    assert.deepEqual(
      (await bestEffortsByYear(db.pool, id)).map((b) => [b.effort, b.year, b.elapsedTime]),
      [
        ['run_1k', 2024, 230],
        ['run_1k', 2025, 235],
        ['run_5k', 2024, 1300],
        ['run_5k', 2025, 1250],
      ],
    );
    // Strava's own efforts are never replaced by ones computed from streams.
    assert.equal(await saveActivityEfforts(db.pool, id, eve!, [{ effort: 'run_1k', elapsedTime: 100 }], 'streams'), false);
    assert.equal((await bestEfforts(db.pool, id))[0]!.elapsedTime, 230);
  });
});
