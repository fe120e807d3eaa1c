// The history import against the sandbox and a real Postgres: whole history, newest first, idempotent, resumable, one worker per athlete.
// Needs a PostgreSQL server: its "instances" each hold a pool of their own, which the single-connection embedded database cannot serve faithfully.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PubSubCloudEvent } from '../../shared/platform/bus.js';
import { createBackfillHandler } from '../../shared/platform/handlers.js';
import { handleImportRequest, startHistoryImport, type ImportRequest } from '../../shared/imports/requests.js';
import { runImportSlice } from '../../shared/imports/run.js';
import { getImport, getImportProgress, requestImport } from '../../shared/imports/store.js';
import { activityStats, linesWithSecrets, sandboxListCalls, seedAthlete, startWorld, type Instance, type World } from '../harness.js';

// Rate limits out of the way here; the budget has its own tests.
let world: World;

before(async () => {
  world = await startWorld({ rateLimits: { overall: [1e6, 1e7], read: [1e6, 1e7] } }, { movableClock: true });
});

after(async () => {
  await world.close();
});

const HOUR = 3_600_000;
const slice = { timeBudgetMs: HOUR };

function pubsubEvent(data: unknown): PubSubCloudEvent {
  return {
    specversion: '1.0',
    id: '1',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: '//pubsub.googleapis.com/projects/test/topics/strava-backfill',
    data: {
      message: { data: Buffer.from(JSON.stringify(data)).toString('base64'), messageId: '1', publishTime: new Date().toISOString() },
      subscription: 'projects/test/subscriptions/strava-backfill-to-backfill',
    },
  };
}

/** One slice whose clock moves one tick per look, so `ticks` bounds how many pages it gets; what it publishes is kept. */
async function sliceOfTicks(instance: Instance, athleteId: number, ticks: number) {
  const published: ImportRequest[] = [];
  let now = 0;
  const outcome = await handleImportRequest(
    { ...instance, publish: async (request) => void published.push(request) },
    { athleteId },
    { timeBudgetMs: ticks, clock: () => now++ },
  );
  return { outcome, published };
}

test('imports the whole history in pages of 200, newest first, and marks it done', async () => {
  const { athleteId, accessToken } = await seedAthlete(world, { activities: 1050 });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);

  const outcome = await handleImportRequest(instance, { athleteId }, slice);
  assert.deepEqual(outcome, { kind: 'done', pages: 6, imported: 1050 });

  const stats = await activityStats(world.db.pool, athleteId);
  assert.equal(stats.count, 1050);
  const list = instance.listRequests();
  // Six pages with activities, then one answer with nothing older: Strava gives no total, so only that proves the end.
  assert.equal(list.length, 7);
  assert.ok(list.every((r) => r.perPage === 200 && r.status === 200));
  assert.equal(list[0]!.before, undefined, 'the first page is the newest');
  for (let i = 2; i < list.length; i++) assert.ok(list[i]!.before! < list[i - 1]!.before!, 'each page reaches further back');

  const row = (await getImport(world.db.pool, athleteId))!;
  assert.equal(row.status, 'done');
  assert.equal(row.imported, 1050);
  assert.equal(row.claimId, null, 'the lease is given back');
  assert.equal(row.cursorBefore, Math.floor(stats.oldest!.getTime() / 1000));

  const progress = await getImportProgress(world.db.pool, athleteId);
  assert.equal(progress?.status, 'done');
  assert.equal(progress?.imported, 1050);
  assert.ok(progress?.startedAt instanceof Date && progress.finishedAt instanceof Date);
  assert.deepEqual(linesWithSecrets(instance.logLines, [accessToken]), []);
});

