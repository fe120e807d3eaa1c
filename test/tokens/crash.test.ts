// Refreshed tokens that do not reach the database: retried on a hiccup; after a crash, shown as disconnected, never silently broken.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { upsertConnectedAthlete } from '../../shared/athletes/store.js';
import type { Queryable } from '../../shared/db/types.js';
import { getAccessToken, ReconnectRequiredError, TokenRefreshError } from '../../shared/tokens/access.js';
import { refreshDueTokens } from '../../shared/tokens/refresh-job.js';
import { loadTokens, saveTokens } from '../../shared/tokens/store.js';
import { athleteStatus, claimState, SCOPES, seedAthlete, spawnInstance, startWorld, tokenWorks, type World } from '../harness.js';

let world: World;

before(async () => {
  world = await startWorld();
});
after(() => world.close());

/** A pool whose writes of refreshed tokens fail `times` times, as if the connection dropped at that moment. */
function failingStores(pool: pg.Pool, times: number): Queryable & { failures: () => number } {
  let left = times;
  let failures = 0;
  const query = (config: string | pg.QueryConfig, values?: unknown[]) => {
    const text = typeof config === 'string' ? config : config.text;
    if (text.includes('refreshed_at = now()') && left > 0) {
      left--;
      failures++;
      return Promise.reject(new Error('Connection terminated unexpectedly'));
    }
    return typeof config === 'string' ? pool.query(config, values) : pool.query(config);
  };
  return { query: query as Queryable['query'], failures: () => failures } as Queryable & { failures: () => number };
}

/** Lets the lease of an abandoned claim run out now rather than in two minutes. */
async function leaseRunsOut(athleteId: number): Promise<void> {
  await world.db.pool.query(`update tokens set refresh_claimed_until = now() - interval '1 second' where athlete_id = $1::bigint`, [athleteId]);
}

test('a database hiccup while storing the refreshed tokens is retried: the athlete never notices', async () => {
  const instance = world.instance();
  const { athleteId, accessToken: old } = await seedAthlete(world, { expiresInSeconds: 30 * 60 });
  const before = world.sandbox.counters.tokenRefreshes;

  const flaky = failingStores(instance.pool, 2);
  const token = await getAccessToken({ ...instance, pool: flaky }, athleteId, { storeRetryDelaysMs: [1, 1, 1] });
  assert.equal(flaky.failures(), 2, 'the write failed twice before it went through');

  assert.notEqual(token, old);
  assert.equal(world.sandbox.counters.tokenRefreshes - before, 1);
  assert.equal((await loadTokens(world.db.pool, world.cipher, athleteId))?.accessToken, token);
  assert.ok(await tokenWorks(instance, token, athleteId));
  assert.equal((await athleteStatus(world.db.pool, athleteId)).status, 'connected');
});

test('storing fails for good: logged as an error, then, once the claim lapses, the athlete is marked disconnected', async () => {
  const instance = world.instance();
  const { athleteId, accessToken: old } = await seedAthlete(world, { expiresInSeconds: 30 * 60 });
  const failing = failingStores(instance.pool, Infinity);
  const broken = { ...instance, pool: failing };

  // The page still gets a working token (the current one has half an hour left) ...
  assert.equal(await getAccessToken(broken, athleteId, { storeRetryDelaysMs: [1, 1] }), old);
  assert.equal(failing.failures(), 3, 'one attempt and two retries');
  assert.ok(instance.logLines.some((line) => line.includes('"severity":"ERROR"') && line.includes('could not be stored')));
  // ... and the claim is kept until it lapses, so nobody spends the old (rotated-away) refresh token at once.
  assert.equal((await claimState(world.db.pool, athleteId)).claimed, true);

  // With less than a minute left there is nothing to fall back on: the caller gets the error.
  await world.db.pool.query(`update tokens set expires_at = now() + interval '30 seconds' where athlete_id = $1::bigint`, [athleteId]);
  await assert.rejects(getAccessToken(instance, athleteId, { maxWaitMs: 20 }), (error: unknown) => error instanceof TokenRefreshError && error.transient);

  await leaseRunsOut(athleteId);
  await assert.rejects(getAccessToken(instance, athleteId), ReconnectRequiredError);
  assert.deepEqual(await athleteStatus(world.db.pool, athleteId), { status: 'disconnected', reason: 'refresh_answer_lost' });
});

test('a process killed right after Strava answered: the page keeps working until the lease lapses, then asks to reconnect', async () => {
  const instance = world.instance();
  const { athleteId, accessToken: old } = await seedAthlete(world, { expiresInSeconds: 30 * 60 });
  const before = world.sandbox.counters.tokenRefreshes;

  const child = await spawnInstance(world);
  const running = child.run({ type: 'crash-after-answer', athleteId, claimTtlMs: 120_000 });
  assert.equal(await child.answered(), athleteId);
  await child.kill();
  await assert.rejects(running, /exited/);

  // Strava rotated the tokens; the new ones died with the process. The database still holds the old ones, claimed.
  assert.equal(world.sandbox.counters.tokenRefreshes - before, 1);
  assert.equal((await loadTokens(world.db.pool, world.cipher, athleteId))?.accessToken, old);
  assert.equal((await claimState(world.db.pool, athleteId)).claimed, true);

  // While the dead holder's claim lasts, a page view waits briefly, then uses the current token, which still works.
  const during = await getAccessToken(instance, athleteId, { maxWaitMs: 50 });
  assert.equal(during, old);
  assert.ok(await tokenWorks(instance, during, athleteId));
  assert.equal(world.sandbox.counters.tokenRefreshes - before, 1, 'nobody spent the old refresh token meanwhile');

  // The lease runs out: the next refresh finds the old refresh token refused and says so.
  await leaseRunsOut(athleteId);
  await assert.rejects(
    getAccessToken(instance, athleteId),
    (error: unknown) => error instanceof ReconnectRequiredError && error.reason === 'refresh_answer_lost',
  );
  assert.deepEqual(await athleteStatus(world.db.pool, athleteId), { status: 'disconnected', reason: 'refresh_answer_lost' });
  assert.equal((await claimState(world.db.pool, athleteId)).claimed, false);

  // The job leaves them alone from now on.
  const summary = await refreshDueTokens(instance, { horizonMs: 90 * 60_000, concurrency: 2, deadlineMs: 60_000, batchSize: 10 });
  assert.equal(summary.due, 0);
  assert.equal(world.sandbox.counters.tokenRefreshes - before, 2);

  // Reconnecting (OAuth stores a new grant's tokens and sets the athlete connected) brings them back.
  const issued = world.sandbox.issueTokens(athleteId, SCOPES, { expiresInSeconds: 30 * 60 });
  await upsertConnectedAthlete(world.db.pool, { id: athleteId, firstname: 'Test', lastname: 'Back' }, SCOPES);
  await saveTokens(world.db.pool, world.cipher, athleteId, {
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: new Date(issued.expires_at * 1000),
  });
  const fresh = await getAccessToken(instance, athleteId);
  assert.notEqual(fresh, issued.access_token, 'due again, and refreshed normally');
  assert.ok(await tokenWorks(instance, fresh, athleteId));
});
