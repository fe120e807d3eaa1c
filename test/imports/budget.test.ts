// The shared rate-limit budget against the sandbox's real limits: imports stop short of them, never meet a 429 storm, and resume after a reset.
// Needs a PostgreSQL server: several instances share one budget concurrently, each with its own pool.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { handleImportRequest, type ImportRequest } from '../../shared/imports/requests.js';
import { createImportResumer } from '../../shared/imports/resume.js';
import { getImport, getImportProgress, requestImport } from '../../shared/imports/store.js';
import { DAY_MS, dayStart, QUARTER_HOUR_MS, windowStart } from '../../shared/strava/budget.js';
import { activityStats, seedAthlete, startWorld, type World } from '../harness.js';

const HOUR = 3_600_000;
const slice = { timeBudgetMs: HOUR };
let world: World | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const statuses = (requests: { status: number }[]) => [...new Set(requests.map((r) => r.status))];

test('the import stops at 70% of the 15-minute limit, leaves the rest to interactive use, and resumes after the reset', async () => {
  world = await startWorld({ rateLimits: { overall: [20, 10_000] } }, { movableClock: true });
  const { athleteId, accessToken } = await seedAthlete(world, { activities: 3000 });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);

  const outcome = await handleImportRequest(instance, { athleteId }, slice);
  const resetAt = new Date(windowStart(world.clock.now()).getTime() + QUARTER_HOUR_MS);
  // 70% of 20: the athlete stats (for the estimate of the whole) and 13 pages.
  assert.deepEqual(outcome, { kind: 'waiting', pages: 13, imported: 200 + 12 * 199, nextAttemptAt: resetAt, reason: 'budget_fifteen_minute' });
  assert.equal(instance.listRequests().length, 13);
  assert.equal(instance.requests.filter((r) => r.path === `/athletes/${athleteId}/stats`).length, 1);
  assert.deepEqual(statuses(instance.requests), [200], 'never a 429');

  const row = (await getImport(world.db.pool, athleteId))!;
  assert.equal(row.status, 'waiting');
  assert.deepEqual(row.nextAttemptAt, resetAt);
  const progress = (await getImportProgress(world.db.pool, athleteId))!;
  assert.equal(progress.status, 'waiting');
  assert.equal(progress.imported, 2588);
  assert.deepEqual(progress.resumesAt, resetAt);

  // Interactive requests (a sign-in, a page) still have the six requests left in the window.
  for (let i = 0; i < 6; i++) await instance.strava.getAthlete(accessToken);
  assert.deepEqual(statuses(instance.requests), [200]);

  // A redelivered request, or update_tokens, before the reset: no Strava call at all.
  assert.deepEqual(await handleImportRequest(instance, { athleteId }, slice), { kind: 'paused', nextAttemptAt: resetAt });
  const resume = createImportResumer(instance);
  assert.deepEqual(await resume({ deadlineAt: Date.now() + HOUR, log: instance.log }), { resumed: 0 });
  assert.equal(instance.listRequests().length, 13);

  // The window resets: update_tokens' resumer takes it to the end.
  world.clock.set(resetAt);
  world.clock.advance(1000);
  assert.deepEqual(await resume({ deadlineAt: Date.now() + HOUR, log: instance.log }), { resumed: 1 });
  assert.equal((await getImport(world.db.pool, athleteId))!.status, 'done');
  assert.deepEqual(statuses(instance.requests), [200]);
  const stats = await activityStats(world.db.pool, athleteId);
  assert.equal(stats.count, 3000);
  assert.equal(stats.distinct, 3000);
});

test('the daily share: the import stops at 80% of the daily limit and waits for midnight UTC', async () => {
  world = await startWorld({ rateLimits: { overall: [1000, 10] } }, { movableClock: true });
  const { athleteId } = await seedAthlete(world, { activities: 3000 });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);

  const outcome = await handleImportRequest(instance, { athleteId }, slice);
  const midnight = new Date(dayStart(world.clock.now()).getTime() + DAY_MS);
  assert.equal(outcome.kind, 'waiting');
  assert.deepEqual((outcome as { nextAttemptAt: Date }).nextAttemptAt, midnight);
  assert.equal((outcome as { reason: string }).reason, 'budget_daily');
  // 80% of 10: the athlete stats and seven pages.
  assert.equal(instance.listRequests().length, 7);

  // A quarter hour later is not enough: still the same day.
  world.clock.advance(QUARTER_HOUR_MS);
  assert.equal((await handleImportRequest(instance, { athleteId }, slice)).kind, 'paused');
  world.clock.set(new Date(midnight.getTime() + 60_000));
  const next = await handleImportRequest(instance, { athleteId }, slice);
  assert.equal(next.kind, 'waiting', 'another day of 8 requests');
  assert.equal(instance.listRequests().length, 15);
  assert.deepEqual(statuses(instance.requests), [200]);
});

