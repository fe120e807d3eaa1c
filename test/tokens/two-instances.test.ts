// The job and page views refreshing the same athletes at the same moment from two instances never spend a rotated refresh token.
// Needs a PostgreSQL server: two processes refresh at the same moment, each with its own connections.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getAccessToken } from '../../shared/tokens/access.js';
import { refreshDueTokens, type RefreshJobSummary } from '../../shared/tokens/refresh-job.js';
import { loadTokens } from '../../shared/tokens/store.js';
import { athleteStatus, seedAthlete, spawnInstance, startWorld, tokenWorks, type Instance, type World } from '../harness.js';

const HORIZON_MS = 90 * 60_000;
let world: World;

before(async () => {
  // Latency keeps each refresh in flight long enough for the two instances to overlap on it.
  world = await startWorld({ latencyMs: 15 });
});
after(() => world.close());

async function seedExpiring(count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push((await seedAthlete(world, { expiresInSeconds: 30 * 60 })).athleteId);
  return ids;
}

/**
 * Page views for `ids`, a few at a time, from the highest id down, while the job works up from the lowest: the two
 * meet in the middle and contend for the same athletes. Tokens come back in the order of `ids`.
 */
async function pageViews(instance: Instance, ids: number[], parallel = 3): Promise<string[]> {
  const tokens: string[] = new Array(ids.length);
  const order = ids.map((_, i) => i).reverse();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = order.shift(); i !== undefined; i = order.shift()) tokens[i] = await getAccessToken(instance, ids[i]!);
    }),
  );
  return tokens;
}

/** Every athlete refreshed exactly once, connected, holding a stored token that works, and the page saw that token. */
async function assertOneGoodRefreshEach(ids: number[], pageTokens: string[], refreshesBefore: number, checker: Instance): Promise<void> {
  assert.equal(world.sandbox.counters.tokenRefreshes - refreshesBefore, ids.length, 'one refresh per athlete');
  for (const [i, athleteId] of ids.entries()) {
    assert.equal((await athleteStatus(world.db.pool, athleteId)).status, 'connected');
    const stored = await loadTokens(world.db.pool, world.cipher, athleteId);
    assert.equal(pageTokens[i], stored!.accessToken, 'the page got the token that is stored');
    assert.ok(await tokenWorks(checker, stored!.accessToken, athleteId));
  }
}

test('two instances in one process (separate pools): the job and page views race on the same athletes', async () => {
  const jobInstance = world.instance();
  const pageInstance = world.instance();
  for (let round = 0; round < 3; round++) {
    const ids = await seedExpiring(12);
    const refreshesBefore = world.sandbox.counters.tokenRefreshes;
    const [summary, pageTokens] = await Promise.all([
      refreshDueTokens(jobInstance, { horizonMs: HORIZON_MS, concurrency: 4, deadlineMs: 60_000, batchSize: 5 }),
      pageViews(pageInstance, ids),
    ]);
    assert.equal(summary.due, 12);
    assert.equal(summary.refreshed + summary.skipped, 12);
    assert.equal(summary.failed + summary.disconnected, 0);
    await assertOneGoodRefreshEach(ids, pageTokens, refreshesBefore, pageInstance);
  }
  // Not one refresh request, from either side, was refused: no rotated refresh token was ever sent.
  const statuses = [...jobInstance.traffic.refreshes, ...pageInstance.traffic.refreshes].map((r) => r.status);
  assert.equal(statuses.length, 36);
  assert.ok(
    statuses.every((status) => status === 200),
    `refresh statuses: ${statuses.join(',')}`,
  );
});

test('two processes: the job in a child process while this process serves page views for the same athletes', async () => {
  const pageInstance = world.instance();
  for (let round = 0; round < 2; round++) {
    const ids = await seedExpiring(15);
    const child = await spawnInstance(world);
    try {
      const refreshesBefore = world.sandbox.counters.tokenRefreshes;
      const pageStatusesBefore = pageInstance.traffic.refreshes.length;
      const [jobMessage, pageTokens] = await Promise.all([child.run({ type: 'job', horizonMs: HORIZON_MS, concurrency: 5 }), pageViews(pageInstance, ids)]);
      assert.equal(jobMessage.type, 'done', JSON.stringify(jobMessage));
      const done = jobMessage as { result: RefreshJobSummary; refreshStatuses: number[] };
      assert.equal(done.result.refreshed + done.result.skipped, 15);
      assert.equal(done.result.failed + done.result.disconnected, 0);
      const statuses = [...done.refreshStatuses, ...pageInstance.traffic.refreshes.slice(pageStatusesBefore).map((r) => r.status)];
      assert.equal(statuses.length, 15);
      assert.ok(
        statuses.every((status) => status === 200),
        `refresh statuses: ${statuses.join(',')}`,
      );
      await assertOneGoodRefreshEach(ids, pageTokens, refreshesBefore, pageInstance);
    } finally {
      await child.kill();
    }
  }
});

test('two processes asking for the same athletes at once: the child and this process get the same tokens', async () => {
  const pageInstance = world.instance();
  const ids = await seedExpiring(10);
  const child = await spawnInstance(world);
  try {
    const refreshesBefore = world.sandbox.counters.tokenRefreshes;
    const [childMessage, here] = await Promise.all([
      child.run({ type: 'tokens', athleteIds: ids }),
      Promise.all(ids.map((id) => getAccessToken(pageInstance, id))),
    ]);
    assert.equal(childMessage.type, 'done', JSON.stringify(childMessage));
    assert.deepEqual((childMessage as { result: string[] }).result, here);
    await assertOneGoodRefreshEach(ids, here, refreshesBefore, pageInstance);
  } finally {
    await child.kill();
  }
});