test("Strava's athlete stats are asked once per import, for the estimate; a refusal leaves the import going without one", async () => {
  const { athleteId, accessToken } = await seedAthlete(world, { activities: 450 });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);
  // Room for one page, then a second slice goes on from the cursor.
  const { outcome: first } = await sliceOfTicks(instance, athleteId, 2);
  assert.equal(first.kind, 'more');
  const statsPath = `/athletes/${athleteId}/stats`;
  assert.equal(instance.requests.filter((r) => r.path === statsPath).length, 1);
  // What the import kept is what Strava answers: public runs, rides and swims of all time.
  const answer = (await (await fetch(`${world.sandbox.url}/api/v3${statsPath}`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as Record<
    string,
    { count: number }
  >;
  const strava = answer.all_ride_totals!.count + answer.all_run_totals!.count + answer.all_swim_totals!.count;
  const row = (await getImport(world.db.pool, athleteId))!;
  assert.equal(row.statsCount, strava);
  assert.ok(row.statsAskedAt instanceof Date);
  const progress = (await getImportProgress(world.db.pool, athleteId))!;
  assert.ok(progress.expected! > row.imported, `an estimate beyond what is in: ${progress.expected}`);

  assert.equal((await handleImportRequest(instance, { athleteId }, slice)).kind, 'done');
  assert.equal(instance.requests.filter((r) => r.path === statsPath).length, 1, 'the resumed slice did not ask again');
  assert.equal((await getImportProgress(world.db.pool, athleteId))?.expected, null, 'a finished import has its real count');

  // Strava failing on the stats (every retry): recorded as "could not say", the history still comes in.
  const other = await seedAthlete(world, { activities: 250 });
  await requestImport(world.db.pool, other.athleteId);
  world.sandbox.failNext({ method: 'GET', pathPrefix: `/athletes/${other.athleteId}/stats` }, 500, 3);
  assert.equal((await runImportSlice(instance, other.athleteId, slice)).kind, 'done');
  const otherRow = (await getImport(world.db.pool, other.athleteId))!;
  assert.equal(otherRow.statsCount, null);
  assert.ok(otherRow.statsAskedAt instanceof Date);
  assert.equal((await activityStats(world.db.pool, other.athleteId)).count, 250);
});

test('running it twice changes nothing: a repeated request does no work, a restart ends with the same rows', async () => {
  const { athleteId } = await seedAthlete(world, { activities: 450 });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);
  assert.equal((await handleImportRequest(instance, { athleteId }, slice)).kind, 'done');
  const first = await activityStats(world.db.pool, athleteId);
  const calls = sandboxListCalls(world);

  // The same request delivered again (Pub/Sub is at-least-once): acknowledged without a Strava call.
  assert.deepEqual(await handleImportRequest(instance, { athleteId }, slice), { kind: 'finished', status: 'done' });
  assert.equal(sandboxListCalls(world), calls);

  // Asked to start over: every page again, the same rows, no duplicates.
  const again = await handleImportRequest(instance, { athleteId, restart: true }, slice);
  assert.equal(again.kind, 'done');
  const second = await activityStats(world.db.pool, athleteId);
  assert.deepEqual(second, first);
  assert.equal(second.count, 450);
  assert.equal(second.distinct, 450);
  assert.equal((await getImport(world.db.pool, athleteId))!.imported, 450);
});

/** A slice that crashes at `page`, after saving it or with it fetched and not yet saved; the crash reaches the caller. */
async function crashedSlice(instance: Instance, athleteId: number, hook: 'afterSave' | 'afterFetch', page: number): Promise<void> {
  const crash = (_id: number, at: number) => {
    if (at === page) throw new Error(`injected crash ${hook === 'afterSave' ? 'after' : 'before saving'} page ${page}`);
  };
  await assert.rejects(runImportSlice(instance, athleteId, { ...slice, hooks: { [hook]: crash } }), /injected crash/);
}

test('a crash between pages: the next run goes on from the saved cursor and fetches no page twice', async () => {
  const { athleteId } = await seedAthlete(world, { activities: 1050 });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);

  await crashedSlice(instance, athleteId, 'afterSave', 3);
  const stalled = (await getImport(world.db.pool, athleteId))!;
  assert.equal(stalled.pages, 3);
  assert.equal(stalled.status, 'pending', 'freed for the retry');
  assert.match(stalled.lastError ?? '', /injected crash/);
  const beforeRetry = instance.listRequests().length;
  assert.equal(beforeRetry, 3);

  const outcome = await runImportSlice(instance, athleteId, slice);
  assert.equal(outcome.kind, 'done');
  const list = instance.listRequests();
  // The retry's first request starts at the saved cursor (plus the one-second overlap for ties at the boundary).
  assert.equal(list[beforeRetry]!.before, stalled.cursorBefore! + 1);
  assert.equal(new Set(list.map((r) => r.before)).size, list.length, 'no request repeated');
  assert.equal(list.length, 7, 'the same seven requests as a run without a crash');
  assert.equal((await activityStats(world.db.pool, athleteId)).count, 1050);
});

