// The update_tokens job over real PostgreSQL and the sandbox: summary counts, revoked athletes, deadline, concurrency bound.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, test } from 'node:test';
import { claimOrRead } from '../../shared/tokens/claims.js';
import { refreshDueTokens, type RefreshJobOptions } from '../../shared/tokens/refresh-job.js';
import { loadTokens } from '../../shared/tokens/store.js';
import { athleteStatus, claimState, linesWithSecrets, seedAthlete, startWorld, tokenWorks, type World } from '../harness.js';
import { jobSummary } from '../harness.js';

const MINUTE = 60_000;
const JOB: RefreshJobOptions = { horizonMs: 90 * MINUTE, concurrency: 4, deadlineMs: 10 * MINUTE, batchSize: 3 };

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function seedMany(w: World, count: number, expiresInSeconds: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push((await seedAthlete(w, { expiresInSeconds })).athleteId);
  return ids;
}

test('summary counts: rotated, unchanged, failed, revoked, claimed elsewhere, not due; the next run skips the revoked', async () => {
  world = await startWorld();
  const instance = world.instance();
  const expiring = await seedMany(world, 5, 30 * 60); // ids in seeding order: the first one meets the 503s
  const earlyInWindow = await seedMany(world, 2, 80 * 60); // due within 90 min, but Strava only rotates at an hour
  await seedMany(world, 2, 6 * 3600); // not due
  const revoked = await seedAthlete(world, { expiresInSeconds: 30 * 60 });
  await instance.strava.revoke(revoked.accessToken, 'access_token');
  const busy = await seedAthlete(world, { expiresInSeconds: 30 * 60 });
  const elsewhere = await claimOrRead(world.db.pool, { athleteId: busy.athleteId, claimId: randomUUID(), windowMs: JOB.horizonMs, claimTtlMs: 10 * MINUTE });
  assert.ok(elsewhere.claimed);

  // Every attempt of the first refresh fails (the client retries a 5xx twice); one worker keeps the order known.
  world.sandbox.failNext({ method: 'POST', pathPrefix: '/oauth/token' }, 503, 3);
  const before = world.sandbox.counters.tokenRefreshes;
  const first = await refreshDueTokens(instance, { ...JOB, concurrency: 1 });

  // The services retry deferred webhook events on the same beat (none are waiting here).
  assert.deepEqual(
    { ...first, durationMs: 0 },
    jobSummary({ due: 9, refreshed: 6, unchanged: 2, failed: 1, disconnected: 1, skipped: 1 }, { eventsRetried: 0 }),
  );
  // Four rotations, two unchanged answers, one refusal; the injected 503s never reach the token endpoint.
  assert.equal(world.sandbox.counters.tokenRefreshes - before, 4 + 2 + 1);
  assert.deepEqual(await athleteStatus(world.db.pool, revoked.athleteId), { status: 'disconnected', reason: 'refresh_token_rejected' });
  for (const athleteId of expiring.slice(1)) {
    const stored = await loadTokens(world.db.pool, world.cipher, athleteId);
    assert.ok(stored!.expiresAt.getTime() > Date.now() + 5 * 3600_000);
    assert.ok(await tokenWorks(instance, stored!.accessToken, athleteId));
  }
  assert.equal((await athleteStatus(world.db.pool, expiring[0]!)).status, 'connected', 'a transient failure marks nothing');

  const logged = instance.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.message === 'update_tokens finished');
  assert.equal(logged.length, 1);
  assert.equal(logged[0]!.refreshed, 6);
  assert.equal(logged[0]!.disconnected, 1);

  const middle = world.sandbox.counters.tokenRefreshes;
  const second = await refreshDueTokens(instance, JOB);
  // Left: the one that failed, the two Strava would not rotate yet, the one still claimed elsewhere; not the revoked one.
  assert.deepEqual(
    { ...second, durationMs: 0 },
    jobSummary({ due: 4, refreshed: 3, unchanged: 2, failed: 0, disconnected: 0, skipped: 1 }, { eventsRetried: 0 }),
  );
  assert.equal(world.sandbox.counters.tokenRefreshes - middle, 3);
  for (const athleteId of earlyInWindow) assert.equal((await claimState(world.db.pool, athleteId)).claimed, false);

  const secrets = (await Promise.all(expiring.map((id) => loadTokens(world!.db.pool, world!.cipher, id)))).flatMap((t) => [t!.accessToken, t!.refreshToken]);
  assert.deepEqual(linesWithSecrets(instance.logLines, secrets), []);
});