test('a 429 despite the budget: the import waits for the reset, with no retry storm', async () => {
  world = await startWorld({}, { movableClock: true });
  const { athleteId } = await seedAthlete(world, { activities: 900 });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);
  world.sandbox.failNext({ method: 'GET', pathPrefix: '/athlete/activities' }, 429, 1);

  // The handler acknowledges (returns): a retry now would only meet the same limit.
  const outcome = await handleImportRequest(instance, { athleteId }, slice);
  const resetAt = new Date(windowStart(world.clock.now()).getTime() + QUARTER_HOUR_MS);
  assert.deepEqual(outcome, { kind: 'waiting', pages: 0, imported: 0, nextAttemptAt: resetAt, reason: 'strava_429' });
  assert.deepEqual(
    instance.listRequests().map((r) => r.status),
    [429],
    'one request, not retried',
  );
  assert.equal((await getImport(world.db.pool, athleteId))!.lastError, 'strava_429');

  world.clock.set(resetAt);
  assert.equal((await handleImportRequest(instance, { athleteId }, slice)).kind, 'done');
  assert.equal((await activityStats(world.db.pool, athleteId)).count, 900);
});

test('the budget is shared: what another instance spent counts, and two importing instances together stay under the share', async () => {
  world = await startWorld({ rateLimits: { overall: [20, 10_000] } }, { movableClock: true });
  const first = await seedAthlete(world, { activities: 3000 });
  const second = await seedAthlete(world, { activities: 3000 });
  const web = world.instance();
  const a = world.instance();
  const b = world.instance();

  // The web app served five requests; its usage reaches Postgres through the client's onRateLimit.
  for (let i = 0; i < 5; i++) await web.strava.getAthlete(first.accessToken);
  await web.budget.flush();
  assert.equal((await web.budget.snapshot())!.usage15, 5);
  assert.equal((await web.budget.snapshot())!.limit15, 20);

  await requestImport(world.db.pool, first.athleteId);
  await requestImport(world.db.pool, second.athleteId);
  world.sandbox.setLatency(10);
  const outcomes = await Promise.all([
    handleImportRequest(a, { athleteId: first.athleteId }, slice),
    handleImportRequest(b, { athleteId: second.athleteId }, slice),
  ]);
  world.sandbox.setLatency(0);
  assert.deepEqual(
    outcomes.map((o) => o.kind),
    ['waiting', 'waiting'],
  );
  // Each import's first request is the athlete stats (for the estimate of the whole), the rest are pages.
  const background = [...a.requests, ...b.requests].length;
  assert.equal(background, 14 - 5, 'the two imports share what the web app left of the 70%');
  assert.equal(a.listRequests().length + b.listRequests().length, 14 - 5 - 2);
  assert.deepEqual(statuses([...a.requests, ...b.requests]), [200]);
  const snapshot = (await a.budget.snapshot())!;
  assert.equal(snapshot.usage15, 14);
});

test('update_tokens resumes through the backfill topic when it can publish, and leaves imports that are alive alone', async () => {
  world = await startWorld({}, { movableClock: true });
  const instance = world.instance();
  const waiting = await seedAthlete(world, { activities: 10 });
  const stalled = await seedAthlete(world, { activities: 10 });
  const fresh = await seedAthlete(world, { activities: 10 });
  const finished = await seedAthlete(world, { activities: 10 });
  for (const { athleteId } of [waiting, stalled, fresh, finished]) await requestImport(world.db.pool, athleteId);
  const pastReset = new Date(world.clock.now().getTime() - 1000);
  await world.db.pool.query(`update imports set status = 'waiting', next_attempt_at = $2::timestamptz where athlete_id = $1::bigint`, [
    waiting.athleteId,
    pastReset,
  ]);
  await world.db.pool.query(`update imports set status = 'running', updated_at = now() - interval '1 hour' where athlete_id = $1::bigint`, [stalled.athleteId]);
  await world.db.pool.query(`update imports set status = 'done' where athlete_id = $1::bigint`, [finished.athleteId]);

  const published: ImportRequest[] = [];
  const resume = createImportResumer({ ...instance, publish: async (request) => void published.push(request) });
  assert.deepEqual(await resume({ deadlineAt: Date.now() + HOUR, log: instance.log }), { resumed: 2 });
  assert.deepEqual(
    published.map((r) => r.athleteId).sort((x, y) => x - y),
    [waiting.athleteId, stalled.athleteId].sort((x, y) => x - y),
  );
  assert.ok(published.every((r) => r.reason === 'resume'));
  assert.equal(instance.listRequests().length, 0, 'publishing costs no Strava request');
});