test('a crash with a page in flight: only that page is fetched again', async () => {
  const { athleteId } = await seedAthlete(world, { activities: 650 });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);
  await crashedSlice(instance, athleteId, 'afterFetch', 2);
  assert.equal((await getImport(world.db.pool, athleteId))!.pages, 1);
  assert.equal(await runImportSlice(instance, athleteId, slice).then((o) => o.kind), 'done');
  const befores = instance.listRequests().map((r) => r.before);
  // Four pages and the answer that ends it, plus page 2 twice (the one in flight); everything else once.
  assert.equal(befores.length, 5 + 1);
  assert.equal(befores[1], befores[2]);
  assert.equal(new Set(befores).size, befores.length - 1);
  assert.equal((await activityStats(world.db.pool, athleteId)).distinct, 650);
});

test("a crashed holder's lease runs out and the next request takes over", async () => {
  const { athleteId } = await seedAthlete(world, { activities: 300 });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);
  // As a killed invocation leaves it: running, lease still held.
  await world.db.pool.query(
    `update imports set status = 'running', claim_id = gen_random_uuid(), claimed_until = now() + interval '1 minute' where athlete_id = $1::bigint`,
    [athleteId],
  );
  assert.deepEqual(await runImportSlice(instance, athleteId, slice), { kind: 'busy' });
  assert.equal(instance.listRequests().length, 0);
  await world.db.pool.query(`update imports set claimed_until = now() - interval '1 second' where athlete_id = $1::bigint`, [athleteId]);
  assert.equal((await runImportSlice(instance, athleteId, slice)).kind, 'done');
  assert.equal((await activityStats(world.db.pool, athleteId)).count, 300);
});

test('two invocations for one athlete at once: one does the work, the other returns at once', async () => {
  const { athleteId } = await seedAthlete(world, { activities: 1050 });
  const a = world.instance();
  const b = world.instance();
  await requestImport(world.db.pool, athleteId);
  world.sandbox.setLatency(20);
  try {
    const outcomes = await Promise.all([handleImportRequest(a, { athleteId }, slice), handleImportRequest(b, { athleteId }, slice)]);
    const kinds = outcomes.map((o) => o.kind).sort();
    assert.deepEqual(kinds, ['busy', 'done']);
  } finally {
    world.sandbox.setLatency(0);
  }
  assert.equal(a.listRequests().length + b.listRequests().length, 7, 'the history was fetched once');
  assert.equal((await activityStats(world.db.pool, athleteId)).distinct, 1050);
});

test('a slice that runs out of time saves its place and asks for another slice', async () => {
  const { athleteId } = await seedAthlete(world, { activities: 650 });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);
  // Every look at the clock is one tick: room for two pages.
  const { outcome, published } = await sliceOfTicks(instance, athleteId, 3);
  assert.equal(outcome.kind, 'more');
  assert.deepEqual(published, [{ athleteId, reason: 'continue' }]);
  const row = (await getImport(world.db.pool, athleteId))!;
  assert.equal(row.status, 'pending');
  assert.equal(row.claimId, null);
  assert.equal(row.pages, 2);
  // 200 + 199: each later page starts with the boundary activity again.
  assert.equal(row.imported, 399);
  assert.equal((await activityStats(world.db.pool, athleteId)).count, 399);
  assert.equal((await getImportProgress(world.db.pool, athleteId))?.imported, 399);

  assert.equal((await handleImportRequest(instance, { athleteId }, slice)).kind, 'done');
  assert.equal((await activityStats(world.db.pool, athleteId)).count, 650);
});

