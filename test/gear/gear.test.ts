// Gear on hand-built activities with known answers: totals, retired gear, Strava's own total, replacement reminders.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { listGear, needsReminder, saveProfileGear, setReplaceAt } from '../../shared/gear/index.js';
import { trainingFixtures } from '../stats/fixtures.js';

const { act, db, athleteWith } = trainingFixtures();

describe('gear', () => {
  test('totals from stored activities, retired gear apart, Strava\u2019s total when it is ahead, reminders kept across refreshes', async () => {
    const id = await athleteWith([
      act('2025-01-02T08:00:00', { sport_type: 'Ride', distance: 40_000, moving_time: 5000, gear_id: 'b1' }),
      act('2025-01-03T08:00:00', { sport_type: 'Ride', distance: 60_000, moving_time: 7000, gear_id: 'b1' }),
      act('2025-01-04T08:00:00', { distance: 10_000, moving_time: 3000, gear_id: 'g2' }),
      act('2025-01-05T08:00:00', { distance: 5_000, moving_time: 1500, gear_id: 'g-old' }),
      act('2025-01-06T08:00:00', { distance: 5_000, moving_time: 1500 }),
    ]);
    const profile = {
      bikes: [{ id: 'b1', name: 'Road', primary: true, retired: false, distance: 80_000 }],
      shoes: [
        { id: 'g2', name: 'Trainers', primary: true, retired: false, distance: 900_000 },
        { id: 'g-old', name: 'Old ones', primary: false, retired: true, distance: 700_000 },
      ],
    };
    assert.equal(await saveProfileGear(db.pool, id, profile), 3);
    assert.equal(await setReplaceAt(db.pool, id, 'g2', 800_000), true);
    assert.equal(await setReplaceAt(db.pool, id, 'g-old', 500_000), true);
    assert.equal(await setReplaceAt(db.pool, 999, 'g2', 1), false, 'another athlete\u2019s gear is not theirs to change');
    const gear = await listGear(db.pool, id);
    assert.deepEqual(
      gear.map((g) => [g.id, g.retired, g.count, g.distance, g.movingTime, g.wear]),
      [
        ['b1', false, 2, 100_000, 12_000, 100_000],
        ['g2', false, 1, 10_000, 3000, 900_000],
        ['g-old', true, 1, 5_000, 1500, 700_000],
      ],
    );
    assert.deepEqual(gear.map(needsReminder), [undefined, 'due', undefined], 'retired gear never reminds');
    await setReplaceAt(db.pool, id, 'b1', 110_000);
    assert.equal(needsReminder((await listGear(db.pool, id))[0]!), 'soon', '100 of 110 km: over 90%');

    // A refresh without profile:read_all lists nothing: nothing changes. One that drops an item removes it, keeps the rest.
    assert.equal(await saveProfileGear(db.pool, id, {}), undefined);
    assert.equal((await listGear(db.pool, id)).length, 3);
    await saveProfileGear(db.pool, id, { bikes: profile.bikes, shoes: [profile.shoes[0]] });
    assert.deepEqual(
      (await listGear(db.pool, id)).map((g) => [g.id, g.replaceAt]),
      [
        ['b1', 110_000],
        ['g2', 800_000],
      ],
    );
  });
});