/** An instance whose clock moves a minute per Strava answer, and that clock. */
function minuteClock(w: World) {
  let clock = 0;
  const instance = {
    ...w.instance(),
    hooks: {
      afterStravaAnswer: () => {
        clock += MINUTE;
      },
    },
  };
  return { instance, now: () => clock };
}

test('the deadline stops the run cleanly and the next run finishes the rest', async () => {
  world = await startWorld();
  const ids = await seedMany(world, 10, 30 * 60);
  // A clock that moves a minute per Strava answer: the run may start refreshes only during its first 5.5 minutes.
  const { instance, now } = minuteClock(world);

  const first = await refreshDueTokens(instance, { ...JOB, concurrency: 1, deadlineMs: 5.5 * MINUTE, now });
  assert.equal(first.due, 10);
  assert.equal(first.refreshed, 6);
  assert.equal(first.skipped, 4);
  assert.equal(first.stoppedEarly, true);
  for (const id of ids) assert.equal((await claimState(world.db.pool, id)).claimed, false, 'no claim left behind');

  const second = await refreshDueTokens(instance, { ...JOB, concurrency: 1, now });
  assert.deepEqual([second.due, second.refreshed, second.skipped, second.stoppedEarly], [4, 4, 0, false]);
});

test('with several workers, athletes claimed in a batch but not started by the deadline are released at once', async () => {
  world = await startWorld({ latencyMs: 10 });
  const ids = await seedMany(world, 20, 30 * 60);
  const { instance, now } = minuteClock(world);

  const summary = await refreshDueTokens(instance, { ...JOB, concurrency: 4, batchSize: 4, deadlineMs: 2.5 * MINUTE, now });
  assert.equal(summary.stoppedEarly, true);
  assert.ok(summary.refreshed >= 3 && summary.refreshed < 20, `refreshed ${summary.refreshed}`);
  assert.equal(summary.refreshed + summary.skipped, 20);
  for (const id of ids) assert.equal((await claimState(world.db.pool, id)).claimed, false, 'no claim left to lapse');

  const rest = await refreshDueTokens({ ...instance, hooks: {} }, { ...JOB, concurrency: 4 });
  assert.equal(rest.refreshed, 20 - summary.refreshed);
});

test('no more refreshes in flight than the concurrency allows', async () => {
  world = await startWorld({ latencyMs: 30 });
  await seedMany(world, 40, 30 * 60);
  const instance = world.instance();
  const summary = await refreshDueTokens(instance, { ...JOB, concurrency: 4, batchSize: 7 });
  assert.equal(summary.refreshed, 40);
  assert.ok(instance.traffic.maxInFlight <= 4, `max in flight ${instance.traffic.maxInFlight}`);
  assert.ok(instance.traffic.maxInFlight >= 2, 'refreshes do overlap');

  await seedMany(world, 5, 30 * 60);
  const single = world.instance();
  assert.equal((await refreshDueTokens(single, { ...JOB, concurrency: 1 })).refreshed, 5);
  assert.equal(single.traffic.maxInFlight, 1);
});

test('stalled history imports are resumed through the hook when one is plugged in', async () => {
  world = await startWorld();
  await seedMany(world, 2, 30 * 60);
  const calls: number[] = [];
  const summary = await refreshDueTokens(
    {
      ...world.instance(),
      resumeStalledImports: async ({ deadlineAt }) => {
        calls.push(deadlineAt);
        return { resumed: 3 };
      },
    },
    { ...JOB, now: () => 1_000 },
  );
  assert.equal(summary.refreshed, 2);
  assert.equal(summary.importsResumed, 3);
  assert.deepEqual(calls, [1_000 + JOB.deadlineMs]);
});
