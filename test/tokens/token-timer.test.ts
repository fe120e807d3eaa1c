// The laptop stack's token timer: runs the job at once and on each tick, never two runs at a time, and stops cleanly.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTokenTimer } from '../../dev/token-timer.js';
import { loadConfig } from '../../shared/platform/config.js';
import { createLogger } from '../../shared/log.js';
import { createRuntime, type Runtime } from '../../shared/platform/runtime.js';
import { loadSecrets } from '../../shared/platform/secrets.js';
import { seedAthlete, startWorld, type World } from '../harness.js';
import { productEnvironment } from '../helpers/environment.js';

let world: World;
let runtime: Runtime;

before(async () => {
  world = await startWorld();
  const env = {
    ...productEnvironment({ sandbox: world.sandbox, databaseUrl: world.db.url, encryptionKey: world.encryptionKey }),
    SESSION_SECRET: 'x'.repeat(32),
  };
  runtime = await createRuntime(loadConfig(env), await loadSecrets({ env }), { log: createLogger({ format: 'json', write: () => undefined }) });
  runtime.pool.on('error', () => undefined);
});
after(async () => {
  await runtime.close();
  await world.close();
});

test('the timer refreshes due tokens right away, and again when asked, then stops', async () => {
  await seedAthlete(world, { expiresInSeconds: 30 * 60 });
  const timer = startTokenTimer(runtime, 60 * 60_000);
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
