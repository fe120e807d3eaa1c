// The laptop stack's token timer: runs the job at once and on each tick, never two runs at a time, and stops cleanly.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTokenTimer } from '../../dev/token-timer.js';
import { type Instance, seedAthlete, startWorld, type World } from '../harness.js';

let world: World;
/** The services the laptop stack hands its timer, from the one harness. */
let services: Instance;

before(async () => {
  world = await startWorld();
  services = world.instance();
});
after(async () => {
  await world.close();
});

test('the timer refreshes due tokens right away, and again when asked, then stops', async () => {
  await seedAthlete(world, { expiresInSeconds: 30 * 60 });
  const timer = startTokenTimer(services, 60 * 60_000);
  try {
    // Joins the run the timer started at once (or runs it, if it has not begun).
    const first = await timer.runNow();
    const refreshes = world.sandbox.counters.tokenRefreshes;
    assert.ok(first);
    assert.ok(refreshes >= 1);

    await seedAthlete(world, { expiresInSeconds: 30 * 60 });
    const second = await timer.runNow();
    assert.equal(second?.refreshed, 1);
    assert.equal(world.sandbox.counters.tokenRefreshes, refreshes + 1);
  } finally {
    await timer.stop();
  }
});