test('Strava trouble: a 5xx throws for a retry, a revoked athlete fails the import for good', async () => {
  const { athleteId } = await seedAthlete(world, { activities: 250 });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);
  // Three 503s use up the client's own retries.
  world.sandbox.failNext({ method: 'GET', pathPrefix: '/athlete/activities' }, 503, 3);
  await assert.rejects(runImportSlice(instance, athleteId, slice), /Strava answered 503/);
  const afterServerError = (await getImport(world.db.pool, athleteId))!;
  assert.equal(afterServerError.status, 'pending');
  assert.equal(afterServerError.failures, 1);
  assert.equal((await runImportSlice(instance, athleteId, slice)).kind, 'done');

  const revoked = await seedAthlete(world, { activities: 250 });
  await requestImport(world.db.pool, revoked.athleteId);
  world.sandbox.failNext({ method: 'GET', pathPrefix: '/athlete/activities' }, 401, 1);
  const outcome = await runImportSlice(instance, revoked.athleteId, slice);
  assert.deepEqual(outcome, { kind: 'failed', pages: 0, imported: 0, reason: 'strava_unauthorized' });
  assert.equal((await getImportProgress(world.db.pool, revoked.athleteId))?.status, 'failed');
  // Failed stays failed for repeated requests; connecting again brings it back from its cursor.
  assert.deepEqual(await handleImportRequest(instance, { athleteId: revoked.athleteId }, slice), { kind: 'finished', status: 'failed' });
  const again = await requestImport(world.db.pool, revoked.athleteId);
  assert.equal(again.shouldRun, true);
  assert.equal((await handleImportRequest(instance, { athleteId: revoked.athleteId }, slice)).kind, 'done');

  // A disconnected athlete's import fails without calling Strava.
  const gone = await seedAthlete(world, { activities: 10 });
  await requestImport(world.db.pool, gone.athleteId);
  await world.db.pool.query(`update athletes set status = 'disconnected' where id = $1::bigint`, [gone.athleteId]);
  const calls = sandboxListCalls(world);
  const goneOutcome = await runImportSlice(instance, gone.athleteId, slice);
  assert.equal(goneOutcome.kind, 'failed');
  assert.match((goneOutcome as { reason: string }).reason, /^reconnect_required/);
  assert.equal(sandboxListCalls(world), calls);
});

test('the backfill handler: a request is a CloudEvent; malformed ones and unknown athletes are acknowledged', async () => {
  const { athleteId } = await seedAthlete(world, { activities: 120 });
  const instance = world.instance();
  const handler = createBackfillHandler(instance, slice);
  // No imports row yet: the handler creates it for a connected athlete.
  await handler(pubsubEvent({ athleteId, reason: 'connect' }));
  assert.equal((await getImportProgress(world.db.pool, athleteId))?.status, 'done');
  assert.equal((await activityStats(world.db.pool, athleteId)).count, 120);

  const calls = sandboxListCalls(world);
  await handler(pubsubEvent({ nothing: true }));
  await handler(pubsubEvent({ athleteId: 424242 }));
  assert.equal(sandboxListCalls(world), calls);
  assert.equal(await getImport(world.db.pool, 424242), undefined);
});

test('starting an import on connect: created once, published when it should run, never throws', async () => {
  const { athleteId } = await seedAthlete(world, { activities: 5 });
  const published: { topic: string; data: unknown }[] = [];
  const bus = {
    publish: async (topic: string, data: unknown) => {
      published.push({ topic, data });
      return String(published.length);
    },
    close: async () => undefined,
  };
  const deps = { pool: world.db.pool, log: world.instance().log, publishImport: (request: ImportRequest) => bus.publish('strava-backfill', request) };
  assert.equal(await startHistoryImport(deps, athleteId), true);
  assert.deepEqual(published, [{ topic: 'strava-backfill', data: { athleteId, reason: 'connect' } }]);
  assert.equal((await getImportProgress(world.db.pool, athleteId))?.status, 'pending');

  await handleImportRequest(world.instance(), { athleteId }, slice);
  // Signing in again after the import finished queues nothing.
  assert.equal(await startHistoryImport(deps, athleteId), false);
  assert.equal(published.length, 1);

  const failing = { ...deps, publishImport: async () => Promise.reject(new Error('pubsub down')) };
  const other = await seedAthlete(world, { activities: 5 });
  assert.equal(await startHistoryImport(failing, other.athleteId), false);
  assert.equal((await getImportProgress(world.db.pool, other.athleteId))?.status, 'pending', 'left for update_tokens');
});
